// Storage backends: upload and download throughput and peak RSS of the built server on STORAGE=s3
// against the same server on STORAGE=fs, and against a raw @aws-sdk/lib-storage Upload (and a raw
// GetObject) of the same file to the same gateway, all in the same run. The gateway is a throw-away
// Ceph RADOS Gateway started by scripts/s3-gateway.sh (BENCH_S3_ENDPOINT with BENCH_S3_ACCESS_KEY_ID
// and BENCH_S3_SECRET_ACCESS_KEY use a running one instead). Uploads are raw tus requests in 64 MiB
// PATCHes streamed from disk; downloads stream GET /api/files/:id/content and throw the bytes away.
// Every process's peak RSS is sampled from /proc; the raw SDK runs in a child process of its own.
// Size: BENCH_STORAGE_SIZE (default 1GiB); the best of BENCH_STORAGE_REPEATS (default 2) runs counts.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  GiB,
  MiB,
  benchToken,
  builtServer,
  createUpload,
  dataFile,
  request,
  root,
  rssSampler,
  serverDir,
  startBenchServer,
  drain,
} from './common.mjs';

const CHUNK = 64 * MiB;
const PART = 8 * MiB;
const SIZE = Number(process.env.BENCH_STORAGE_SIZE ?? GiB);
const REPEATS = Number(process.env.BENCH_STORAGE_REPEATS ?? 2);
const BUCKET = 'dropline-bench';
const run = promisify(execFile);
// The SDK is the server's dependency: resolve it from there.
const serverRequire = createRequire(path.join(serverDir, 'package.json'));

/** Child mode: one raw SDK upload or download of `file`, printing {seconds}. Its RSS is sampled by the parent. */
async function rawChild(mode, file, env) {
  const { S3Client, GetObjectCommand } = serverRequire('@aws-sdk/client-s3');
  const { Upload } = serverRequire('@aws-sdk/lib-storage');
  const client = new S3Client({
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const started = performance.now();
  if (mode === 'upload') {
    // As the server's store does: parts of 8 MiB, a few in flight.
    await new Upload({
      client,
      params: { Bucket: BUCKET, Key: 'raw', Body: createReadStream(file, { highWaterMark: MiB }) },
      partSize: PART,
      queueSize: 4,
    }).done();
  } else {
    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'raw' }));
    for await (const _ of object.Body);
  }
  console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000 }));
}

async function gateway() {
  if (process.env.BENCH_S3_ENDPOINT) {
    return {
      env: {
        S3_ENDPOINT: process.env.BENCH_S3_ENDPOINT,
        S3_REGION: 'us-east-1',
        S3_ACCESS_KEY_ID: process.env.BENCH_S3_ACCESS_KEY_ID,
        S3_SECRET_ACCESS_KEY: process.env.BENCH_S3_SECRET_ACCESS_KEY,
        S3_FORCE_PATH_STYLE: 'true',
      },
      stop: async () => {},
    };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'dropline-bench-s3-'));
  const script = path.join(root, 'scripts', 's3-gateway.sh');
  await run(script, ['start', dir], { timeout: 300_000 });
  const env = Object.fromEntries(
    readFileSync(path.join(dir, 's3.env'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { env, stop: () => run(script, ['stop', dir]).catch(() => {}) };
}

async function startServer(name, env) {
  const dir = await mkdtemp(path.join(tmpdir(), `dropline-bench-${name}-`));
  const { child, url } = await startBenchServer(dir, {
    ...env,
  });
  return { name, child, url, dir, auth: { Authorization: `Bearer ${await benchToken(url)}` } };
}

/** Uploads with tus in 64 MiB PATCHes, then downloads the file; seconds and peak RSS of each. */
async function throughServer(target, file) {
  const tus = { 'Tus-Resumable': '1.0.0', ...target.auth };
  let stop = rssSampler(target.child.pid);
  let started = performance.now();
  const location = await createUpload(target.url, tus, SIZE);
  for (let offset = 0; offset < SIZE; offset += CHUNK) {
    const length = Math.min(CHUNK, SIZE - offset);
    const body = createReadStream(file, { start: offset, end: offset + length - 1, highWaterMark: MiB });
    const res = await request(
      target.url,
      'PATCH',
      location,
      { ...tus, 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(length) },
      body,
    );
    if (res.status !== 204) throw new Error(`PATCH at ${offset} failed: ${res.status} ${res.text}`);
  }
  const up = { seconds: (performance.now() - started) / 1000, rss: stop() };
  const id = location.split('/').pop();
  stop = rssSampler(target.child.pid);
  started = performance.now();
  const bytes = await drain(target.url, `/api/files/${id}/content`, target.auth);
  if (bytes !== SIZE) throw new Error(`downloaded ${bytes} of ${SIZE} bytes`);
  const down = { seconds: (performance.now() - started) / 1000, rss: stop() };
  const deleted = await request(target.url, 'DELETE', `/api/files/${id}`, target.auth);
  if (deleted.status !== 204) throw new Error(`DELETE failed: ${deleted.status}`);
  return { up, down };
}

/** The raw SDK in a child process, its RSS sampled like the servers'. */
async function rawSdk(mode, file, env) {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, mode, file], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = rssSampler(child.pid);
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  const [code] = await once(child, 'exit');
  const rss = stop();
  if (code !== 0) throw new Error(`raw ${mode} exited with ${code}`);
  return { seconds: JSON.parse(out.trim().split('\n').pop()).seconds, rss };
}

async function main() {
  if (!existsSync(builtServer)) throw new Error('server/dist/main.js is missing: run `pnpm bench` (it builds first).');
  const file = await dataFile(SIZE);
  const s3 = await gateway();
  const targets = [];
  try {
    const { S3Client, CreateBucketCommand } = serverRequire('@aws-sdk/client-s3');
    const admin = new S3Client({
      endpoint: s3.env.S3_ENDPOINT,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: s3.env.S3_ACCESS_KEY_ID, secretAccessKey: s3.env.S3_SECRET_ACCESS_KEY },
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    await admin.send(new CreateBucketCommand({ Bucket: BUCKET })).catch((err) => {
      if (err.name !== 'BucketAlreadyOwnedByYou') throw err;
    });
    admin.destroy();
    targets.push(await startServer('fs', {}));
    targets.push(await startServer('s3', { ...s3.env, STORAGE: 's3', S3_BUCKET: BUCKET }));
    const results = { fs: [], s3: [], raw: [] };
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      for (const target of targets) {
        const r = await throughServer(target, file);
        results[target.name].push(r);
        console.log(
          `  ${target.name}: upload ${(SIZE / 1e6 / r.up.seconds).toFixed(0)} MB/s, download ${(SIZE / 1e6 / r.down.seconds).toFixed(0)} MB/s`,
        );
      }
      const raw = { up: await rawSdk('upload', file, s3.env), down: await rawSdk('download', file, s3.env) };
      results.raw.push(raw);
      console.log(`  raw SDK: upload ${(SIZE / 1e6 / raw.up.seconds).toFixed(0)} MB/s, download ${(SIZE / 1e6 / raw.down.seconds).toFixed(0)} MB/s`);
    }
    report(results);
  } finally {
    for (const { child } of targets) child.kill('SIGTERM');
    await Promise.all(targets.map(({ child }) => (child.exitCode === null ? once(child, 'exit') : null)));
    for (const { dir } of targets) await rm(dir, { recursive: true, force: true });
    await s3.stop();
  }
}

function report(results) {
  const best = (runs, leg) => ({ seconds: Math.min(...runs.map((r) => r[leg].seconds)), rss: Math.max(...runs.map((r) => r[leg].rss)) });
  const mbps = (r) => SIZE / 1e6 / r.seconds;
  const rows = [];
  for (const leg of ['up', 'down']) {
    const [fs, s3, raw] = ['fs', 's3', 'raw'].map((name) => best(results[name], leg));
    rows.push({
      leg: leg === 'up' ? 'upload' : 'download',
      'fs MB/s': mbps(fs).toFixed(0),
      's3 MB/s': mbps(s3).toFixed(0),
      'raw SDK MB/s': mbps(raw).toFixed(0),
      's3/fs': (mbps(s3) / mbps(fs)).toFixed(2),
      's3/raw': (mbps(s3) / mbps(raw)).toFixed(2),
      'fs peak RSS': `${(fs.rss / 1e6).toFixed(0)} MB`,
      's3 peak RSS': `${(s3.rss / 1e6).toFixed(0)} MB`,
      'raw peak RSS': `${(raw.rss / 1e6).toFixed(0)} MB`,
    });
  }
  console.log(`\n${SIZE / GiB} GiB file, best of ${REPEATS} (servers: 64 MiB tus PATCHes; raw: lib-storage Upload, 8 MiB parts, 4 in flight)`);
  console.table(rows);
}

const [mode, file] = process.argv.slice(2);
if (mode === 'upload' || mode === 'download') {
  rawChild(mode, file, process.env).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
