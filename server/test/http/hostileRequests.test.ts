import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../helpers/services.js';
import { ADMIN, errorCode, startTestServer, type TestServer } from '../helpers/testServer.js';
import { uploadFile } from '../helpers/tus.js';

/** Sends bytes as they are (no client fixing them up) and returns the raw answer. */
function raw(s: TestServer, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(s.port, '127.0.0.1', () => socket.end(payload));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

function parseRaw(answer: string): { status: number; headers: string; body: any } {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head.toLowerCase(), body: body ? JSON.parse(body) : null };
}

describe('hostile requests', () => {
  let s: TestServer;
  let alice: Awaited<ReturnType<TestServer['api']['newUser']>>;
  let mallory: Awaited<ReturnType<TestServer['api']['newUser']>>;
  let fileId: string;
  beforeAll(async () => {
    s = await startTestServer();
    alice = await s.api.newUser('alice');
    mallory = await s.api.newUser('mallory');
    fileId = await uploadFile(s.api, alice.token, Buffer.from('alice only\n'), { filename: 'alice.txt', title: 'Original' });
  });
  afterAll(() => s?.stop());

  describe('that Node rejects before express sees them still get the contract JSON', () => {
    it.each([
      ['a 20 KB query string', () => `GET /api/files?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, 'headers_too_large'],
      ['a 20 KB header', () => `GET /api/files HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large'],
      ['a garbled request line', () => 'GARBAGE\r\n\r\n', 400, 'malformed_request'],
      [
        'two Content-Lengths',
        () => 'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
        400,
        'malformed_request',
      ],
      ['a NUL in a header', () => 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n', 400, 'malformed_request'],
    ])('%s', async (_what, payload, status, code) => {
      const answer = parseRaw(await raw(s, payload()));
      expect(answer.status).toBe(status);
      expect(answer.headers).toContain('content-type: application/json');
      expect(answer.body).toEqual({ error: { code, message: expect.any(String) } });
      expect((await s.api.get('/healthz')).status).toBe(200);
    });
  });

  describe('JSON bodies', () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      s.api.request('POST', '/api/auth/login', { headers: { 'content-type': 'application/json', ...headers }, body });

    it.each([
      ['nested 20,000 deep', '['.repeat(20_000) + ']'.repeat(20_000), {}, 400],
      ['over 64 KB', JSON.stringify({ email: 'x'.repeat(100_000) }), {}, 413],
      ['in an unsupported charset', '{}', { 'content-type': 'application/json; charset=utf-7' }, 400],
      ['gzip that is not gzip', 'not gzip', { 'content-encoding': 'gzip' }, 400],
      ['in an unknown encoding', '{}', { 'content-encoding': 'zstd' }, 415],
    ])('%s is refused with the contract error', async (_what, body, headers, status) => {
      const res = await post(body, headers);
      expect(res.status).toBe(status);
      errorCode(res);
    });

    it('a gzip bomb stops at the 64 KB limit after inflating', async () => {
      const bomb = gzipSync(Buffer.from(`{"email":"${'a'.repeat(50 * 1024 * 1024)}"}`));
      const res = await s.api.request('POST', '/api/auth/login', {
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: bomb,
      });
      expect(res.status).toBe(413);
      expect(errorCode(res)).toBe('payload_too_large');
    });

    it('prototype keys change nothing: not a file, not an account', async () => {
      const patch = await s.api.request('PATCH', `/api/files/${fileId}`, {
        token: alice.token,
        headers: { 'content-type': 'application/json' },
        body: '{"__proto__":{"title":"polluted"},"constructor":{"prototype":{"title":"polluted"}}}',
      });
      expect(patch.status).toBe(400);
      expect((await s.api.get(`/api/files/${fileId}`, alice.token)).body.title).toBe('Original');
      const register = await s.api.request('POST', '/api/auth/register', {
        headers: { 'content-type': 'application/json' },
        body: '{"__proto__":{"email":"proto@example.com","password":"password123","role":"admin"}}',
      });
      expect(register.status).toBe(400);
      expect(({} as Record<string, unknown>).title).toBeUndefined();
      expect(({} as Record<string, unknown>).role).toBeUndefined();
    });
  });

  it("someone else's file is 404 on every files route", async () => {
    const calls: Array<[string, string, unknown?]> = [
      ['GET', `/api/files/${fileId}`],
      ['PATCH', `/api/files/${fileId}`, { title: 'mine now' }],
      ['GET', `/api/files/${fileId}/content`],
      ['GET', `/api/files/${fileId}/thumbnail`],
      ['POST', `/api/files/${fileId}/download-link`],
      ['POST', `/api/files/${fileId}/reprocess`],
      ['GET', `/api/uploads/${fileId}`],
      ['DELETE', `/api/uploads/${fileId}`],
      ['DELETE', `/api/files/${fileId}`],
    ];
    for (const [method, url, json] of calls) {
      const res = await s.api.request(method, url, {
        token: mallory.token,
        json,
        headers: url.startsWith('/api/uploads') ? { 'tus-resumable': '1.0.0' } : {},
      });
      expect(res.status, `${method} ${url}`).toBe(404);
      errorCode(res);
    }
    expect((await s.api.get(`/api/files/${fileId}`, alice.token)).body.title).toBe('Original');
    expect((await s.api.get(`/api/files/${fileId}/content`, alice.token)).body).toBe('alice only\n');
  });

  it.each([
    ['a repeated limit', '/api/files?limit=1&limit=2', 400],
    ['a cursor of 3,000 characters', `/api/files?cursor=${'A'.repeat(3000)}`, 400],
    ['a cursor holding objects', `/api/files?cursor=${Buffer.from('{"createdAt":{"a":1},"id":[1]}').toString('base64url')}`, 400],
    ['a year past what Date holds', '/api/files?from=275760-09-14', 400],
    ['a malformed percent-encoding', '/api/files/%E0%A4%A', 400],
    ['a NUL in the id', '/api/files/%00', 404],
    ['an id of 5,000 characters', `/api/files/${'a'.repeat(5000)}`, 404],
  ])('a query with %s is a 4xx in the contract format', async (_what, url, status) => {
    const res = await s.api.get(url, alice.token);
    expect(res.status).toBe(status);
    errorCode(res);
  });
});

const withPostgres = await postgresAvailable();

/** PostgreSQL refuses NUL in text parameters; a NUL from a client must never reach it as a 500. */
describe.skipIf(!withPostgres)('NUL characters against PostgreSQL', () => {
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    s = await startTestServer({ database: 'postgres' });
    admin = await s.api.login(ADMIN.email, ADMIN.password);
  });
  afterAll(() => s?.stop());

  it.each([
    ['GET', '/api/files?q=a%00b'],
    ['GET', '/api/files?q=%00&owner=all'],
    ['GET', '/api/jobs/a%00b'],
    ['POST', '/api/jobs/a%00b/retry'],
    ['DELETE', '/api/jobs/a%00b'],
    ['GET', '/api/jobs?status=a%00'],
    ['GET', '/api/files/a%00b'],
  ])('%s %s answers below 500 in the contract format', async (method, url) => {
    const res = await s.api.request(method, url, { token: admin });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
    if (res.status >= 400) errorCode(res);
  });

  it.each([
    ['register', '/api/auth/register', { email: 'a\u0000@example.com', password: 'password123' }],
    ['login', '/api/auth/login', { email: 'a\u0000@example.com', password: 'password123' }],
    ['refresh', '/api/auth/refresh', { refreshToken: 'a\u0000b' }],
  ])('%s with a NUL answers below 500', async (_what, url, body) => {
    const res = await s.api.post(url, body);
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
    errorCode(res);
  });

  it('a file PATCH with NUL in its fields answers below 500', async () => {
    const user = await s.api.newUser();
    const id = await uploadFile(s.api, user.token, Buffer.from('x'), { filename: 'x.txt' });
    const res = await s.api.patch(`/api/files/${id}`, { title: 'a\u0000b', description: 'c\u0000d', filename: 'e\u0000f.txt' }, user.token);
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
    const display = await s.api.patch('/api/auth/me', { displayName: 'a\u0000b' }, user.token);
    expect(display.status).toBe(400);
  });
});
