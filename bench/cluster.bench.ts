// Cluster throughput: 16 concurrent 256 MiB tus uploads (32 MiB chunks, as a tus client sends them)
// through nginx (the repository's nginx.conf, round-robin) to 1, 2 and 3 nodes of the built server
// on PostgreSQL, Redis and one STORAGE_DIR - and, for nginx's cost, the same straight to one node.
// Meanwhile one client reads the file list in a loop through the same entry point: its latency
// percentiles show what the API feels like under that load. No worker runs, so processing does not
// compete for the CPU. On a two-core machine more nodes cannot add CPU: the point is that
// throughput does not fall as nodes are added and that nginx costs little.
//
// Run with tsx (bench/run.mjs does) from server/: it reuses the test suite's process helpers.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterNodeEnv, freePort, startChildServer, type ChildServer } from '../server/test/helpers/childServer.js';
import { NGINX, startNginx } from '../server/test/helpers/nginx.js';
import { REDIS_URL, createPostgresDatabase, deleteRedisKeys } from '../server/test/helpers/services.js';
import { Api } from '../server/test/helpers/testServer.js';

const MiB = 2 ** 20;
const UPLOADS = 16;
const SIZE = 256 * MiB;
const CHUNK = 32 * MiB;
const benchDir = path.dirname(fileURLToPath(import.meta.url));
const dataDir = path.join(benchDir, '.data');

/** 256 MiB made by repeating one random 64 MiB block; made once, then reused (and in the page cache). */
async function dataFile(): Promise<string> {
  const file = path.join(dataDir, '256MiB.bin');
  if (existsSync(file) && statSync(file).size === SIZE) return file;
  await mkdir(dataDir, { recursive: true });
  const block = randomBytes(64 * MiB);
  const out = createWriteStream(file);
  for (let written = 0; written < SIZE; written += block.length) if (!out.write(block)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  return file;
}

function request(
  base: string,
  method: string,
  pathname: string,
  headers: Record<string, string>,
  body?: NodeJS.ReadableStream,
): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(pathname, base), { method, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location }));
    });
    req.on('error', reject);
    if (body) body.pipe(req);
    else req.end();
  });
}

/** One upload: created, then sent in CHUNK-sized PATCHes streamed from disk. */
async function upload(base: string, token: string, file: string): Promise<string> {
  const tus = { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${token}` };
  const created = await request(base, 'POST', '/api/uploads/', {
    ...tus,
    'Upload-Length': String(SIZE),
    'Upload-Metadata': `filename ${Buffer.from('bench.bin').toString('base64')}`,
  });
  if (created.status !== 201) throw new Error(`create failed: ${created.status}`);
  const location = new URL(created.location!, base).pathname;
  for (let offset = 0; offset < SIZE; offset += CHUNK) {
    const length = Math.min(CHUNK, SIZE - offset);
    const headers = { ...tus, 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(length) };
    const res = await request(
      base,
      'PATCH',
      location,
      headers,
      createReadStream(file, { start: offset, end: offset + length - 1, highWaterMark: MiB }),
    );
    if (res.status !== 204) throw new Error(`PATCH at ${offset} failed: ${res.status}`);
  }
  return location;
}

/** Reads the file list in a loop until stopped; returns each read's latency in ms. */
function apiReader(base: string, token: string): () => Promise<number[]> {
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const res = await fetch(`${base}/api/files?limit=20`, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`API read failed: ${res.status}`);
      latencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return async () => {
    running = false;
    await loop;
    return latencies;
  };
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? NaN;
/** CPU seconds (user + system) a process has used so far: utime and stime in /proc/<pid>/stat. */
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

async function main(): Promise<void> {
  if (!NGINX) throw new Error('nginx is needed for this benchmark');
  if (!existsSync(path.join(benchDir, '../server/dist/main.js'))) throw new Error('server/dist is missing: run `pnpm bench` (it builds first).');
  const file = await dataFile();
  const work = await mkdtemp(path.join(tmpdir(), 'dropline-bench-cluster-'));
  const database = await createPostgresDatabase();
  const env = clusterNodeEnv({ databaseUrl: database.url, storageDir: work, redisPrefix: `dropline-bench-${process.pid}` });
  const nodes: ChildServer[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      nodes.push(await startChildServer({ ...env, PORT: String(port) }, 'dist/main.js'));
    }
    const token = (await new Api(nodes[0]!.url).newUser('bench')).token;
    const rows = [];
    const configurations: Array<[string, number, boolean]> = [
      ['straight to 1 node', 1, false],
      ['nginx → 1 node', 1, true],
      ['nginx → 2 nodes', 2, true],
      ['nginx → 3 nodes', 3, true],
    ];
    for (const [name, count, proxied] of configurations) {
      const members = nodes.slice(0, count);
      const nginx = proxied ? await startNginx(members.map((n) => new URL(n.url).host)) : undefined;
      const base = nginx?.url ?? members[0]!.url;
      try {
        const cpuBefore = nodes.map((n) => cpuSeconds(n.process.pid!));
        const stopReading = apiReader(base, token);
        const started = performance.now();
        const locations = await Promise.all(Array.from({ length: UPLOADS }, () => upload(base, token, file)));
        const seconds = (performance.now() - started) / 1000;
        const latencies = await stopReading();
        const cpu = nodes.reduce((sum, n, i) => sum + cpuSeconds(n.process.pid!) - cpuBefore[i]!, 0);
        for (const location of locations) await request(base, 'DELETE', location, { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${token}` });
        const row = {
          target: name,
          'aggregate MB/s': ((UPLOADS * SIZE) / 1e6 / seconds).toFixed(0),
          'nodes CPU s': cpu.toFixed(1),
          'API reads': latencies.length,
          'API p50 ms': percentile(latencies, 50).toFixed(0),
          'API p99 ms': percentile(latencies, 99).toFixed(0),
        };
        rows.push(row);
        console.log(`  ${name}: ${row['aggregate MB/s']} MB/s, API p99 ${row['API p99 ms']} ms`);
      } finally {
        await nginx?.stop();
      }
    }
    console.log(`\n${UPLOADS} concurrent uploads of ${SIZE / MiB} MiB in ${CHUNK / MiB} MiB chunks, per target:`);
    console.table(rows);
  } finally {
    for (const node of nodes) node.process.kill('SIGTERM');
    await Promise.all(nodes.map((n) => n.exited));
    await database.drop();
    await deleteRedisKeys(REDIS_URL, env.REDIS_PREFIX!);
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
