import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, errorCode, startTestServer, type TestServer } from '../helpers/testServer.js';
import { postgresAvailable } from '../helpers/services.js';

// The same suite runs on SQLite and, where it answers, PostgreSQL: one kysely code path for both.
const databases: Array<'sqlite' | 'postgres'> = ['sqlite', ...((await postgresAvailable()) ? (['postgres'] as const) : [])];

describe.each(databases)('accounts on %s', (database) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ database });
  });
  afterAll(() => s?.stop());

  const email = () => `person-${Math.random().toString(36).slice(2)}@example.com`;
  const password = 'a long enough password';

  describe('POST /api/auth/register', () => {
    it('creates a user and returns tokens', async () => {
      const address = email();
      const res = await s.api.post('/api/auth/register', { email: address, password });
      expect(res.status).toBe(201);
      expect(res.body.user).toEqual({ id: expect.any(String), email: address, role: 'user', displayName: address.split('@')[0] });
      expect(res.body.accessToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(res.body.refreshToken).toEqual(expect.any(String));
      const claims = jwt.decode(res.body.accessToken, { complete: true })!;
      expect(claims.header.alg).toBe('HS256');
      expect(claims.payload).toMatchObject({ sub: res.body.user.id, role: 'user', exp: expect.any(Number) });
    });

    it.each([
      [{ email: 'not-an-email', password }, 'invalid_email'],
      [{ email: '', password }, 'invalid_email'],
      [{ password }, 'invalid_email'],
      [{ email: 'short@example.com', password: 'seven77' }, 'invalid_password'],
      [{ email: 'nopass@example.com' }, 'invalid_password'],
      [{ email: 'num@example.com', password: 12345678 }, 'invalid_password'],
    ])('rejects %j with 400', async (body, code) => {
      const res = await s.api.post('/api/auth/register', body);
      expect(res.status).toBe(400);
      expect(errorCode(res)).toBe(code);
    });

    it('answers 409 when the email is taken, whatever its case', async () => {
      const address = email();
      expect((await s.api.post('/api/auth/register', { email: address, password })).status).toBe(201);
      const res = await s.api.post('/api/auth/register', { email: address.toUpperCase(), password: 'another password' });
      expect(res.status).toBe(409);
      expect(errorCode(res)).toBe('email_taken');
      // The first account still signs in with its own password.
      expect((await s.api.post('/api/auth/login', { email: address, password })).status).toBe(200);
    });

    it('answers 400 in the contract format for a body that is not JSON', async () => {
      const res = await s.api.request('POST', '/api/auth/register', { headers: { 'content-type': 'application/json' }, body: '{"email":' });
      expect(res.status).toBe(400);
      expect(errorCode(res)).toBe('invalid_json');
      expect(JSON.stringify(res.body)).not.toMatch(/at \w+ \(|node_modules|\/work\//);
    });
  });

  describe('POST /api/auth/login', () => {
    it('signs in a seeded admin', async () => {
      const res = await s.api.post('/api/auth/login', { email: ADMIN.email, password: ADMIN.password });
      expect(res.status).toBe(200);
      expect(res.body.user).toMatchObject({ email: ADMIN.email, role: 'admin' });
      expect(res.body.refreshToken).toEqual(expect.any(String));
    });

    it('gives the same 401 for an unknown email and a wrong password', async () => {
      const unknown = await s.api.post('/api/auth/login', { email: 'nobody@example.com', password });
      const wrong = await s.api.post('/api/auth/login', { email: ADMIN.email, password: 'wrong password' });
      expect(unknown.status).toBe(401);
      expect(wrong.status).toBe(401);
      expect(unknown.body).toEqual(wrong.body);
      expect(errorCode(unknown)).toBe('invalid_credentials');
    });

    it('takes about as long for an unknown email as for a wrong password', async () => {
      const time = async (body: object) => {
        const start = performance.now();
        await s.api.post('/api/auth/login', body);
        return performance.now() - start;
      };
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const unknown: number[] = [];
      const wrong: number[] = [];
      for (let i = 0; i < 5; i++) {
        unknown.push(await time({ email: `nobody${i}@example.com`, password }));
        wrong.push(await time({ email: ADMIN.email, password: 'wrong password' }));
      }
      // Both run one scrypt; without the dummy hash the unknown email answers many times faster.
      expect(median(unknown) / median(wrong)).toBeGreaterThan(0.5);
    });
  });

  describe('GET /api/auth/me and token checks', () => {
    let user: Awaited<ReturnType<TestServer['api']['newUser']>>;
    beforeAll(async () => {
      user = await s.api.newUser();
    });

    it('returns the signed-in user', async () => {
      const res = await s.api.get('/api/auth/me', user.token);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: user.id,
        email: user.email,
        role: 'user',
        displayName: user.email.split('@')[0],
        usage: { bytes: 0, files: 0, reservedBytes: 0, quotaBytes: null },
      });
    });

    const refused = async (authorization?: string) => {
      const res = await s.api.request('GET', '/api/auth/me', { headers: authorization === undefined ? {} : { authorization } });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      errorCode(res);
      return res;
    };

    it('refuses a missing or malformed header', async () => {
      await refused();
      await refused('Basic dXNlcjpwYXNz');
      await refused('Bearer');
      await refused(`Bearer ${'x'.repeat(5000)}`);
    });

    it('refuses a tampered token', async () => {
      const [h, p, sig] = user.token.split('.');
      const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
      const forged = Buffer.from(JSON.stringify({ ...payload, role: 'admin' })).toString('base64url');
      await refused(`Bearer ${h}.${forged}.${sig}`);
    });

    it('refuses a token signed with another secret', async () => {
      const token = jwt.sign({ role: 'admin' }, 'another secret that is long enough to be real', { subject: user.id, expiresIn: 60 });
      await refused(`Bearer ${token}`);
    });

    it('refuses an alg:none token', async () => {
      const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      await refused(`Bearer ${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub: user.id, role: 'admin', exp: now + 600 })}.`);
    });

    it('refuses an expired token with token_expired', async () => {
      const token = jwt.sign({ role: 'user', exp: Math.floor(Date.now() / 1000) - 10 }, s.config.jwtSecret, { subject: user.id });
      const res = await refused(`Bearer ${token}`);
      expect(errorCode(res)).toBe('token_expired');
    });

    it('accepts a token made with the same secret (the check is the signature, not a lookup)', async () => {
      const token = jwt.sign({ role: 'user' }, s.config.jwtSecret, { subject: user.id, expiresIn: 60 });
      expect((await s.api.get('/api/auth/me', token)).status).toBe(200);
    });
  });

  describe('POST /api/auth/refresh', () => {
    it('rotates: the new pair works and the old refresh token is spent', async () => {
      const user = await s.api.newUser();
      const first = await s.api.post('/api/auth/refresh', { refreshToken: user.refreshToken });
      expect(first.status).toBe(200);
      expect(Object.keys(first.body).sort()).toEqual(['accessToken', 'refreshToken']);
      expect(first.body.refreshToken).not.toBe(user.refreshToken);
      expect((await s.api.get('/api/auth/me', first.body.accessToken)).status).toBe(200);
      const second = await s.api.post('/api/auth/refresh', { refreshToken: first.body.refreshToken });
      expect(second.status).toBe(200);
    });

    it('revokes the whole session when a spent token comes back', async () => {
      const user = await s.api.newUser();
      const rotated = await s.api.post('/api/auth/refresh', { refreshToken: user.refreshToken });
      expect(rotated.status).toBe(200);
      const reuse = await s.api.post('/api/auth/refresh', { refreshToken: user.refreshToken });
      expect(reuse.status).toBe(401);
      expect(errorCode(reuse)).toBe('refresh_token_reused');
      // The token handed out by the legitimate rotation dies with the session.
      const after = await s.api.post('/api/auth/refresh', { refreshToken: rotated.body.refreshToken });
      expect(after.status).toBe(401);
    });

    it('lets only one of two concurrent refreshes with the same token win', async () => {
      const user = await s.api.newUser();
      const results = await Promise.all([1, 2, 3].map(() => s.api.post('/api/auth/refresh', { refreshToken: user.refreshToken })));
      expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
      expect(results.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(2);
    });

    it('keeps other sessions of the same user alive', async () => {
      const user = await s.api.newUser();
      const other = await s.api.post('/api/auth/login', { email: user.email, password: 'correct horse battery' });
      await s.api.post('/api/auth/refresh', { refreshToken: user.refreshToken });
      await s.api.post('/api/auth/refresh', { refreshToken: user.refreshToken });
      expect((await s.api.post('/api/auth/refresh', { refreshToken: other.body.refreshToken })).status).toBe(200);
    });

    it.each([
      [{}],
      [{ refreshToken: 'made-up' }],
      [{ refreshToken: 42 }],
      [{ refreshToken: 'x'.repeat(10_000) }],
    ])('refuses %j with 401', async (body) => {
      const res = await s.api.post('/api/auth/refresh', body);
      expect(res.status).toBe(401);
      expect(errorCode(res)).toBe('invalid_refresh_token');
    });
  });

  describe('POST /api/auth/logout', () => {
    it('answers 204 and ends the session', async () => {
      const user = await s.api.newUser();
      const res = await s.api.post('/api/auth/logout', { refreshToken: user.refreshToken }, user.token);
      expect(res.status).toBe(204);
      expect((await s.api.post('/api/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);
    });

    it("doesn't end someone else's session", async () => {
      const victim = await s.api.newUser();
      const attacker = await s.api.newUser();
      expect((await s.api.post('/api/auth/logout', { refreshToken: victim.refreshToken }, attacker.token)).status).toBe(204);
      expect((await s.api.post('/api/auth/refresh', { refreshToken: victim.refreshToken })).status).toBe(200);
    });

    it('needs an access token', async () => {
      const res = await s.api.post('/api/auth/logout', { refreshToken: 'anything' });
      expect(res.status).toBe(401);
    });
  });
});
