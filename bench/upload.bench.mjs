import { once } from 'node:events';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  GiB,
  MiB,
  benchDir,
  benchToken,
  builtServer,
  cpuSeconds,
  dataFile,
  request,
  root,
  rssSampler,
  startArguments,
  startChild,
  startBenchServer,
} from './common.mjs';

const CHUNK = 64 * MiB;
const SIZES = [1 * GiB, 4 * GiB];
const REPEATS = { [1 * GiB]: 3, [4 * GiB]: 3 };
const MODES = ['single PATCH', '64 MiB chunks'];
const RSS_TARGET = 150e6;

/** One upload with raw tus requests, the body streamed from disk; returns seconds, CPU seconds and peak RSS. */
async function upload(target, file, size, mode) {
  const tus = { 'Tus-Resumable': '1.0.0', ...target.auth };
  const stopSampling = rssSampler(target.child.pid);
  const cpuBefore = cpuSeconds(target.child.pid);
  const started = performance.now();
  const created = await request(target.url, 'POST', target.endpoint, {
    ...tus,
    'Upload-Length': String(size),
    'Upload-Metadata': `filename ${Buffer.from(path.basename(file)).toString('base64')}`,
  });
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${created.text}`);
  // Location is relative unless PUBLIC_URL is set.
  const location = new URL(created.headers.location, target.url).pathname;
  const step = mode === 'single PATCH' ? size : CHUNK;
  for (let offset = 0; offset < size; offset += step) {
    const length = Math.min(step, size - offset);
    const res = await request(
      target.url,
      'PATCH',
      location,
      { ...tus, 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(length) },
      createReadStream(file, { start: offset, end: offset + length - 1, highWaterMark: MiB }),
    );
    if (res.status !== 204) throw new Error(`PATCH at ${offset} failed: ${res.status} ${res.text}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(target.child.pid) - cpuBefore;
  const peakRss = stopSampling();
  // Disk: the uploaded bytes go right away (on the full server this deletes the file it became).
  const deleted = await request(target.url, 'DELETE', location, tus);
  if (deleted.status !== 204) throw new Error(`DELETE failed: ${deleted.status} ${deleted.text}`);
  globalThis.gc?.();
  return { seconds, cpu, peakRss };
}

async function main() {
  if (!existsSync(builtServer)) throw new Error('server/dist/main.js is missing: run `pnpm bench` (it builds first).');
  const files = {};
  for (const size of SIZES) files[size] = await dataFile(size);

  const fullDir = await mkdtemp(path.join(tmpdir(), 'dropline-bench-full-'));
  const bareDir = await mkdtemp(path.join(tmpdir(), 'dropline-bench-bare-'));
  const targets = [];
  try {
    const full = await startBenchServer(fullDir);
    targets.push({ name: 'full', ...full, endpoint: '/api/uploads/' });
    targets[0].auth = { Authorization: `Bearer ${await benchToken(full.url)}` };

    const bare = await startChild([path.join(benchDir, 'bare-tus-server.mjs'), bareDir], {}, (line) =>
      line.startsWith('{') ? JSON.parse(line).url : null,
    );
    targets.push({ name: 'bare', ...bare, endpoint: '/files', auth: {} });

    // Give both a moment to settle after start, then note what they hold before any upload.
    await new Promise((r) => setTimeout(r, 1000));
    const idle = Object.fromEntries(targets.map((t) => [t.name, rssSampler(t.child.pid)()]));

    const rows = [];
    let round = 0;
    for (const size of SIZES) {
      for (const mode of MODES) {
        const runs = { full: [], bare: [] };
        for (let repeat = 0; repeat < REPEATS[size]; repeat++) {
          // Alternate who goes first, so neither always meets a warmer page cache or a busier disk.
          for (const target of round++ % 2 === 0 ? targets : [...targets].reverse()) {
            const run = await upload(target, files[size], size, mode);
            runs[target.name].push(run);
            process.stdout.write(
              `  ${size / GiB} GiB, ${mode}, ${target.name}: ${(size / 1e6 / run.seconds).toFixed(0)} MB/s, ${run.cpu.toFixed(1)} CPU s\n`,
            );
          }
        }
        rows.push({ size, mode, full: summary(runs.full), bare: summary(runs.bare) });
      }
    }
    for (const dir of [fullDir, bareDir]) {
      const left = (await readdir(path.join(dir, dir === fullDir ? 'uploads' : ''))).filter(
        (f) => !f.startsWith('.') && !f.endsWith('.db') && !f.includes('.db-'),
      );
      if (left.length > 0) console.warn(`  note: ${dir} still holds ${left.join(', ')}`);
    }
    report(rows, idle);
  } finally {
    for (const { child } of targets) child.kill('SIGTERM');
    await Promise.all(targets.map(({ child }) => (child.exitCode === null ? once(child, 'exit') : null)));
    await rm(fullDir, { recursive: true, force: true });
    await rm(bareDir, { recursive: true, force: true });
  }
}

/** The best (fastest) run, the least CPU, and the highest RSS seen over the repeats. */
function summary(runs) {
  return {
    seconds: Math.min(...runs.map((r) => r.seconds)),
    cpu: Math.min(...runs.map((r) => r.cpu)),
    peakRss: Math.max(...runs.map((r) => r.peakRss)),
  };
}

function report(rows, idle) {
  const mbps = (size, run) => size / 1e6 / run.seconds;
  const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
  const table = rows.map(({ size, mode, full, bare }) => ({
    size: `${size / GiB} GiB`,
    mode,
    'full MB/s': mbps(size, full).toFixed(0),
    'bare MB/s': mbps(size, bare).toFixed(0),
    'full/bare': (mbps(size, full) / mbps(size, bare)).toFixed(2),
    'full CPU s/GiB': (full.cpu / (size / GiB)).toFixed(2),
    'bare CPU s/GiB': (bare.cpu / (size / GiB)).toFixed(2),
    'full peak RSS': mb(full.peakRss),
    'bare peak RSS': mb(bare.peakRss),
  }));
  console.log();
  console.table(table);
  const peak = Math.max(...rows.map((r) => r.full.peakRss));
  const growth = Math.max(
    ...MODES.map((mode) => {
      const [small, large] = SIZES.map((size) => rows.find((r) => r.size === size && r.mode === mode).full.peakRss);
      return large - small;
    }),
  );
  const ratio = Math.min(...rows.map((r) => mbps(r.size, r.full) / mbps(r.size, r.bare)));
  console.log(
    `full server started as: node ${startArguments()
      .map((a) => path.relative(root, a) || a)
      .join(' ')}`,
  );
  console.log(`idle RSS before uploading: full ${mb(idle.full)}, bare ${mb(idle.bare)}`);
  console.log(
    `full server: peak RSS ${mb(peak)} (target < ${mb(RSS_TARGET)}), 4 GiB vs 1 GiB: ${growth >= 0 ? '+' : ''}${mb(growth)}, lowest throughput ratio ${ratio.toFixed(2)} (target >= 1.00)`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
