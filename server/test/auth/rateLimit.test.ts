import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, redisAvailable } from '../helpers/services.js';
import { ADMIN, errorCode, startTestServer, type TestServer } from '../helpers/testServer.js';
import { TUS_RESUMABLE, createUpload, patchUpload, randomData } from '../helpers/tus.js';

const login = (s: TestServer) => s.api.post('/api/auth/login', { email: 'nobody@example.com', password: 'wrong password' });

describe('rate limits on the open auth routes (one node, in memory)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { AUTH_RATE_LIMIT: '3' } });
  });
  afterAll(() => s?.stop());

  it('answers 429 with Retry-After once an address used its allowance', async () => {
    for (let i = 0; i < 3; i++) expect((await login(s)).status).toBe(401);
    const limited = await login(s);
    expect(limited.status).toBe(429);
    expect(errorCode(limited)).toBe('too_many_requests');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('ratelimit-policy')).toContain('"auth";q=3;w=60');
    // The limit covers register and refresh too, but not the authenticated routes.
    expect((await s.api.post('/api/auth/refresh', { refreshToken: 'x' })).status).toBe(429);
    expect((await s.api.get('/healthz')).status).toBe(200);
  });
});

describe('RATE_LIMIT on every /api call', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { RATE_LIMIT: '5' } });
  });
  afterAll(() => s?.stop());

  it('counts anonymous calls per address, with the IETF RateLimit fields', async () => {
    const first = await s.api.get('/api/files');
    expect(first.status).toBe(401);
    expect(first.headers.get('ratelimit-policy')).toBe('"api";q=5;w=60');
    expect(first.headers.get('ratelimit')).toMatch(/^"api";r=4;t=\d+$/);
    for (let i = 0; i < 4; i++) expect((await s.api.get('/api/files')).status).toBe(401);
    const limited = await s.api.get('/api/files');
    expect(limited.status).toBe(429);
    expect(errorCode(limited)).toBe('too_many_requests');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get('ratelimit')).toMatch(/^"api";r=0;t=\d+$/);
  });
});

describe('RATE_LIMIT per user', () => {
  let s: TestServer;
  beforeAll(async () => {
    // Users are registered before the limit matters: each registration is an anonymous call.
    s = await startTestServer({ env: { RATE_LIMIT: '8' } });
  });
  afterAll(() => s?.stop());

  it('gives each signed-in user their own allowance, whatever address they share', async () => {
    const a = await s.api.newUser('limit-a');
    const b = await s.api.newUser('limit-b');
    for (let i = 0; i < 8; i++) expect((await s.api.get('/api/files', a.token)).status).toBe(200);
    const limited = await s.api.get('/api/files', a.token);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    // Same address, another user: a fresh allowance.
    expect((await s.api.get('/api/files', b.token)).status).toBe(200);
  });

  it('does not count tus PATCH and HEAD, so a large upload never trips it', async () => {
    const c = await s.api.newUser('limit-tus');
    const chunk = 1024;
    const created = await createUpload(s.api, c.token, { length: chunk * 20, metadata: { filename: 'big.bin' } });
    expect(created.status).toBe(201);
    for (let i = 0; i < 20; i++) {
      const head = await s.api.request('HEAD', created.path, { token: c.token, headers: TUS_RESUMABLE });
      expect(head.status).toBe(200);
      expect(head.headers.get('ratelimit')).toBeNull();
      const patch = await patchUpload(s.api, c.token, created.path, i * chunk, randomData(chunk));
      expect(patch.status).toBe(204);
    }
    // 40 exempt requests later, the user still has their allowance (one used by the creation).
    const after = await s.api.get(`/api/files/${created.id}`, c.token);
    expect(after.status).toBe(200);
    expect(after.headers.get('ratelimit')).toMatch(/^"api";r=6;t=\d+$/);
  });
});

describe('per-account sign-in throttling', () => {
  let s: TestServer;
  beforeAll(async () => {
    // Each guess comes from its own address (X-Forwarded-For behind a trusted proxy).
    s = await startTestServer({ env: { TRUST_PROXY: 'true' } });
  });
  afterAll(() => s?.stop());

  const from = (n: number, email: string, password: string) =>
    s.api.request('POST', '/api/auth/login', { json: { email, password }, headers: { 'x-forwarded-for': `203.0.113.${n}` } });

  it('throttles 30 wrong passwords for one account from 30 addresses, briefly', async () => {
    const statuses: number[] = [];
    let lastLimited: Awaited<ReturnType<typeof from>> | undefined;
    for (let n = 1; n <= 30; n++) {
      const res = await from(n, ADMIN.email, `wrong password ${n}`);
      statuses.push(res.status);
      if (res.status === 429) lastLimited = res;
    }
    // Five free failures, a sixth that starts the wait, and every later guess refused unchecked.
    expect(statuses.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(statuses.slice(6).every((status) => status === 429)).toBe(true);
    expect(errorCode(lastLimited!)).toBe('too_many_requests');
    const wait = Number(lastLimited!.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);

    // Another account is not affected.
    expect((await from(99, 'someone-else@example.com', 'wrong password')).status).toBe(401);
    // The real owner gets in after a short wait, not a long lock-out.
    await sleep(wait * 1000 + 200);
    expect((await from(100, ADMIN.email, ADMIN.password)).status).toBe(200);
    // ...and a success clears the count.
    expect((await from(101, ADMIN.email, 'wrong again')).status).toBe(401);
  });
});

describe.skipIf(!(await redisAvailable()))('rate limits shared through Redis', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer({ env: { AUTH_RATE_LIMIT: '3', RATE_LIMIT: '6', REDIS_URL } });
    b = await startTestServer({ env: { AUTH_RATE_LIMIT: '3', RATE_LIMIT: '6', REDIS_URL, REDIS_PREFIX: a.config.redisPrefix } });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('counts an address across nodes', async () => {
    expect((await login(a)).status).toBe(401);
    expect((await login(b)).status).toBe(401);
    expect((await login(a)).status).toBe(401);
    expect((await login(b)).status).toBe(429);
  });
});

describe.skipIf(!(await redisAvailable()))('RATE_LIMIT shared through Redis', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer({ env: { RATE_LIMIT: '6', REDIS_URL } });
    // One deployment: the same storage (database and signing secret) and the same Redis.
    b = await startTestServer({ env: { RATE_LIMIT: '6', REDIS_URL, REDIS_PREFIX: a.config.redisPrefix, STORAGE_DIR: a.storageDir } });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('counts a user across nodes', async () => {
    const { token } = await a.api.newUser('two-nodes');
    for (let i = 0; i < 3; i++) {
      expect((await a.api.get('/api/files', token)).status).toBe(200);
      expect((await b.api.get('/api/files', token)).status).toBe(200);
    }
    expect((await a.api.get('/api/files', token)).status).toBe(429);
    expect((await b.api.get('/api/files', token)).status).toBe(429);
  });
});
