import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../helpers/services.js';
import { socketRefusal } from '../helpers/sockets.js';
import { ADMIN, expectRefused, startTestServer, withDatabase, type TestServer } from '../helpers/testServer.js';
import { UploadsRepository } from '../../src/uploads/uploads.repository.js';
import { TUS_RESUMABLE, createUpload, patchUpload, uploadFile } from '../helpers/tus.js';

const databases: Array<'sqlite' | 'postgres'> = ['sqlite', ...((await postgresAvailable()) ? (['postgres'] as const) : [])];

function multipart(token: string) {
  const form = new FormData();
  form.append('file', new Blob([Buffer.from('hello')]), 'hello.txt');
  return { token, body: form };
}

describe.each(databases)('a token whose account is gone, on %s', (database) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ database });
  });
  afterAll(() => s?.stop());

  const deleteAccount = (id: string) => withDatabase(s, (db) => db.deleteFrom('users').where('id', '=', id).execute());

  it('is refused like a tampered token on the API, tus creation, multipart, Socket.IO, refresh and download links', async () => {
    const user = await s.api.newUser();
    const fileId = await uploadFile(s.api, user.token, Buffer.from('bytes'), { filename: 'a.txt' });
    const link = await s.api.post(`/api/files/${fileId}/download-link`, undefined, user.token);
    expect(link.status).toBe(200);
    await deleteAccount(user.id);

    expectRefused(await s.api.get('/api/auth/me', user.token));
    expectRefused(await s.api.get('/api/files', user.token));
    expectRefused(await createUpload(s.api, user.token, { length: 5, metadata: { filename: 'x.bin' } }));
    expectRefused(await s.api.request('POST', '/api/files', multipart(user.token)));
    const err = await socketRefusal(s.url, user.token);
    expect(err.data?.code).toBe('invalid_token');
    expectRefused(await s.api.post('/api/auth/refresh', { refreshToken: user.refreshToken }), 'invalid_refresh_token');
    expectRefused(await s.api.get(link.body.url), 'invalid_download_link');
    // Nothing of the account's was half-created by the refused requests.
    const uploads = await withDatabase(s, (db) => db.selectFrom('uploads').select('id').where('owner_id', '=', user.id).execute());
    expect(uploads).toEqual([]);
  });

  it('stops an upload in progress: PATCH and HEAD answer 401, not 500', async () => {
    const user = await s.api.newUser();
    const created = await createUpload(s.api, user.token, { length: 10, metadata: { filename: 'half.bin' } });
    expect(created.status).toBe(201);
    expect((await patchUpload(s.api, user.token, created.path, 0, Buffer.alloc(4))).status).toBe(204);
    await deleteAccount(user.id);
    expectRefused(await patchUpload(s.api, user.token, created.path, 4, Buffer.alloc(6)));
    const head = await s.api.request('HEAD', created.path, { token: user.token, headers: TUS_RESUMABLE });
    expect(head.status).toBe(401);
    expect(head.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('records no upload for an account deleted after its request was authenticated', async () => {
    // The race the auth check alone cannot close: the insert itself checks the owner, and says so.
    const created = await withDatabase(s, (db) =>
      new UploadsRepository(db).create(
        {
          id: 'raceraceracerace',
          ownerId: 'deleted-a-moment-ago',
          createdAt: new Date().toISOString(),
          expiresAt: new Date().toISOString(),
          reservedBytes: 0,
        },
        null,
      ),
    );
    expect(created).toBe('no_owner');
    expect(await withDatabase(s, (db) => db.selectFrom('uploads').select('id').where('id', '=', 'raceraceracerace').execute())).toEqual([]);
    const user = await s.api.newUser();
    const ok = await withDatabase(s, (db) =>
      new UploadsRepository(db).create(
        { id: 'livelivelivelive', ownerId: user.id, createdAt: new Date().toISOString(), expiresAt: new Date().toISOString(), reservedBytes: 0 },
        null,
      ),
    );
    expect(ok).toBe('created');
  });

  describe('access tokens end with their login session', () => {
    it('logout ends the access token at once, on the API, tus and Socket.IO; other sessions live on', async () => {
      const user = await s.api.newUser();
      const other = await s.api.post('/api/auth/login', { email: user.email, password: 'correct horse battery' });
      expect((await s.api.post('/api/auth/logout', { refreshToken: user.refreshToken }, user.token)).status).toBe(204);
      expectRefused(await s.api.get('/api/auth/me', user.token));
      expectRefused(await createUpload(s.api, user.token, { length: 1, metadata: { filename: 'x' } }));
      const err = await socketRefusal(s.url, user.token);
      expect(err.data?.code).toBe('invalid_token');
      expect((await s.api.get('/api/auth/me', other.body.accessToken)).status).toBe(200);
    });

    it('a refreshed access token keeps working; when a spent refresh token comes back, every access token of that session dies', async () => {
      const user = await s.api.newUser();
      const rotated = await s.api.post('/api/auth/refresh', { refreshToken: user.refreshToken });
      expect((await s.api.get('/api/auth/me', rotated.body.accessToken)).status).toBe(200);
      expect((await s.api.get('/api/auth/me', user.token)).status).toBe(200);
      // A thief replays the first refresh token: the session ends, and with it both access tokens.
      expect((await s.api.post('/api/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);
      expectRefused(await s.api.get('/api/auth/me', rotated.body.accessToken));
      expectRefused(await s.api.get('/api/auth/me', user.token));
    });

    it('a token naming a session of another account is refused', async () => {
      const a = await s.api.newUser();
      const b = await s.api.newUser();
      const sid = (jwt.decode(b.token) as { sid: string }).sid;
      const mixed = jwt.sign({ role: 'user', sid }, s.config.jwtSecret, { algorithm: 'HS256', subject: a.id, expiresIn: 60 });
      expectRefused(await s.api.get('/api/auth/me', mixed));
    });
  });

  it('uses the account role of now, not the one in the token: a demoted admin is no admin', async () => {
    const user = await s.api.newUser();
    const forged = jwt.sign({ role: 'admin' }, s.config.jwtSecret, { algorithm: 'HS256', subject: user.id, expiresIn: 60 });
    expect((await s.api.get('/api/jobs/stats', forged)).status).toBe(403);
    const admin = await s.api.post('/api/auth/login', ADMIN);
    expect((await s.api.get('/api/jobs/stats', admin.body.accessToken)).status).toBe(200);
  });
});

describe('tokens and Authorization headers that must be refused', () => {
  let s: TestServer;
  let user: Awaited<ReturnType<TestServer['api']['newUser']>>;
  beforeAll(async () => {
    s = await startTestServer();
    user = await s.api.newUser();
  });
  afterAll(() => s?.stop());

  const sign = (claims: object, options: jwt.SignOptions = {}) => jwt.sign(claims, s.config.jwtSecret, { algorithm: 'HS256', ...options });

  /** jsonwebtoken refuses to sign odd claims; an attacker with the key would not. */
  const signRaw = (header: object, payload: object) => {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const body = `${part(header)}.${part(payload)}`;
    return `${body}.${createHmac('sha256', s.config.jwtSecret).update(body).digest('base64url')}`;
  };

  it('refuses a correctly signed token without exp everywhere', async () => {
    const forever = sign({ role: 'user', sub: user.id });
    expect(jwt.decode(forever)).not.toHaveProperty('exp');
    expectRefused(await s.api.get('/api/auth/me', forever));
    expectRefused(await createUpload(s.api, forever, { length: 1, metadata: { filename: 'x' } }));
    const err = await socketRefusal(s.url, forever);
    expect(err.data?.code).toBe('invalid_token');
  });

  it.each([
    ['an empty subject', () => sign({ role: 'user', sub: '' }, { expiresIn: 60 })],
    ['an unknown role', () => sign({ role: 'root' }, { subject: user.id, expiresIn: 60 })],
    ['a subject that is not an account', () => sign({ role: 'user' }, { subject: 'x'.repeat(2000), expiresIn: 60 })],
    ['a non-numeric exp', () => signRaw({ alg: 'HS256', typ: 'JWT' }, { role: 'user', sub: user.id, exp: 'never' })],
    ['alg none', () => jwt.sign({ role: 'user', sub: user.id, exp: Math.floor(Date.now() / 1000) + 60 }, '', { algorithm: 'none' })],
  ])('refuses a token with %s', async (_what, make) => {
    expectRefused(await s.api.get('/api/auth/me', make()));
  });

  it.each([
    ['no scheme', (t: string) => t, 'unauthorized'],
    ['Basic', () => `Basic ${Buffer.from('a:b').toString('base64')}`, 'unauthorized'],
    ['Bearer with nothing', () => 'Bearer', 'unauthorized'],
    ['Bearer with two tokens', (t: string) => `Bearer ${t} ${t}`, 'unauthorized'],
    ['a comma-joined list', (t: string) => `Bearer ${t}, Bearer ${t}`, 'unauthorized'],
    ['a huge token', () => `Bearer ${'a'.repeat(5000)}`, 'unauthorized'],
    ['a tab after Bearer', (t: string) => `Bearer\t${t}`, 'unauthorized'],
    ['a truncated token', (t: string) => `Bearer ${t.slice(0, -3)}`, 'invalid_token'],
    ['JSON', () => 'Bearer {"sub":"x"}', 'unauthorized'],
  ])('refuses an Authorization header with %s', async (_what, header, code) => {
    const res = await s.api.request('GET', '/api/auth/me', { headers: { authorization: header(user.token) } });
    expectRefused(res, code);
  });

  it('accepts the scheme in any case, as HTTP says', async () => {
    const res = await s.api.request('GET', '/api/auth/me', { headers: { authorization: `bearer ${user.token}` } });
    expect(res.status).toBe(200);
  });

  it.each([
    ['a number', 42],
    ['an object', { toString: 'x' }],
    ['a huge string', 'a'.repeat(100_000)],
  ])('refuses a Socket.IO token that is %s', async (_what, token) => {
    const err = await socketRefusal(s.url, token);
    expect(err).toBeInstanceOf(Error);
    expect(err.data?.code).toBe('unauthorized');
  });
});
