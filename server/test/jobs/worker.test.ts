import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildServer, type ChildServer } from '../helpers/childServer.js';
import { REDIS_URL, redisAvailable } from '../helpers/services.js';
import { collect, openSocket } from '../helpers/sockets.js';
import { startTestServer, type TestServer } from '../helpers/testServer.js';
import { sha256, uploadFile } from '../helpers/tus.js';

describe.skipIf(!(await redisAvailable()))('a worker in a process of its own', () => {
  let s: TestServer;
  let worker: ChildServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { REDIS_URL, RUN_WORKERS: 'false' } });
    const { storageDir, databaseUrl, redisPrefix, jwtSecret } = s.config;
    worker = await startChildServer(
      { REDIS_URL, STORAGE_DIR: storageDir, DATABASE_URL: databaseUrl, REDIS_PREFIX: redisPrefix, JWT_SECRET: jwtSecret, SEED_USERS: '' },
      'src/worker.ts',
      'Dropline worker is running',
    );
  });
  afterAll(async () => {
    worker?.process.kill('SIGTERM');
    expect(await worker?.exited).toBe(0);
    await s?.stop();
  });

  it('processes an upload the API server took, and its events reach the browser through the server', async () => {
    const user = await s.api.newUser();
    const socket = await openSocket(s.url, user.token);
    const updated = collect(socket, 'file:updated');
    try {
      const data = Buffer.from('processed elsewhere\n');
      const id = await uploadFile(s.api, user.token, data, { filename: 'remote.txt' });
      await expect.poll(() => updated.map((f) => f.status), { timeout: 15_000 }).toEqual(['processing', 'processed']);
      expect((await s.api.get(`/api/files/${id}`, user.token)).body).toMatchObject({ status: 'processed', sha256: sha256(data) });
    } finally {
      socket.close();
    }
  });
});

describe('the worker entry point', () => {
  it('refuses to start without REDIS_URL, naming it', async () => {
    const started = startChildServer({ STORAGE_DIR: '/tmp/dropline-worker-no-redis' }, 'src/worker.ts', 'Dropline worker is running');
    await expect(started).rejects.toThrow(/REDIS_URL is required/);
  });
});
