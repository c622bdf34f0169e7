import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { io as connectSocket, type Socket } from 'socket.io-client';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterNodeEnv, freePort, startChildServer, type ChildServer } from '../helpers/childServer.js';
import { type AccessLogEntry, NGINX, startNginx, type RunningNginx } from '../helpers/nginx.js';
import { REDIS_URL, createPostgresDatabase, deleteRedisKeys, postgresAvailable, redisAvailable } from '../helpers/services.js';
import { collect, openSocket } from '../helpers/sockets.js';
import { Api } from '../helpers/testServer.js';
import { TUS_RESUMABLE, createUpload, uploadFile } from '../helpers/tus.js';
import { throttledFileReader } from '../helpers/tusClient.js';

/**
 * Dropline as a cluster of real processes: three nodes (the built server, `node dist/main.js`) and
 * two workers (`node dist/worker.js`) on one PostgreSQL database, one Redis key space and one
 * STORAGE_DIR, behind the repository's nginx.conf (round-robin, no stickiness for the API) - then
 * nodes and workers are killed and restarted under load.
 */

const MiB = 1024 * 1024;
const SERVER_DIR = fileURLToPath(new URL('../..', import.meta.url));
/** RedisLocker's lease: how long a dead node's lock on an upload can outlive it. */
const LOCK_LEASE_MS = 30_000;

if (!existsSync(path.join(SERVER_DIR, 'dist/main.js'))) {
  throw new Error('The cluster suite runs the built server: use `pnpm test:cluster`, which builds it first.');
}
const servicesUp = (await redisAvailable()) && (await postgresAvailable());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Member {
  name: string;
  port: number;
  child: ChildServer;
}

/** A file of random bytes on disk, made in blocks (never whole in memory), with its sha256. */
async function randomFile(file: string, size: number): Promise<{ path: string; size: number; sha256: string }> {
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  for (let written = 0; written < size; ) {
    const block = randomBytes(Math.min(4 * MiB, size - written));
    hash.update(block);
    written += block.length;
    if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { path: file, size, sha256: hash.digest('hex') };
}

/** Bytes a process has read (sockets included), from /proc: tells which node is receiving a PATCH. */
const bytesRead = (pid: number) => Number(/rchar: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);

/** The JSON log lines of a process's output. */
function logLines(output: string): Array<Record<string, any>> {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, any>);
}

describe.skipIf(!servicesUp || !NGINX)('a cluster of three nodes and two workers behind nginx', () => {
  let work: string;
  let dropDatabase: () => Promise<void>;
  let env: Record<string, string>;
  const nodes: Member[] = [];
  const workers: Member[] = [];
  /** Output of every process that has ended, for the final look at the logs. */
  const retired: string[] = [];
  const retiredWorkers: string[] = [];
  let nginx: RunningNginx;
  let api: Api;
  let token: string;
  let adminToken: string;
  let big: { path: string; size: number; sha256: string };

  const startNode = async (name: string, port: number, extra: Record<string, string> = {}): Promise<Member> => ({
    name,
    port,
    child: await startChildServer({ ...env, PORT: String(port), ...extra }, 'dist/main.js'),
  });
  const startWorker = async (name: string): Promise<Member> => ({
    name,
    port: 0,
    child: await startChildServer({ ...env, WORKER_CONCURRENCY: '1', JOB_LEASE: '2s' }, 'dist/worker.js', 'Dropline worker is running'),
  });
  /** Stops a member (SIGTERM: drained; SIGKILL: dead on the spot) and returns its exit code. */
  const stop = async (member: Member, signal: NodeJS.Signals): Promise<number | null> => {
    member.child.process.kill(signal);
    const code = await member.child.exited;
    retired.push(member.child.output());
    if (workers.includes(member)) retiredWorkers.push(member.child.output());
    return code;
  };
  const restartNode = async (i: number, signal: NodeJS.Signals, extra: Record<string, string> = {}): Promise<number | null> => {
    const code = await stop(nodes[i]!, signal);
    nodes[i] = await startNode(nodes[i]!.name, nodes[i]!.port, extra);
    return code;
  };
  const address = (member: Member) => `127.0.0.1:${member.port}`;
  const running = (m: Member) => m.child.process.exitCode === null && m.child.process.signalCode === null;
  /** Log lines of every worker process so far, ended ones included. */
  const workerLines = () => [...retiredWorkers, ...workers.filter(running).map((w) => w.child.output())].flatMap(logLines);

  /** tus-js-client through nginx with retries, as a browser would upload. */
  const upload = (
    source: string,
    options: { chunkSize?: number; bytesPerSecond?: number; onProgress?: (sent: number) => void; filename?: string } = {},
  ) =>
    new Promise<string>((resolve, reject) => {
      // tus-js-client's types name browser inputs only; in Node it reads a fs.ReadStream (our throttled reader, a path).
      const input = (options.bytesPerSecond ? source : createReadStream(source)) as unknown as tus.Upload['file'];
      const client: tus.Upload = new tus.Upload(input, {
        endpoint: `${nginx.url}/api/uploads/`,
        chunkSize: options.chunkSize ?? Infinity,
        metadata: { filename: options.filename ?? path.basename(source) },
        headers: { Authorization: `Bearer ${token}` },
        retryDelays: [0, 250, 500, 1000, 2000, 3000, 5000, 5000, 5000, 5000, 5000, 5000],
        ...(options.bytesPerSecond ? { fileReader: throttledFileReader(options.bytesPerSecond) } : {}),
        onProgress: (sent) => options.onProgress?.(sent),
        onError: reject,
        onSuccess: () => resolve(client.url!.split('/').pop()!),
      });
      client.start();
    });
  const fileOf = async (id: string) => (await api.get(`/api/files/${id}`, token)).body;
  const contentSha256 = async (id: string) => {
    const res = await fetch(`${nginx.url}/api/files/${id}/content`, { headers: { authorization: `Bearer ${token}` } });
    const hash = createHash('sha256');
    for await (const chunk of res.body!) hash.update(chunk);
    return hash.digest('hex');
  };

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'dropline-cluster-'));
    const database = await createPostgresDatabase();
    dropDatabase = database.drop;
    env = {
      ...clusterNodeEnv({ databaseUrl: database.url, storageDir: path.join(work, 'storage'), redisPrefix: `dropline-cluster-${process.pid}` }),
      SEED_USERS: 'admin@example.com:cluster-admin-1:admin',
      SHUTDOWN_TIMEOUT: '10s',
    };
    await mkdir(env.STORAGE_DIR!, { recursive: true });
    const ports = [await freePort(), await freePort(), await freePort()];
    // All at once, as `docker-compose up` starts them: migrations and seeding must not collide.
    nodes.push(...(await Promise.all(['A', 'B', 'C'].map((name, i) => startNode(name, ports[i]!)))));
    workers.push(...(await Promise.all(['W1', 'W2'].map(startWorker))));
    nginx = await startNginx(nodes.map(address));
    api = new Api(nginx.url);
    token = (await api.newUser('cluster')).token;
    adminToken = await api.login('admin@example.com', 'cluster-admin-1');
    big = await randomFile(path.join(work, 'big.bin'), 512 * MiB);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...nodes, ...workers].map((m) => m.child.process.exitCode === null && stop(m, 'SIGTERM')));
    await nginx?.stop();
    await dropDatabase?.();
    if (env?.REDIS_PREFIX) await deleteRedisKeys(REDIS_URL, env.REDIS_PREFIX);
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  it('takes a 512 MiB upload whose chunks alternate across all three nodes, byte-exact', async () => {
    const id = await upload(big.path, { chunkSize: 32 * MiB });
    const patchesOf = (log: AccessLogEntry[]) => log.filter((e) => e.method === 'PATCH' && e.uri === `/api/uploads/${id}`);
    const patches = patchesOf(await nginx.accessLog((log) => patchesOf(log).length >= 16));
    expect(patches.map((e) => e.status)).toEqual(Array(16).fill(204));
    // Round-robin: each chunk went to the node after the previous one's.
    for (let i = 1; i < patches.length; i++) expect(patches[i]!.upstreams).not.toEqual(patches[i - 1]!.upstreams);
    expect(new Set(patches.flatMap((e) => e.upstreams))).toEqual(new Set(nodes.map(address)));
    expect(await fileOf(id)).toMatchObject({ size: big.size });
    expect(await contentSha256(id)).toBe(big.sha256);
    await expect.poll(async () => (await fileOf(id)).sha256, { timeout: 60_000, interval: 500 }).toBe(big.sha256);
  }, 240_000);

  it('tells a socket on node C about an upload finished on node A and processed by a worker', async () => {
    const [a, , c] = nodes;
    const onA = new Api(`http://${address(a!)}`);
    const socket = await openSocket(`http://${address(c!)}`, token);
    try {
      const created = collect(socket, 'file:created');
      const updated = collect(socket, 'file:updated');
      const id = await uploadFile(onA, token, Buffer.from('made on A, heard on C\n'), { filename: 'a-to-c.txt' });
      await expect.poll(() => created.map((f) => f.id), { timeout: 15_000 }).toEqual([id]);
      await expect.poll(() => updated.filter((f) => f.id === id).map((f) => f.status), { timeout: 30_000 }).toEqual(['processing', 'processed']);
      // Processed by one of the worker processes (the nodes run none).
      expect(workerLines().filter((l) => l.msg === 'job started' && l.fileId === id)).toHaveLength(1);
    } finally {
      socket.close();
    }
  }, 60_000);

  it('runs each job once with two workers, and the other worker recovers a job whose worker is killed mid-job', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await uploadFile(api, token, Buffer.from(`small file ${i}\n`), { filename: `small-${i}.txt` }));
    for (const id of ids) await expect.poll(async () => (await fileOf(id)).status, { timeout: 30_000, interval: 200 }).toBe('processed');
    for (const id of ids) expect(workerLines().filter((l) => l.msg === 'job started' && l.fileId === id)).toHaveLength(1);

    // A large image keeps a worker decoding long enough to be caught mid-job.
    const image = await sharp({ create: { width: 9000, height: 9000, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    const id = await uploadFile(api, token, image, { filename: 'huge.png' });
    let busy = -1;
    await expect
      .poll(() => (busy = workers.findIndex((w) => logLines(w.child.output()).some((l) => l.msg === 'job started' && l.fileId === id))), {
        timeout: 30_000,
        interval: 20,
      })
      .toBeGreaterThanOrEqual(0);
    await stop(workers[busy]!, 'SIGKILL');
    const survivor = workers[1 - busy]!;
    await expect.poll(async () => (await fileOf(id)).status, { timeout: 60_000, interval: 200 }).toBe('processed');
    expect(await fileOf(id)).toMatchObject({ extracted: { kind: 'image', width: 9000, height: 9000 } });
    const runs = workerLines().filter((l) => l.msg === 'job started' && l.fileId === id);
    expect(runs).toHaveLength(2);
    expect(logLines(survivor.child.output()).filter((l) => l.msg === 'job started' && l.fileId === id)).toHaveLength(1);
    const jobs = (await api.get('/api/jobs', adminToken)).body.items.filter((j: { fileId: string }) => j.fileId === id);
    // The killed run was not the job's fault: the job completed once, on its first counted attempt.
    expect(jobs).toEqual([expect.objectContaining({ state: 'completed', attempts: 1 })]);
    workers[busy] = await startWorker(`W${busy + 1}`);
  }, 180_000);

  it('resumes through another node when a node is SIGKILLed in the middle of a PATCH, blocked no longer than the lock lease', async () => {
    const file = await randomFile(path.join(work, 'killed.bin'), 64 * MiB);
    let progress = 0;
    const afterKill: number[] = [];
    let killedAt = 0;
    const done = upload(file.path, {
      bytesPerSecond: 8 * MiB,
      onProgress: (sent) => {
        progress = sent;
        if (killedAt) afterKill.push(sent);
      },
    });
    await expect.poll(() => progress, { timeout: 30_000, interval: 50 }).toBeGreaterThan(16 * MiB);
    // The one PATCH in flight is on the node reading far more bytes than the others (which read a
    // little: Redis, Socket.IO); on a busy machine that may take a few looks.
    let victim = -1;
    for (let look = 0; victim < 0 && look < 20; look++) {
      const before = nodes.map((n) => bytesRead(n.child.process.pid!));
      await sleep(500);
      const deltas = nodes.map((n, i) => bytesRead(n.child.process.pid!) - before[i]!);
      const [most, next] = [...deltas].sort((a, b) => b - a);
      if (most! > 64 * 1024 && most! > 4 * next!) victim = deltas.indexOf(most!);
    }
    expect(victim).toBeGreaterThanOrEqual(0);
    const victimAddress = address(nodes[victim]!);
    killedAt = Date.now();
    await restartNode(victim, 'SIGKILL');
    const id = await done;
    // The kill did cut that PATCH: nginx answered it with an error from the dead node.
    const cut = (await nginx.accessLog()).filter((e) => e.method === 'PATCH' && e.uri === `/api/uploads/${id}` && e.status >= 500);
    expect(cut.map((e) => e.upstreams.at(-1))).toContain(victimAddress);

    expect(await contentSha256(id)).toBe(file.sha256);
    // Resumed from the bytes already stored, not started over.
    expect(Math.min(...afterKill)).toBeGreaterThan(0);
    const resumedOf = (log: AccessLogEntry[]) => log.filter((e) => e.uri === `/api/uploads/${id}` && e.at > killedAt && e.status < 300);
    const resumed = resumedOf(await nginx.accessLog((log) => resumedOf(log).length > 0));
    expect(resumed.length).toBeGreaterThan(0);
    // The dead node's lock lapses by itself; a generous margin covers retry delays on a busy machine.
    expect(resumed[0]!.at - killedAt).toBeLessThan(LOCK_LEASE_MS + 15_000);
  }, 180_000);

  it('rolls a restart through all three nodes while 8 uploads and a stream of API reads run: no failed read, every upload finishes', async () => {
    const sources = await Promise.all(Array.from({ length: 8 }, (_, i) => randomFile(path.join(work, `rolling-${i}.bin`), 40 * MiB)));
    const progress = sources.map(() => 0);
    const uploads = sources.map((s, i) =>
      upload(s.path, { chunkSize: 8 * MiB, bytesPerSecond: 2 * MiB, onProgress: (sent) => (progress[i] = sent) }),
    );

    const failures: string[] = [];
    let reads = 0;
    let reading = true;
    const reader = (url: string) =>
      (async () => {
        while (reading) {
          try {
            const res = await fetch(`${nginx.url}${url}`, { headers: { authorization: `Bearer ${token}` } });
            await res.arrayBuffer();
            if (res.status === 200) reads++;
            else failures.push(`${url}: ${res.status}`);
          } catch (err) {
            failures.push(`${url}: ${(err as Error).message}`);
          }
          await sleep(20);
        }
      })();
    const readers = [reader('/api/files?limit=5'), reader('/api/auth/me')];

    // Sockets through nginx (sticky by address, so all on one node) that reconnect by themselves.
    const sockets: Socket[] = Array.from({ length: 3 }, () =>
      connectSocket(nginx.url, { auth: { token }, transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 500, forceNew: true }),
    );
    const disconnects = sockets.map(() => 0);
    for (const [i, s] of sockets.entries()) s.on('disconnect', () => disconnects[i]!++);
    try {
      await expect.poll(() => sockets.every((s) => s.connected), { timeout: 10_000 }).toBe(true);
      await expect.poll(() => Math.min(...progress), { timeout: 30_000, interval: 100 }).toBeGreaterThan(4 * MiB);
      for (let i = 0; i < nodes.length; i++) {
        // SIGTERM drains: the node exits by itself, with 0, within SHUTDOWN_TIMEOUT.
        expect(await restartNode(i, 'SIGTERM')).toBe(0);
        await sleep(1000);
      }
      const ids = await Promise.all(uploads);
      reading = false;
      await Promise.all(readers);

      expect(failures).toEqual([]);
      expect(reads).toBeGreaterThan(100);
      for (const [i, id] of ids.entries()) {
        await expect.poll(async () => (await fileOf(id)).sha256, { timeout: 60_000, interval: 500 }).toBe(sources[i]!.sha256);
      }
      // Every socket's node went down at some point; each reconnected and hears what happens next.
      expect(disconnects.every((n) => n >= 1)).toBe(true);
      await expect.poll(() => sockets.every((s) => s.connected), { timeout: 10_000 }).toBe(true);
      const heard = sockets.map((s) => collect(s, 'file:created'));
      const after = await uploadFile(api, token, Buffer.from('after the restart\n'), { filename: 'after.txt' });
      await expect.poll(() => heard.map((h) => h.map((f) => f.id)), { timeout: 15_000 }).toEqual(sockets.map(() => [after]));
    } finally {
      reading = false;
      for (const s of sockets) s.close();
    }
  }, 300_000);

  it('sweeps expired uploads with several nodes sweeping: each deleted once, nothing left behind', async () => {
    // Uploads expire after 3 s on every node (a sweep each 1.5 s), brought in by another rolling restart.
    for (let i = 0; i < nodes.length; i++) expect(await restartNode(i, 'SIGTERM', { UPLOAD_EXPIRATION: '3s' })).toBe(0);
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) {
      const res = await createUpload(api, token, { length: MiB, metadata: { filename: `abandoned-${i}.bin` }, body: randomBytes(64 * 1024) });
      expect(res.status).toBe(201);
      ids.push(res.id);
    }
    const uploadsDir = path.join(env.STORAGE_DIR!, 'uploads');
    const left = async () => (await readdir(uploadsDir)).filter((f) => ids.some((id) => f.startsWith(id)));
    await expect.poll(left, { timeout: 30_000, interval: 250 }).toEqual([]);
    for (const id of ids) {
      const head = await api.request('HEAD', `/api/uploads/${id}`, { token, headers: TUS_RESUMABLE });
      expect([404, 410]).toContain(head.status);
    }
    // Let every node sweep again over what is already gone.
    await sleep(3500);
    const removed = nodes
      .flatMap((n) => logLines(n.child.output()))
      .filter((l) => l.msg === 'expired uploads deleted')
      .reduce((sum, l) => sum + Number(l.removed), 0);
    expect(removed).toBe(ids.length);
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    try {
      const rows = await client.query('select id from uploads where id = any($1)', [ids]);
      expect(rows.rows).toEqual([]);
    } finally {
      await client.end();
    }
  }, 120_000);

  it('logged no error on any node or worker through all of it', () => {
    const all = [...retired, ...[...nodes, ...workers].filter(running).map((m) => m.child.output())];
    const errors = all.flatMap(logLines).filter((l) => Number(l.level) >= 50);
    expect(errors).toEqual([]);
  });
});
