import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../helpers/services.js';
import { errorCode, startTestServer, type TestServer } from '../helpers/testServer.js';
import { createUpload, uploadFile } from '../helpers/tus.js';

const databases: Array<'sqlite' | 'postgres'> = ['sqlite', ...((await postgresAvailable()) ? (['postgres'] as const) : [])];
const password = 'a long enough password';
const unique = () => Math.random().toString(36).slice(2, 10);

describe.each(databases)('accounts: emails, display names and usage on %s', (database) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ database });
  });
  afterAll(() => s?.stop());

  describe('emails are one account whatever their Unicode form', () => {
    it('registers café in NFC, refuses NFD and upper case as taken, and signs in with any form', async () => {
      const tag = unique();
      const nfc = `caf\u00e9-${tag}@example.com`;
      const registered = await s.api.post('/api/auth/register', { email: nfc, password });
      expect(registered.status).toBe(201);
      expect(registered.body.user.email).toBe(nfc);
      for (const other of [nfc.normalize('NFD'), nfc.toUpperCase(), nfc.normalize('NFD').toUpperCase()]) {
        const again = await s.api.post('/api/auth/register', { email: other, password });
        expect(again.status, JSON.stringify(other)).toBe(409);
        expect(errorCode(again)).toBe('email_taken');
        const login = await s.api.post('/api/auth/login', { email: other, password });
        expect(login.status).toBe(200);
        expect(login.body.user.id).toBe(registered.body.user.id);
      }
    });

    it.each([
      ['a trailing zero-width space', '\u200b'],
      ['a trailing NUL', '\u0000'],
      ['a right-to-left override', '\u202e'],
      ['a BOM', '\ufeff'],
      ['a soft hyphen', '\u00ad'],
      ['a newline', '\n'],
      ['a left-to-right isolate', '\u2066'],
    ])('refuses an email with %s (400) at registration and sign-in', async (_what, char) => {
      const base = `victim-${unique()}@example.com`;
      expect((await s.api.post('/api/auth/register', { email: base, password })).status).toBe(201);
      for (const email of [`${base}${char}`, `${char}${base}`, base.replace('@', `${char}@`)]) {
        const register = await s.api.post('/api/auth/register', { email, password });
        expect(register.status).toBe(400);
        expect(errorCode(register)).toBe('invalid_email');
        const login = await s.api.post('/api/auth/login', { email, password });
        expect(login.status).toBe(400);
        expect(errorCode(login)).toBe('invalid_email');
      }
    });
  });

  describe('GET and PATCH /api/auth/me', () => {
    it('counts the bytes and files of finished files only', async () => {
      const user = await s.api.newUser();
      await uploadFile(s.api, user.token, Buffer.alloc(1000), { filename: 'a.bin' });
      await uploadFile(s.api, user.token, Buffer.alloc(234), { filename: 'b.bin' });
      expect((await createUpload(s.api, user.token, { length: 10_000, metadata: { filename: 'unfinished.bin' } })).status).toBe(201);
      const other = await s.api.newUser();
      await uploadFile(s.api, other.token, Buffer.alloc(77), { filename: 'c.bin' });
      const me = await s.api.get('/api/auth/me', user.token);
      expect(me.body.usage).toEqual({ bytes: 1234, files: 2, reservedBytes: 10_000, quotaBytes: null });
    });

    it('changes the display name, which the user, their files and sign-in then show', async () => {
      const user = await s.api.newUser();
      const id = await uploadFile(s.api, user.token, Buffer.from('x'), { filename: 'a.txt' });
      const patched = await s.api.patch('/api/auth/me', { displayName: '  Ada \u{1f469}\u200d\u{1f4bb} Lovelace ' }, user.token);
      expect(patched.status).toBe(200);
      expect(patched.body).toEqual({
        id: user.id,
        email: user.email,
        role: 'user',
        displayName: 'Ada \u{1f469}\u200d\u{1f4bb} Lovelace',
        usage: { bytes: 1, files: 1, reservedBytes: 0, quotaBytes: null },
      });
      expect((await s.api.get('/api/auth/me', user.token)).body.displayName).toBe('Ada \u{1f469}\u200d\u{1f4bb} Lovelace');
      expect((await s.api.get(`/api/files/${id}`, user.token)).body.owner).toEqual({
        id: user.id,
        email: user.email,
        displayName: 'Ada \u{1f469}\u200d\u{1f4bb} Lovelace',
      });
      expect((await s.api.post('/api/auth/login', { email: user.email, password: 'correct horse battery' })).body.user.displayName).toBe(
        'Ada \u{1f469}\u200d\u{1f4bb} Lovelace',
      );
    });

    it.each([
      [{ displayName: '' }, 'invalid_display_name'],
      [{ displayName: '    ' }, 'invalid_display_name'],
      [{ displayName: 'x'.repeat(65) }, 'invalid_display_name'],
      [{ displayName: 'a\u0000b' }, 'invalid_display_name'],
      [{ displayName: 'invoice\u202efdp.exe' }, 'invalid_display_name'],
      [{ displayName: '\u200b\u200b' }, 'invalid_display_name'],
      [{ displayName: 42 }, 'invalid_display_name'],
      [{ displayName: null }, 'invalid_display_name'],
      [{}, 'invalid_display_name'],
      [{ displayName: 'ok', role: 'admin' }, 'invalid_request'],
      [{ displayName: 'ok', email: 'other@example.com' }, 'invalid_request'],
      [JSON.parse('{"displayName":"ok","__proto__":{"role":"admin"}}'), 'invalid_request'],
      [['displayName'], 'invalid_request'],
      ['Ada', 'invalid_json'],
    ])('refuses %j with 400 and changes nothing', async (body, code) => {
      const user = await s.api.newUser();
      const res = await s.api.patch('/api/auth/me', body, user.token);
      expect(res.status).toBe(400);
      expect(errorCode(res)).toBe(code);
      const me = await s.api.get('/api/auth/me', user.token);
      expect(me.body).toMatchObject({ role: 'user', email: user.email, displayName: user.email.split('@')[0] });
    });

    it('needs a token', async () => {
      const res = await s.api.patch('/api/auth/me', { displayName: 'x' });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    });
  });
});
