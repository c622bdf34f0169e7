import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturedLog, ADMIN, errorCode, startTestServer, type TestServer } from '../helpers/testServer.js';

describe('HTTP basics', () => {
  let s: TestServer;
  const logged = capturedLog();
  beforeAll(async () => {
    s = await startTestServer({ log: logged.log });
  });
  afterAll(() => s?.stop());

  it('answers /healthz and /readyz without a token', async () => {
    expect((await s.api.get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await s.api.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', checks: { database: 'ok' } });
  });

  it('returns a generated X-Request-Id, or echoes a safe one', async () => {
    const generated = await s.api.get('/healthz');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const given = await s.api.request('GET', '/healthz', { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const unsafe = await s.api.request('GET', '/healthz', { headers: { 'x-request-id': 'a b<script>' } });
    expect(unsafe.headers.get('x-request-id')).not.toBe('a b<script>');
  });

  it('answers unknown API routes with a contract 404 (after auth)', async () => {
    const token = await s.api.login(ADMIN.email, ADMIN.password);
    const res = await s.api.get('/api/nothing-here', token);
    expect(res.status).toBe(404);
    expect(errorCode(res)).toBe('not_found');
  });

  it('sends security headers', async () => {
    const res = await s.api.get('/healthz');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('serves a placeholder page at / before the client is built', async () => {
    const res = await s.api.get('/');
    expect(res.status).toBe(200);
    expect(res.body).toContain('Dropline');
  });

  it('never writes passwords or tokens to the log, and tags lines with the request id', async () => {
    const login = await s.api.request('POST', '/api/auth/login', {
      json: { email: ADMIN.email, password: ADMIN.password },
      headers: { 'x-request-id': 'login-trace-1' },
    });
    const { accessToken, refreshToken } = login.body;
    await s.api.get('/api/auth/me', accessToken);
    await s.api.post('/api/auth/refresh', { refreshToken });
    const log = logged.text();
    expect(log).toContain('login-trace-1');
    expect(log).not.toContain(ADMIN.password);
    expect(log).not.toContain(accessToken);
    expect(log).not.toContain(refreshToken);
  });
});
