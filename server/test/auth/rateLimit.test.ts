import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, redisAvailable } from '../helpers/services.js';
import { errorCode, startTestServer, type TestServer } from '../helpers/testServer.js';

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
    // The limit covers register and refresh too, but not the authenticated routes.
    expect((await s.api.post('/api/auth/refresh', { refreshToken: 'x' })).status).toBe(429);
    expect((await s.api.get('/healthz')).status).toBe(200);
  });
});

describe.skipIf(!(await redisAvailable()))('rate limits shared through Redis', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer({ env: { AUTH_RATE_LIMIT: '3', REDIS_URL } });
    b = await startTestServer({ env: { AUTH_RATE_LIMIT: '3', REDIS_URL, REDIS_PREFIX: a.config.redisPrefix } });
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
