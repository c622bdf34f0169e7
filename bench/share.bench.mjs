// Public share downloads through the full Dropline server (built, run as `pnpm start` runs it):
// - a 1 GiB file through GET /api/public/shares/<token>/files/<id>, and the same file as the
//   share's ZIP (GET .../zip), against node's http server piping fs.createReadStream of the same
//   bytes (bare-download-server.mjs); both child processes, read by a client here that counts and
//   drops the bytes. Target: each >= 0.9x bare.
// - the server's RSS through the ZIP of a share of 100 files of 10 MiB (a share holds at most 100
//   files; zip.bench.mjs streams 1,000 through the archive module alone). Target: flat, the last
//   quarter's peak no higher than the first quarter's give or take allocator noise.
//
// Runs alternate between the two and repeat; the best run counts, because on a shared two-core
// machine the slower runs measure the neighbours. CPU seconds per GiB is the steadier measure.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  GiB,
  MiB,
  benchDir,
  benchToken,
  createUpload,
  builtServer,
  cpuSeconds,
  dataFile,
  request,
  rssSampler,
  startChild,
  startBenchServer,
} from './common.mjs';

const SIZE = 1 * GiB;
const REPEATS = 3;
const TARGET = 0.9;
const MANY = 100;
const MANY_SIZE = 10 * MiB;

/** Reads a whole response, counting bytes; returns seconds, the server's CPU seconds and its RSS peaks by quarter of the download. */
function download(target, pathname, size = SIZE) {
  const cpuBefore = cpuSeconds(target.child.pid);
  const started = performance.now();
  let bytes = 0;
  const quarters = [0, 0, 0, 0];
  const stopSampling = rssSampler(target.child.pid, (rss) => {
    const quarter = Math.min(3, Math.floor((4 * bytes) / size));
    quarters[quarter] = Math.max(quarters[quarter], rss);
  });
  return new Promise((resolve, reject) => {
    http
      .get(new URL(pathname, target.url), (res) => {
        res.on('data', (chunk) => (bytes += chunk.length));
        res.on('end', () => {
          const peak = stopSampling();
          if (res.statusCode !== 200 || bytes < size) return reject(new Error(`${target.name}: ${res.statusCode}, ${bytes} bytes`));
          resolve({ bytes, seconds: (performance.now() - started) / 1000, cpu: cpuSeconds(target.child.pid) - cpuBefore, peak, quarters });
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** Uploads `body` (a path, streamed, or a Buffer) with one tus PATCH; returns the file id. */
async function upload(url, auth, name, size, body) {
  const tus = { 'Tus-Resumable': '1.0.0', ...auth };
  const location = await createUpload(url, tus, size, name);
  const data = typeof body === 'string' ? createReadStream(body) : body;
  const patched = await request(
    url,
    'PATCH',
    location,
    { ...tus, 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(size) },
    data,
  );
  if (patched.status !== 204) throw new Error(`upload failed: ${patched.status} ${patched.text}`);
  return location.split('/').pop();
}

/** Shares the files; returns the public path of the share. */
async function share(url, auth, fileIds) {
  const res = await request(url, 'POST', '/api/shares', { ...auth, 'content-type': 'application/json' }, JSON.stringify({ fileIds }));
  if (res.status !== 201) throw new Error(`share failed: ${res.status} ${res.text}`);
  return `/api/public/shares/${JSON.parse(res.text).url.split('/').pop()}`;
}

async function main() {
  if (!existsSync(builtServer)) throw new Error('server/dist/main.js is missing: run `pnpm bench` (it builds first).');
  const file = await dataFile(SIZE);
  const dir = await mkdtemp(path.join(tmpdir(), 'dropline-bench-share-'));
  const targets = [];
  const children = [];
  try {
    const full = await startBenchServer(dir, {
      // A hundred uploads and a dozen downloads from one address must not meet the API limit.
      RATE_LIMIT: '100000',
    });
    children.push(full.child);
    const auth = { Authorization: `Bearer ${await benchToken(full.url)}` };
    const id = await upload(full.url, auth, 'big.bin', SIZE, file);
    const link = await share(full.url, auth, [id]);
    targets.push({ name: 'share file', ...full, pathname: `${link}/files/${id}` });
    targets.push({ name: 'share ZIP', ...full, pathname: `${link}/zip` });
    const bare = await startChild([path.join(benchDir, 'bare-download-server.mjs'), file], {}, (line) =>
      line.startsWith('{') ? JSON.parse(line).url : null,
    );
    children.push(bare.child);
    targets.push({ name: 'bare', ...bare, pathname: '/' });

    // An untimed pass each, so every timed run reads from the page cache.
    for (const target of targets) await download(target, target.pathname);
    const runs = Object.fromEntries(targets.map((t) => [t.name, []]));
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      for (const target of repeat % 2 === 0 ? targets : [...targets].reverse()) {
        const run = await download(target, target.pathname);
        runs[target.name].push(run);
        process.stdout.write(
          `  1 GiB, ${target.name}: ${(SIZE / 1e6 / run.seconds).toFixed(0)} MB/s, ${run.cpu.toFixed(2)} CPU s, peak RSS ${(run.peak / 1e6).toFixed(0)} MB\n`,
        );
      }
    }

    // A share of the most files it may hold, 10 MiB each, as one ZIP: the server's memory through it.
    const block = randomBytes(MANY_SIZE);
    const ids = [];
    for (let i = 0; i < MANY; i++) {
      block.writeUInt32LE(i, 0);
      ids.push(await upload(full.url, auth, `file-${String(i).padStart(3, '0')}.bin`, MANY_SIZE, block));
    }
    const manyLink = await share(full.url, auth, ids);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const idle = rssSampler(full.child.pid)();
    const many = await download(targets[0], `${manyLink}/zip`, MANY * MANY_SIZE);

    const best = (list) => ({ mbps: Math.max(...list.map((r) => SIZE / 1e6 / r.seconds)), cpu: Math.min(...list.map((r) => r.cpu)) });
    const plain = best(runs.bare);
    console.log('\n  | 1 GiB public download | MB/s (best) | CPU s (least) | ratio to bare |');
    console.log('  |---|---|---|---|');
    for (const target of targets) {
      const b = best(runs[target.name]);
      console.log(
        `  | ${target.name === 'bare' ? 'fs.createReadStream → response' : target.name} | ${b.mbps.toFixed(0)} | ${b.cpu.toFixed(2)} | ${(b.mbps / plain.mbps).toFixed(2)} |`,
      );
    }
    for (const name of ['share file', 'share ZIP']) {
      const ratio = best(runs[name]).mbps / plain.mbps;
      console.log(`  ${name}: ${ratio.toFixed(2)}x (target >= ${TARGET}x): ${ratio >= TARGET ? 'met' : 'NOT met'}`);
    }
    const q = many.quarters.map((r) => `${(r / 1e6).toFixed(0)}`).join(' / ');
    console.log(
      `\n  ZIP of ${MANY} x ${MANY_SIZE / MiB} MiB (${(many.bytes / GiB).toFixed(2)} GiB): ${(many.bytes / 1e6 / many.seconds).toFixed(0)} MB/s; server RSS idle ${(idle / 1e6).toFixed(0)} MB, peak by quarter ${q} MB`,
    );
    const flat = many.quarters[3] <= many.quarters[0] + 10e6;
    console.log(`  memory flat (last quarter's peak within 10 MB of the first's): ${flat ? 'yes' : 'NO'}`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : null)));
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
