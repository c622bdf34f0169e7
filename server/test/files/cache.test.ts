import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, postgresAvailable, redisAvailable } from '../helpers/services.js';
import { ADMIN, startTestServer, withDatabase, type TestServer } from '../helpers/testServer.js';
import { randomData, uploadFile } from '../helpers/tus.js';

/** Changes a row behind the servers' backs, as nothing in Dropline would: only a cache explains still seeing the old value. */
/** Processing changes the row too (and so invalidates it); tests on the cache start once it is done. */
async function processed(s: TestServer, token: string, id: string): Promise<void> {
  await expect.poll(async () => (await s.api.get(`/api/files/${id}`, token)).body.status, { timeout: 15_000, interval: 100 }).toBe('processed');
}

const retitleBehindTheBack = (s: TestServer, id: string, title: string) =>
  withDatabase(s, (db) => db.updateTable('files').set({ title }).where('id', '=', id).execute());

describe('file metadata cache in one process (no Redis)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { CACHE_TTL: '2s' } });
  });
  afterAll(() => s?.stop());

  it('serves reads from the cache, drops an entry on every change, and expires entries after CACHE_TTL', async () => {
    const user = await s.api.newUser('cache');
    const id = await uploadFile(s.api, user.token, randomData(10), { filename: 'c.txt', title: 'First' });
    await processed(s, user.token, id);
    expect((await s.api.get(`/api/files/${id}`, user.token)).body.title).toBe('First');
    await retitleBehindTheBack(s, id, 'Behind');
    expect((await s.api.get(`/api/files/${id}`, user.token)).body.title).toBe('First');

    expect((await s.api.patch(`/api/files/${id}`, { filename: 'renamed.txt' }, user.token)).status).toBe(200);
    const after = (await s.api.get(`/api/files/${id}`, user.token)).body;
    expect(after).toMatchObject({ filename: 'renamed.txt', title: 'Behind' });

    await retitleBehindTheBack(s, id, 'Later');
    await expect.poll(async () => (await s.api.get(`/api/files/${id}`, user.token)).body.title, { timeout: 6000, interval: 250 }).toBe('Later');

    await s.api.delete(`/api/files/${id}`, user.token);
    expect((await s.api.get(`/api/files/${id}`, user.token)).status).toBe(404);
  });
});

describe.skipIf(!((await redisAvailable()) && (await postgresAvailable())))(
  'file metadata cache across two nodes (one Redis, one PostgreSQL)',
  () => {
    let a: TestServer;
    let b: TestServer;
    beforeAll(async () => {
      a = await startTestServer({ database: 'postgres', env: { REDIS_URL, CACHE_TTL: '5m' } });
      b = await startTestServer({
        env: { REDIS_URL, CACHE_TTL: '5m', REDIS_PREFIX: a.config.redisPrefix, DATABASE_URL: a.config.databaseUrl, STORAGE_DIR: a.storageDir },
      });
    });
    afterAll(async () => {
      await b?.stop();
      await a?.stop();
    });

    it('a rename on node A is seen on node B at once, though B serves from the cache', async () => {
      const user = await a.api.newUser('nodes');
      const id = await uploadFile(a.api, user.token, randomData(10), { filename: 'before.txt', title: 'T' });
      await processed(a, user.token, id);
      expect((await b.api.get(`/api/files/${id}`, user.token)).body.filename).toBe('before.txt');
      // B answers from the shared cache, not the database...
      await retitleBehindTheBack(a, id, 'Behind');
      expect((await b.api.get(`/api/files/${id}`, user.token)).body.title).toBe('T');
      // ...and a change made through A reaches it with the very next request.
      expect((await a.api.patch(`/api/files/${id}`, { filename: 'after.txt' }, user.token)).status).toBe(200);
      expect((await b.api.get(`/api/files/${id}`, user.token)).body).toMatchObject({ filename: 'after.txt', title: 'Behind' });
      await a.api.delete(`/api/files/${id}`, user.token);
      expect((await b.api.get(`/api/files/${id}`, user.token)).status).toBe(404);
    });

    it('disabling an account on node A refuses its token on node B at once', async () => {
      const admin = await a.api.login(ADMIN.email, ADMIN.password);
      const user = await a.api.newUser('cached-account');
      expect((await b.api.get('/api/files', user.token)).status).toBe(200);
      await a.api.patch(`/api/admin/users/${user.id}`, { disabled: true }, admin);
      expect((await b.api.get('/api/files', user.token)).status).toBe(401);
    });
  },
);
