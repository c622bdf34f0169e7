// What encryption at rest costs: the full server (built, as `pnpm start` runs it) twice in the same
// run, once without and once with ENCRYPTION_KEY, each uploading a 1 GiB file with one tus PATCH
// and downloading it whole (GET /api/files/:id/content). The measure is the server's CPU seconds
// per GiB for upload plus download, read from /proc; the target is under +25% with encryption.
// Processing is off (RUN_WORKERS=false) on both, so only the bytes' way in and out is measured.
// Runs alternate between the two servers and repeat; the least and the median CPU of each are
// compared, and the two of each repeat with each other, because on a shared two-core machine a run
// also measures the neighbours.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GiB, MiB, benchToken, builtServer, createUpload, cpuSeconds, dataFile, request, startBenchServer, drain } from './common.mjs';

// A smaller or shorter run for a busy machine: BENCH_ENCRYPTION_SIZE (bytes), BENCH_ENCRYPTION_REPEATS.
const SIZE = Number(process.env.BENCH_ENCRYPTION_SIZE ?? GiB);
const REPEATS = Number(process.env.BENCH_ENCRYPTION_REPEATS ?? 3);
const TARGET = 1.25;

async function startServer(name, extraEnv) {
  const dir = await mkdtemp(path.join(tmpdir(), `dropline-bench-${name}-`));
  const server = await startBenchServer(dir, {
    RUN_WORKERS: 'false',
    // A loaded machine can take longer than the default 15 minutes over the repeats.
    ACCESS_TOKEN_TTL: '24h',
    ...extraEnv,
  });
  return { name, dir, ...server, auth: { Authorization: `Bearer ${await benchToken(server.url)}` } };
}

/** One upload (a single PATCH streamed from disk) and one whole download; CPU seconds of the server for each. */
async function roundTrip(target, file) {
  const tus = { 'Tus-Resumable': '1.0.0', ...target.auth };
  const before = cpuSeconds(target.child.pid);
  const location = await createUpload(target.url, tus, SIZE);
  const id = location.split('/').pop();
  const patched = await request(
    target.url,
    'PATCH',
    location,
    { ...tus, 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(SIZE) },
    createReadStream(file, { highWaterMark: MiB }),
  );
  if (patched.status !== 204) throw new Error(`PATCH failed: ${patched.status} ${patched.text}`);
  const uploaded = cpuSeconds(target.child.pid);
  const bytes = await drain(target.url, `/api/files/${id}/content`, target.auth);
  if (bytes !== SIZE) throw new Error(`download gave ${bytes} bytes of ${SIZE}`);
  const downloaded = cpuSeconds(target.child.pid);
  const deleted = await request(target.url, 'DELETE', `/api/files/${id}`, target.auth);
  if (deleted.status !== 204) throw new Error(`DELETE failed: ${deleted.status} ${deleted.text}`);
  return { upload: uploaded - before, download: downloaded - uploaded };
}

async function main() {
  if (!existsSync(builtServer)) throw new Error('server/dist/main.js is missing: run `pnpm bench` (it builds first).');
  const file = await dataFile(SIZE);
  const targets = [];
  try {
    targets.push(await startServer('plain', {}));
    targets.push(await startServer('encrypted', { ENCRYPTION_KEY: randomBytes(32).toString('base64') }));
    await new Promise((r) => setTimeout(r, 1000));
    const runs = { plain: [], encrypted: [] };
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      for (const target of repeat % 2 === 0 ? targets : [...targets].reverse()) {
        const run = await roundTrip(target, file);
        runs[target.name].push(run);
        process.stdout.write(`  ${target.name}: upload ${run.upload.toFixed(2)} CPU s, download ${run.download.toFixed(2)} CPU s\n`);
      }
    }
    const perGiB = (name, part) => runs[name].map((r) => (part ? r[part] : r.upload + r.download) / (SIZE / GiB)).sort((a, b) => a - b);
    const least = (name, part) => perGiB(name, part)[0];
    const median = (name, part) => {
      const all = perGiB(name, part);
      const mid = Math.floor(all.length / 2);
      return all.length % 2 ? all[mid] : (all[mid - 1] + all[mid]) / 2;
    };
    const rows = ['upload', 'download', null].map((part) => ({
      'CPU s/GiB': part ?? 'upload + download',
      'plain (least)': least('plain', part).toFixed(2),
      'encrypted (least)': least('encrypted', part).toFixed(2),
      ratio: (least('encrypted', part) / least('plain', part)).toFixed(2),
      'plain (median)': median('plain', part).toFixed(2),
      'encrypted (median)': median('encrypted', part).toFixed(2),
      'ratio ': (median('encrypted', part) / median('plain', part)).toFixed(2),
    }));
    console.log();
    console.table(rows);
    // Both figures: on a shared machine one lucky or unlucky run moves the least, a few move the median.
    const percent = (ratio) => `${((ratio - 1) * 100).toFixed(0)}%`;
    console.log(
      `encryption at rest costs ${percent(least('encrypted', null) / least('plain', null))} (least of each) / ${percent(median('encrypted', null) / median('plain', null))} (median of each) more CPU per GiB for upload + download (target under +${((TARGET - 1) * 100).toFixed(0)}%)`,
    );
    // Each repeat ran the two back to back, so they shared the neighbours' load of that moment: the
    // ratio within a repeat is the steadier figure when the load comes and goes.
    const total = (run) => run.upload + run.download;
    const paired = runs.plain.map((plain, i) => total(runs.encrypted[i]) / total(plain)).sort((a, b) => a - b);
    const mid = Math.floor(paired.length / 2);
    const pairedMedian = paired.length % 2 ? paired[mid] : (paired[mid - 1] + paired[mid]) / 2;
    console.log(`within each repeat: ${paired.map(percent).join(', ')}; median ${percent(pairedMedian)}`);
  } finally {
    for (const { child } of targets) child.kill('SIGTERM');
    await Promise.all(targets.map(({ child }) => (child.exitCode === null ? once(child, 'exit') : null)));
    for (const { dir } of targets) await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
