import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, postgresAvailable, redisAvailable } from '../helpers/services.js';
import { socketRefusal } from '../helpers/sockets.js';
import { ADMIN, expectRefused, startTestServer, withDatabase, type TestServer } from '../helpers/testServer.js';

const METRICS_TOKEN = 'metrics-token-accounts-0123456789';
const PASSWORD = 'correct horse battery';

/** Hits and misses of the account cache, as /metrics counts them. */
async function accountCacheCounts(s: TestServer): Promise<{ hits: number; misses: number }> {
  const text = await (await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  const read = (name: string) => Number(new RegExp(`^dropline_cache_${name}_total\\{cache="accounts"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { hits: read('hits'), misses: read('misses') };
}

const places: Array<[string, boolean]> = [['on one node (in-process cache)', false]];
if ((await redisAvailable()) && (await postgresAvailable())) places.push(['across two nodes on one Redis', true]);

/**
 * The per-request account check reads from the metadata cache (CACHE_TTL on, as in production).
 * Every way an account or a login session ends must still take effect with the very next request,
 * on the node that made the change and on any other. `a` makes the changes, `b` is asked.
 */
describe.each(places)('the account cache %s', (_where, shared) => {
  let a: TestServer;
  let b: TestServer;
  let admin: string;
  beforeAll(async () => {
    if (shared) {
      a = await startTestServer({ database: 'postgres', env: { REDIS_URL, CACHE_TTL: '5m', METRICS_TOKEN } });
      b = await startTestServer({
        env: {
          REDIS_URL,
          CACHE_TTL: '5m',
          METRICS_TOKEN,
          REDIS_PREFIX: a.config.redisPrefix,
          DATABASE_URL: a.config.databaseUrl,
          STORAGE_DIR: a.storageDir,
        },
      });
    } else {
      a = b = await startTestServer({ env: { CACHE_TTL: '5m', METRICS_TOKEN } });
    }
    admin = await a.api.login(ADMIN.email, ADMIN.password);
  });
  afterAll(async () => {
    if (b !== a) await b?.stop();
    await a?.stop();
  });

  it('answers repeated requests from the cache: a change behind its back is not seen', async () => {
    const user = await a.api.newUser('cached');
    expect((await b.api.get('/api/auth/me', user.token)).status).toBe(200);
    const before = await accountCacheCounts(b);
    for (let i = 0; i < 5; i++) expect((await b.api.get('/api/files', user.token)).status).toBe(200);
    const after = await accountCacheCounts(b);
    // Two reads a request (the account and its session), each a hit.
    expect(after.hits - before.hits).toBe(10);
    expect(after.misses).toBe(before.misses);
    // Proof the check did not read the row: a role given behind the server's back is not in effect.
    await withDatabase(a, (db) => db.updateTable('users').set({ role: 'admin' }).where('id', '=', user.id).execute());
    expect((await b.api.get('/api/jobs/stats', user.token)).status).toBe(403);
  });

  it("logout ends the access token at once; the same account's other session lives on", async () => {
    const user = await a.api.newUser('logout');
    const other = await a.api.post('/api/auth/login', { email: user.email, password: PASSWORD });
    expect((await b.api.get('/api/auth/me', user.token)).status).toBe(200);
    expect((await b.api.get('/api/auth/me', other.body.accessToken)).status).toBe(200);
    expect((await a.api.post('/api/auth/logout', { refreshToken: user.refreshToken }, user.token)).status).toBe(204);
    expectRefused(await b.api.get('/api/auth/me', user.token));
    expect((await b.api.get('/api/auth/me', other.body.accessToken)).status).toBe(200);
  });

  it('a spent refresh token coming back ends every access token of its session at once', async () => {
    const user = await a.api.newUser('reuse');
    const rotated = await a.api.post('/api/auth/refresh', { refreshToken: user.refreshToken });
    expect((await b.api.get('/api/auth/me', rotated.body.accessToken)).status).toBe(200);
    expect((await b.api.get('/api/auth/me', user.token)).status).toBe(200);
    expect((await a.api.post('/api/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);
    expectRefused(await b.api.get('/api/auth/me', rotated.body.accessToken));
    expectRefused(await b.api.get('/api/auth/me', user.token));
  });

  it('disabling refuses the account at once, sockets too; enabling again does not bring its old sessions back', async () => {
    const user = await a.api.newUser('disabled');
    expect((await b.api.get('/api/files', user.token)).status).toBe(200);
    expect((await a.api.patch(`/api/admin/users/${user.id}`, { disabled: true }, admin)).status).toBe(200);
    expectRefused(await b.api.get('/api/files', user.token));
    const err = await socketRefusal(b.url, user.token);
    expect(err.data?.code).toBe('invalid_token');

    expect((await a.api.patch(`/api/admin/users/${user.id}`, { disabled: false }, admin)).status).toBe(200);
    expectRefused(await b.api.get('/api/files', user.token));
    const again = await b.api.login(user.email, PASSWORD);
    expect((await b.api.get('/api/files', again)).status).toBe(200);
  });

  it('a role change counts from the next request, both ways', async () => {
    const user = await a.api.newUser('promoted');
    expect((await b.api.get('/api/jobs/stats', user.token)).status).toBe(403);
    expect((await a.api.patch(`/api/admin/users/${user.id}`, { role: 'admin' }, admin)).status).toBe(200);
    expect((await b.api.get('/api/jobs/stats', user.token)).status).toBe(200);
    expect((await a.api.patch(`/api/admin/users/${user.id}`, { role: 'user' }, admin)).status).toBe(200);
    expect((await b.api.get('/api/jobs/stats', user.token)).status).toBe(403);
  });

  it('a deleted account is refused at once', async () => {
    const user = await a.api.newUser('deleted');
    expect((await b.api.get('/api/files', user.token)).status).toBe(200);
    expect((await a.api.delete(`/api/admin/users/${user.id}`, admin)).status).toBe(204);
    expectRefused(await b.api.get('/api/files', user.token));
  });
});
