// Public share download throughput: a 1 GiB file through GET /api/public/shares/<token>/files/<id>
// of the full Dropline server (built, run as `pnpm start` runs it) against node's http server
// piping fs.createReadStream of the same bytes (bare-download-server.mjs), both child processes,
// read by a client here that counts and drops the bytes. Target: full >= 0.9x bare.
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
import { GiB, benchDir, builtServer, cpuSeconds, dataFile, request, startArguments, startChild } from './common.mjs';

const SIZE = 1 * GiB;
const REPEATS = 3;
const TARGET = 0.9;

/** Reads a whole response, counting bytes; returns seconds and the server's CPU seconds. */
function download(target, pathname) {
  const cpuBefore = cpuSeconds(target.child.pid);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(new URL(pathname, target.url), (res) => {
        let bytes = 0;
        res.on('data', (chunk) => (bytes += chunk.length));
        res.on('end', () => {
          if (res.statusCode !== 200 || bytes !== SIZE) return reject(new Error(`${target.name}: ${res.statusCode}, ${bytes} bytes`));
          resolve({ seconds: (performance.now() - started) / 1000, cpu: cpuSeconds(target.child.pid) - cpuBefore });
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** Uploads the file with one streamed tus PATCH and shares it; returns the public download path. */
async function shareFile(url, auth, file) {
  const tus = { 'Tus-Resumable': '1.0.0', ...auth };
  const created = await request(url, 'POST', '/api/uploads/', { ...tus, 'Upload-Length': String(SIZE), 'Upload-Metadata': `filename ${Buffer.from('big.bin').toString('base64')}` });
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${created.text}`);
  const location = new URL(created.headers.location, url).pathname;
  const patched = await request(url, 'PATCH', location, { ...tus, 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(SIZE) }, createReadStream(file));
  if (patched.status !== 204) throw new Error(`upload failed: ${patched.status} ${patched.text}`);
  const id = location.split('/').pop();
  const share = await request(url, 'POST', '/api/shares', { ...auth, 'content-type': 'application/json' }, JSON.stringify({ fileIds: [id] }));
  if (share.status !== 201) throw new Error(`share failed: ${share.status} ${share.text}`);
  return `/api/public/shares/${JSON.parse(share.text).url.split('/').pop()}/files/${id}`;
}

async function main() {
  if (!existsSync(builtServer)) throw new Error('server/dist/main.js is missing: run `pnpm bench` (it builds first).');
  const file = await dataFile(SIZE);
  const dir = await mkdtemp(path.join(tmpdir(), 'dropline-bench-share-'));
  const targets = [];
  try {
    const full = await startChild(
      startArguments(),
      {
        NODE_ENV: 'production',
        JWT_SECRET: randomBytes(32).toString('base64url'),
        STORAGE_DIR: dir,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
        SEED_USERS: 'bench@example.com:bench-password:user',
        CLIENT_DIR: path.join(dir, 'no-client'),
        // Three downloads a run from one address must not meet the API limit.
        RATE_LIMIT: '100000',
      },
      (line) => (line.includes('Dropline is listening') ? JSON.parse(line).url : null),
    );
    targets.push({ name: 'share', ...full });
    const login = await request(full.url, 'POST', '/api/auth/login', { 'content-type': 'application/json' }, JSON.stringify({ email: 'bench@example.com', password: 'bench-password' }));
    const pathname = await shareFile(full.url, { Authorization: `Bearer ${JSON.parse(login.text).accessToken}` }, file);
    targets[0].pathname = pathname;
    const bare = await startChild([path.join(benchDir, 'bare-download-server.mjs'), file], {}, (line) => (line.startsWith('{') ? JSON.parse(line).url : null));
    targets.push({ name: 'bare', ...bare, pathname: '/' });

    const runs = { share: [], bare: [] };
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      for (const target of repeat % 2 === 0 ? targets : [...targets].reverse()) {
        const run = await download(target, target.pathname);
        runs[target.name].push(run);
        process.stdout.write(`  1 GiB download, ${target.name}: ${(SIZE / 1e6 / run.seconds).toFixed(0)} MB/s, ${run.cpu.toFixed(2)} CPU s\n`);
      }
    }
    const best = (list) => ({ mbps: Math.max(...list.map((r) => SIZE / 1e6 / r.seconds)), cpu: Math.min(...list.map((r) => r.cpu)) });
    const share = best(runs.share);
    const plain = best(runs.bare);
    const ratio = share.mbps / plain.mbps;
    console.log('\n  | 1 GiB public download | MB/s (best) | CPU s (least) |');
    console.log('  |---|---|---|');
    console.log(`  | share link (full server) | ${share.mbps.toFixed(0)} | ${share.cpu.toFixed(2)} |`);
    console.log(`  | fs.createReadStream → response | ${plain.mbps.toFixed(0)} | ${plain.cpu.toFixed(2)} |`);
    console.log(`\n  ratio ${ratio.toFixed(2)}x (target >= ${TARGET}x): ${ratio >= TARGET ? 'met' : 'NOT met'}`);
  } finally {
    for (const { child } of targets) child.kill('SIGTERM');
    await Promise.all(targets.map(({ child }) => (child.exitCode === null ? once(child, 'exit') : null)));
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
