import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../helpers/services.js';
import { openSocket } from '../helpers/sockets.js';
import { capturedLog, ADMIN, errorCode, startTestServer, waitFor, withDatabase, type ApiResponse, type TestServer } from '../helpers/testServer.js';
import { TUS_RESUMABLE, createUpload, patchUpload, randomData } from '../helpers/tus.js';

const databases: Array<'sqlite' | 'postgres'> = ['sqlite', ...((await postgresAvailable()) ? (['postgres'] as const) : [])];

const REQUEST_KEYS = ['id', 'url', 'title', 'message', 'expiresAt', 'maxFiles', 'maxBytes', 'hasPassword', 'files', 'bytes', 'createdAt'].sort();
const PUBLIC_KEYS = [
  'title',
  'message',
  'owner',
  'expiresAt',
  'requiresPassword',
  'remainingFiles',
  'remainingBytes',
  'maxUploadSize',
  'allowedFileTypes',
].sort();
const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();

const tokenOf = (request: { url: string }) => new URL(request.url).pathname.split('/').pop()!;

describe.each(databases)('file requests on %s', (database) => {
  let s: TestServer;
  let alice: { id: string; email: string; token: string };
  let bob: { id: string; token: string };
  const logged = capturedLog();

  beforeAll(async () => {
    s = await startTestServer({
      database,
      log: logged.log,
      env: { RUN_WORKERS: 'false', MAX_UPLOAD_SIZE: '1MiB', ALLOWED_FILE_TYPES: '.bin,.txt' },
    });
    alice = await s.api.newUser('alice');
    bob = await s.api.newUser('bob');
  });
  afterAll(() => s?.stop());

  const newRequest = async (body: Record<string, unknown> = {}, token = alice.token) => {
    const res = await s.api.post('/api/requests', { title: 'Holiday photos', ...body }, token);
    if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string; url: string; files: number; bytes: number };
  };

  /** A tus creation through a request's link. */
  const createThrough = (auth: string, length: number, metadata: Record<string, string> = { filename: 'photo.bin' }, body?: Buffer) =>
    createUpload(s.api, '', { length, metadata, body, headers: { authorization: auth } });

  describe("the owner's side", () => {
    it('creates a request with every field, and reads it back', async () => {
      const expiresAt = inAnHour();
      const res = await s.api.post(
        '/api/requests',
        { title: '  Scans  ', message: 'Line one\r\nline two', expiresAt, maxFiles: 3, maxBytes: 1000, password: 'open sesame' },
        alice.token,
      );
      expect(res.status).toBe(201);
      expect(Object.keys(res.body).sort()).toEqual(REQUEST_KEYS);
      expect(res.body).toMatchObject({
        title: 'Scans',
        message: 'Line one\nline two',
        expiresAt,
        maxFiles: 3,
        maxBytes: 1000,
        hasPassword: true,
        files: 0,
        bytes: 0,
      });
      expect(res.body.url).toMatch(new RegExp(`^${s.url}/r/[A-Za-z0-9_-]{22,}$`));
      // At least 128 random bits: 22 base64url characters or more.
      expect(tokenOf(res.body).length).toBeGreaterThanOrEqual(22);
      expect(JSON.stringify(res.body)).not.toContain('open sesame');
      const again = await s.api.get(`/api/requests/${res.body.id}`, alice.token);
      expect(again.body).toEqual(res.body);
    });

    it('defaults to no message, expiry, limits or password', async () => {
      const res = await s.api.post('/api/requests', { title: 'Anything' }, alice.token);
      expect(res.body).toMatchObject({ message: null, expiresAt: null, maxFiles: null, maxBytes: null, hasPassword: false });
    });

    it('refuses bad bodies with the contract codes', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{}, 'invalid_title'],
        [{ title: '   ' }, 'invalid_title'],
        [{ title: 'x'.repeat(201) }, 'invalid_title'],
        [{ title: 'ok', expiresAt: '2001-01-01T00:00:00Z' }, 'invalid_expires_at'],
        [{ title: 'ok', expiresAt: 'tomorrow' }, 'invalid_expires_at'],
        [{ title: 'ok', password: 'abc' }, 'invalid_password'],
        [{ title: 'ok', maxFiles: 0 }, 'invalid_request'],
        [{ title: 'ok', maxBytes: -5 }, 'invalid_request'],
        [{ title: 'ok', maxFiles: 1.5 }, 'invalid_request'],
        [{ title: 'ok', owner: 'bob' }, 'invalid_request'],
      ];
      for (const [body, code] of cases) {
        const res = await s.api.post('/api/requests', body, alice.token);
        expect([res.status, errorCode(res)], JSON.stringify(body)).toEqual([400, code]);
      }
    });

    it("lists the caller's own requests, newest first, page by page", async () => {
      const carol = await s.api.newUser('carol');
      const made: string[] = [];
      for (let i = 0; i < 5; i++) made.push((await newRequest({ title: `r${i}` }, carol.token)).id);
      await newRequest({ title: 'not carol' }, bob.token);
      const first = await s.api.get('/api/requests?limit=2', carol.token);
      expect(first.status).toBe(200);
      expect(first.body.items.map((r: { id: string }) => r.id)).toEqual([made[4], made[3]]);
      const seen = [...first.body.items];
      let cursor = first.body.nextCursor;
      while (cursor) {
        const page = await s.api.get(`/api/requests?limit=2&cursor=${cursor}`, carol.token);
        seen.push(...page.body.items);
        cursor = page.body.nextCursor;
      }
      expect(seen.map((r) => r.id)).toEqual([...made].reverse());
      expect(errorCode(await s.api.get('/api/requests?limit=0', carol.token))).toBe('invalid_query');
      expect(errorCode(await s.api.get('/api/requests?cursor=nonsense', carol.token))).toBe('invalid_query');
    });

    it('changes a request; null lifts limits and removes the password', async () => {
      const request = await newRequest({ maxFiles: 2, password: 'secret-1' });
      const changed = await s.api.patch(
        `/api/requests/${request.id}`,
        { title: 'Renamed', maxFiles: null, maxBytes: 500, password: null, message: 'hi' },
        alice.token,
      );
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ title: 'Renamed', maxFiles: null, maxBytes: 500, hasPassword: false, message: 'hi' });
      expect(errorCode(await s.api.patch(`/api/requests/${request.id}`, {}, alice.token))).toBe('invalid_request');
      expect(errorCode(await s.api.patch(`/api/requests/${request.id}`, { expiresAt: '2000-01-01T00:00:00Z' }, alice.token))).toBe(
        'invalid_expires_at',
      );
    });

    it("answers 404 for someone else's request on every call, and admins see all", async () => {
      const request = await newRequest();
      for (const res of [
        await s.api.get(`/api/requests/${request.id}`, bob.token),
        await s.api.patch(`/api/requests/${request.id}`, { title: 'mine' }, bob.token),
        await s.api.delete(`/api/requests/${request.id}`, bob.token),
        await s.api.get('/api/requests/no-such-id', alice.token),
      ]) {
        expect([res.status, errorCode(res)]).toEqual([404, 'not_found']);
      }
      const admin = await s.api.login(ADMIN.email, ADMIN.password);
      expect((await s.api.get(`/api/requests/${request.id}`, admin)).status).toBe(200);
    });

    it('needs a bearer token', async () => {
      const res = await s.api.get('/api/requests');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    });

    it('deletes a request: its link stops working at once', async () => {
      const request = await newRequest();
      expect((await s.api.get(`/api/public/requests/${tokenOf(request)}`)).status).toBe(200);
      expect((await s.api.delete(`/api/requests/${request.id}`, alice.token)).status).toBe(204);
      expect((await s.api.get(`/api/requests/${request.id}`, alice.token)).status).toBe(404);
      expect(errorCode(await s.api.get(`/api/public/requests/${tokenOf(request)}`))).toBe('not_found');
      const upload = await createThrough(`Request ${tokenOf(request)}`, 10);
      expect(upload.status).toBe(401);
    });
  });

  describe('the public side', () => {
    it('shows the request to anyone with the link, with what is left', async () => {
      const request = await newRequest({ message: 'Please send', maxFiles: 2, maxBytes: 100 });
      const res = await s.api.get(`/api/public/requests/${tokenOf(request)}`);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(PUBLIC_KEYS);
      expect(res.body).toEqual({
        title: 'Holiday photos',
        message: 'Please send',
        owner: { displayName: alice.email.split('@')[0] },
        expiresAt: null,
        requiresPassword: false,
        remainingFiles: 2,
        remainingBytes: 100,
        maxUploadSize: 1024 * 1024,
        allowedFileTypes: ['.bin', '.txt'],
      });
      expect(JSON.stringify(res.body)).not.toContain(alice.email);
    });

    it('answers 404 for unknown tokens and 410 request_expired for expired requests', async () => {
      for (const token of ['nope', 'A'.repeat(32), 'x'.repeat(300)]) {
        const res = await s.api.get(`/api/public/requests/${token}`);
        expect(res.status, token).toBe(404);
      }
      const request = await newRequest({ expiresAt: inAnHour() });
      await withDatabase(s, (db) =>
        db
          .updateTable('file_requests')
          .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
          .where('id', '=', request.id)
          .execute(),
      );
      const res = await s.api.get(`/api/public/requests/${tokenOf(request)}`);
      expect([res.status, errorCode(res)]).toEqual([410, 'request_expired']);
      expect(errorCode(await s.api.post(`/api/public/requests/${tokenOf(request)}/unlock`, { password: 'x' }))).toBe('request_expired');
      const upload = await createThrough(`Request ${tokenOf(request)}`, 10);
      expect([upload.status, errorCode(upload)]).toEqual([410, 'request_expired']);
    });

    it('unlocks with the password; the access token opens the tus endpoint for that request only', async () => {
      const request = await newRequest({ password: 'open sesame' });
      const other = await newRequest({ password: 'open sesame' });
      const token = tokenOf(request);
      const view = await s.api.get(`/api/public/requests/${token}`);
      expect(view.body.requiresPassword).toBe(true);

      const wrong = await s.api.post(`/api/public/requests/${token}/unlock`, { password: 'open says me' });
      expect([wrong.status, errorCode(wrong)]).toEqual([401, 'wrong_password']);
      expect(errorCode(await s.api.post(`/api/public/requests/${token}/unlock`, {}))).toBe('invalid_request');

      const unlocked = await s.api.post(`/api/public/requests/${token}/unlock`, { password: 'open sesame' });
      expect(unlocked.status).toBe(200);
      expect(Object.keys(unlocked.body).sort()).toEqual(['accessToken', 'expiresAt']);
      expect(Date.parse(unlocked.body.expiresAt)).toBeGreaterThan(Date.now());
      const access = unlocked.body.accessToken as string;

      // Without the access token, with a wrong one, or with one of another request: refused.
      for (const auth of [`Request ${token}`, `Request ${token}:garbage`, `Request ${tokenOf(other)}:${access}`]) {
        expect((await createThrough(auth, 5)).status, auth).toBe(401);
      }
      const created = await createThrough(`Request ${token}:${access}`, 5, { filename: 'a.txt' }, Buffer.from('hello'));
      expect(created.status).toBe(201);

      // Never an account token, and an account token is no access token.
      expect((await s.api.get('/api/auth/me', access)).status).toBe(401);
      expect((await s.api.get('/api/files', access)).status).toBe(401);
      expect((await createThrough(`Request ${token}:${alice.token}`, 5)).status).toBe(401);
      await expect(openSocket(s.url, access)).rejects.toMatchObject({ data: { code: 'invalid_token' } });

      // A new password locks out those who unlocked the old one.
      await s.api.patch(`/api/requests/${request.id}`, { password: 'another one' }, alice.token);
      expect((await createThrough(`Request ${token}:${access}`, 5)).status).toBe(401);
    }, 180_000);

    it('throttles wrong passwords: more than 10 a minute for one request get 429, others are unaffected', async () => {
      const request = await newRequest({ password: 'right password' });
      const other = await newRequest({ password: 'right password' });
      const token = tokenOf(request);
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push((await s.api.post(`/api/public/requests/${token}/unlock`, { password: `guess ${i}` })).status);
      expect(statuses).toEqual(Array(10).fill(401));
      const blocked = await s.api.post(`/api/public/requests/${token}/unlock`, { password: 'right password' });
      expect([blocked.status, errorCode(blocked)]).toEqual([429, 'too_many_requests']);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await s.api.post(`/api/public/requests/${tokenOf(other)}/unlock`, { password: 'right password' })).status).toBe(200);
    }, 180_000);

    it('takes parallel guesses no faster', async () => {
      const request = await newRequest({ password: 'right password' });
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) => s.api.post(`/api/public/requests/${tokenOf(request)}/unlock`, { password: `guess ${i}` })),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((st) => st === 401)).toHaveLength(10);
      expect(statuses.filter((st) => st === 429)).toHaveLength(6);
    }, 180_000);
  });

  describe('uploads through a link', () => {
    it("become the owner's files with `request` set, counted against the owner's quota and the request", async () => {
      const request = await newRequest({ title: 'Drop here' });
      const data = randomData(300);
      const created = await createThrough(`Request ${tokenOf(request)}`, data.length, { filename: 'from-dan.bin', uploader: '  Dan \u202e' }, data);
      expect(created.status).toBe(201);
      const file = await s.api.get(`/api/files/${created.id}`, alice.token);
      expect(file.status).toBe(200);
      expect(file.body).toMatchObject({
        filename: 'from-dan.bin',
        size: 300,
        owner: { id: alice.id },
        request: { id: request.id, title: 'Drop here', uploader: 'Dan' },
      });
      const me = await s.api.get('/api/auth/me', alice.token);
      expect(me.body.usage.files).toBeGreaterThanOrEqual(1);
      const after = await s.api.get(`/api/requests/${request.id}`, alice.token);
      expect(after.body).toMatchObject({ files: 1, bytes: 300 });
      // The owner's own uploads carry no request.
      const own = await createUpload(s.api, alice.token, { length: 1, metadata: { filename: 'own.txt' }, body: Buffer.from('x') });
      expect((await s.api.get(`/api/files/${own.id}`, alice.token)).body.request).toBeNull();
    });

    it('refuses an uploader name that is too long, and unknown or malformed links', async () => {
      const request = await newRequest();
      const long = await createThrough(`Request ${tokenOf(request)}`, 5, { filename: 'a.bin', uploader: 'x'.repeat(101) });
      expect([long.status, errorCode(long)]).toEqual([400, 'invalid_metadata']);
      for (const auth of ['Request ', 'Request nope', `Request ${'B'.repeat(32)}`, `Requests ${tokenOf(request)}`]) {
        expect((await createThrough(auth, 5)).status, auth).toBe(401);
      }
    });

    it("checks the request's maxFiles and maxBytes at creation, counting unfinished uploads: 413 request_full", async () => {
      const request = await newRequest({ maxFiles: 2, maxBytes: 1000 });
      const auth = `Request ${tokenOf(request)}`;
      // Too big on its own.
      const big = await createThrough(auth, 1001);
      expect([big.status, errorCode(big)]).toEqual([413, 'request_full']);
      // One unfinished upload holds 600 bytes: another 500 would pass maxBytes.
      const first = await createThrough(auth, 600);
      expect(first.status).toBe(201);
      expect(errorCode(await createThrough(auth, 500))).toBe('request_full');
      const second = await createThrough(auth, 400, { filename: 'b.bin' }, randomData(400));
      expect(second.status).toBe(201);
      // Two files (one unfinished) of two.
      expect(errorCode(await createThrough(auth, 1))).toBe('request_full');
      expect((await s.api.get(`/api/public/requests/${tokenOf(request)}`)).body).toMatchObject({ remainingFiles: 0, remainingBytes: 0 });
      // Terminating the unfinished one gives its place back.
      const terminated = await s.api.request('DELETE', first.path, { headers: { ...TUS_RESUMABLE, authorization: auth } });
      expect(terminated.status).toBe(204);
      expect((await createThrough(auth, 600)).status).toBe(201);
    });

    it('stops a deferred-length upload at maxBytes with request_full', async () => {
      const request = await newRequest({ maxBytes: 5000 });
      const auth = `Request ${tokenOf(request)}`;
      const created = await createUpload(s.api, '', { metadata: { filename: 'd.bin' }, headers: { authorization: auth } });
      expect(created.status).toBe(201);
      expect((await patchUpload(s.api, '', created.path, 0, randomData(4000), { authorization: auth })).status).toBe(204);
      const over = await patchUpload(s.api, '', created.path, 4000, randomData(8000), { authorization: auth });
      expect([over.status, errorCode(over)]).toEqual([413, 'request_full']);
      const head = await s.api.request('HEAD', created.path, { headers: { ...TUS_RESUMABLE, authorization: auth } });
      expect(Number(head.headers.get('upload-offset'))).toBeLessThanOrEqual(5000);
    });

    it('lets exactly maxFiles of many parallel creations through', async () => {
      const request = await newRequest({ maxFiles: 3 });
      const auth = `Request ${tokenOf(request)}`;
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => createThrough(auth, 10, { filename: `p${i}.bin` })));
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((st) => st === 201)).toHaveLength(3);
      expect(statuses.filter((st) => st === 413)).toHaveLength(9);
      const bytes = await newRequest({ maxBytes: 100 });
      const byBytes = await Promise.all(
        Array.from({ length: 10 }, (_, i) => createThrough(`Request ${tokenOf(bytes)}`, 30, { filename: `q${i}.bin` })),
      );
      expect(byBytes.filter((r) => r.status === 201)).toHaveLength(3);
    });

    it("still applies the deployment's limits and the owner's quota", async () => {
      const request = await newRequest();
      const auth = `Request ${tokenOf(request)}`;
      expect(errorCode(await createThrough(auth, 2 * 1024 * 1024))).toBe('file_too_large');
      expect(errorCode(await createThrough(auth, 5, { filename: 'evil.exe' }))).toBe('unsupported_file_type');
      expect(errorCode(await createThrough(auth, 5, {}))).toBe('missing_filename');
      const admin = await s.api.login(ADMIN.email, ADMIN.password);
      const dave = await s.api.newUser('dave');
      await s.api.patch(`/api/admin/users/${dave.id}`, { quotaBytes: 100 }, admin);
      const daves = await newRequest({}, dave.token);
      const over = await createThrough(`Request ${tokenOf(daves)}`, 101);
      expect([over.status, errorCode(over)]).toEqual([413, 'quota_exceeded']);
    });

    it('can HEAD, PATCH and DELETE only its own unfinished uploads, and call nothing else', async () => {
      const request = await newRequest();
      const other = await newRequest();
      const auth = `Request ${tokenOf(request)}`;
      const mine = await createThrough(auth, 10);
      const theirs = await createThrough(`Request ${tokenOf(other)}`, 10);
      const owners = await createUpload(s.api, alice.token, { length: 10, metadata: { filename: 'alice.bin' } });
      const bobs = await createUpload(s.api, bob.token, { length: 10, metadata: { filename: 'bob.bin' } });

      const head = (path: string) => s.api.request('HEAD', path, { headers: { ...TUS_RESUMABLE, authorization: auth } });
      expect((await head(mine.path)).status).toBe(200);
      expect((await patchUpload(s.api, '', mine.path, 0, Buffer.from('12345'), { authorization: auth })).status).toBe(204);
      for (const path of [theirs.path, owners.path, bobs.path]) {
        expect((await head(path)).status, path).toBe(404);
        expect((await patchUpload(s.api, '', path, 0, Buffer.from('12345'), { authorization: auth })).status, path).toBe(404);
        expect((await s.api.request('DELETE', path, { headers: { ...TUS_RESUMABLE, authorization: auth } })).status, path).toBe(404);
      }
      // The owner still sees and continues uploads made through their request.
      expect((await s.api.request('HEAD', mine.path, { token: alice.token, headers: TUS_RESUMABLE })).headers.get('upload-offset')).toBe('5');

      // Once finished, the upload is the owner's file: the link can neither read nor delete it.
      expect((await patchUpload(s.api, '', mine.path, 5, Buffer.from('67890'), { authorization: auth })).status).toBe(204);
      expect((await head(mine.path)).status).toBe(404);
      expect((await s.api.request('GET', mine.path, { headers: { authorization: auth } })).status).toBe(401);
      expect((await s.api.request('DELETE', mine.path, { headers: { ...TUS_RESUMABLE, authorization: auth } })).status).toBe(404);
      expect((await s.api.get(`/api/files/${mine.id}`, alice.token)).status).toBe(200);

      // Every other API route: 401.
      for (const [method, url] of [
        ['GET', '/api/files'],
        ['GET', `/api/files/${mine.id}`],
        ['GET', `/api/files/${mine.id}/content`],
        ['DELETE', `/api/files/${mine.id}`],
        ['GET', '/api/auth/me'],
        ['GET', '/api/requests'],
        ['POST', '/api/requests'],
        ['GET', '/api/config'],
        ['GET', '/api/jobs'],
        ['GET', '/api/admin/users'],
      ] as const) {
        const res = await s.api.request(method, url, { headers: { authorization: auth } });
        expect(res.status, `${method} ${url}`).toBe(401);
      }
      const form = new FormData();
      form.append('file', new Blob(['x']), 'x.txt');
      expect((await s.api.request('POST', '/api/files', { headers: { authorization: auth }, body: form })).status).toBe(401);
    });

    it('works the same over the IETF draft', async () => {
      const request = await newRequest({ maxFiles: 1 });
      const auth = `Request ${tokenOf(request)}`;
      const draft = (method: string, path: string, headers: Record<string, string>, body?: Buffer) =>
        s.api.request(method, path, { headers: { 'upload-draft-interop-version': '6', authorization: auth, ...headers }, body });
      const created = await draft(
        'POST',
        '/api/uploads/',
        { 'upload-complete': '?0', 'upload-length': '10', 'content-disposition': 'attachment; filename="draft.bin"', uploader: 'x' },
        Buffer.from('01234'),
      );
      expect(created.status).toBe(201);
      const path = new URL(created.headers.get('location')!, s.url).pathname;
      expect(
        errorCode(
          await draft('POST', '/api/uploads/', { 'upload-complete': '?1', 'content-disposition': 'attachment; filename="b.bin"' }, Buffer.from('x')),
        ),
      ).toBe('request_full');
      const bobs = await s.api.request('POST', '/api/uploads/', {
        token: bob.token,
        headers: {
          'upload-draft-interop-version': '6',
          'upload-complete': '?0',
          'upload-length': '4',
          'content-disposition': 'attachment; filename="bob.bin"',
        },
      });
      const bobsPath = new URL(bobs.headers.get('location')!, s.url).pathname;
      expect((await draft('HEAD', bobsPath, {})).status).toBe(404);
      expect((await draft('DELETE', bobsPath, {})).status).toBe(404);
      expect((await draft('HEAD', path, {})).headers.get('upload-offset')).toBe('5');
      const done = await draft(
        'PATCH',
        path,
        { 'upload-offset': '5', 'upload-complete': '?1', 'content-type': 'application/partial-upload' },
        Buffer.from('56789'),
      );
      expect(done.status).toBeLessThan(300);
      const id = path.split('/').pop()!;
      const file = await waitFor(async () => {
        const res = await s.api.get(`/api/files/${id}`, alice.token);
        return res.status === 200 ? (res as ApiResponse) : undefined;
      }, 'the draft upload to become a file');
      expect(file.body.request).toMatchObject({ id: request.id });
      expect((await draft('DELETE', path, {})).status).toBe(404);
    });

    it('never writes the link or its access token into the log', async () => {
      const request = await newRequest({ password: 'logged never' });
      const token = tokenOf(request);
      await s.api.get(`/api/public/requests/${token}`);
      await s.api.get(`/r/${token}`);
      await s.api.post(`/api/public/requests/${token}/unlock`, { password: 'wrong' });
      const access = (await s.api.post(`/api/public/requests/${token}/unlock`, { password: 'logged never' })).body.accessToken as string;
      await createThrough(`Request ${token}:${access}`, 1, { filename: 'x.bin' }, Buffer.from('x'));
      await createThrough(`Request ${token}`, 1);
      const lines = logged.text();
      expect(lines).toContain('/api/public/requests/[redacted]');
      expect(lines).toContain('"/r/[redacted]"');
      expect(lines).not.toContain(token);
      expect(lines).not.toContain(access);
    }, 180_000);
  });
});
