import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startChildServer, type ChildServer } from '../helpers/childServer.js';
import { REDIS_URL, redisAvailable } from '../helpers/services.js';
import { Api } from '../helpers/testServer.js';
import { sha256, uploadFile } from '../helpers/tus.js';

const queues: Array<[string, Record<string, string>]> = [['embedded', {}]];
if (await redisAvailable()) queues.push(['bullmq', { REDIS_URL }]);

describe.each(queues)('a job running on the %s queue when its process is killed', (kind, queueEnv) => {
  let child: ChildServer | undefined;
  let storageDir: string | undefined;
  afterEach(async () => {
    child?.process.kill('SIGKILL');
    if (storageDir) await rm(storageDir, { recursive: true, force: true });
  });

  it('completes after a restart', async () => {
    storageDir = await mkdtemp(path.join(tmpdir(), 'dropline-crash-'));
    const env = {
      ...queueEnv,
      STORAGE_DIR: storageDir,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      SEED_USERS: 'crash@example.com:crash-password:admin',
      WORKER_CONCURRENCY: '1',
      // BullMQ hands a dead worker's job on once its lock lapses; keep that short for the test.
      JOB_LEASE: '2s',
      REDIS_PREFIX: `dropline-crash-${kind}-${process.pid}`,
    };
    child = await startChildServer(env);
    const api = new Api(child.url);
    const token = await api.login('crash@example.com', 'crash-password');

    // A large image keeps the worker busy decoding for long enough to be caught mid-job.
    const image = await sharp({ create: { width: 9000, height: 9000, channels: 3, background: '#228844' } })
      .png()
      .toBuffer();
    const id = await uploadFile(api, token, image, { filename: 'huge.png' });
    await expect.poll(async () => (await api.get(`/api/files/${id}`, token)).body.status, { timeout: 15_000, interval: 10 }).toBe('processing');
    child.process.kill('SIGKILL');
    await child.exited;

    child = await startChildServer(env);
    const restarted = new Api(child.url);
    const fresh = await restarted.login('crash@example.com', 'crash-password');
    await expect.poll(async () => (await restarted.get(`/api/files/${id}`, fresh)).body.status, { timeout: 30_000, interval: 100 }).toBe('processed');
    const file = (await restarted.get(`/api/files/${id}`, fresh)).body;
    expect(file.sha256).toBe(sha256(image));
    expect(file.extracted).toMatchObject({ kind: 'image', width: 9000, height: 9000 });
    const jobs = (await restarted.get('/api/jobs', fresh)).body.items.filter((j: { fileId: string }) => j.fileId === id);
    // The interrupted run was not the job's fault, so it did not spend an attempt.
    expect(jobs).toEqual([expect.objectContaining({ state: 'completed', attempts: 1 })]);
  }, 90_000);
});
