import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable, REDIS_URL, redisAvailable } from '../helpers/services.js';
import { collect, openSocket } from '../helpers/sockets.js';
import { capturedLog, ADMIN, type ApiResponse, errorCode, startTestServer, waitFor, withDatabase, type TestServer } from '../helpers/testServer.js';
import { randomData, uploadFile } from '../helpers/tus.js';
import { pythonEntries, sevenZipTest, unzipTest, ZIP_TOOLS } from '../helpers/zipTools.js';

const databases: Array<'sqlite' | 'postgres'> = ['sqlite', ...((await postgresAvailable()) ? (['postgres'] as const) : [])];

const SHARE_KEYS = ['id', 'url', 'fileIds', 'files', 'note', 'expiresAt', 'hasPassword', 'maxDownloads', 'downloads', 'createdAt'].sort();
const PUBLIC_KEYS = ['files', 'note', 'expiresAt', 'owner', 'requiresPassword'].sort();
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

/** A public call's raw response: bytes kept as bytes. */
async function raw(base: string, path: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(base + path, { method, headers });
  const body = Buffer.from(await res.arrayBuffer());
  const json = res.headers.get('content-type')?.includes('json') ? JSON.parse(body.toString()) : undefined;
  return { status: res.status, headers: res.headers, body, json };
}

describe.each(databases)('shares on %s', (database) => {
  let s: TestServer;
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };
  let admin: string;
  const bytes: Record<string, Buffer> = {};
  const ids: Record<string, string> = {};
  const logged = capturedLog();
  /** Every secret the suite saw: none may appear in the log. */
  const secrets: string[] = [];
  let aliceSocket: Socket;
  let bobSocket: Socket;
  let aliceHears: Array<{ shareId: string; fileId: string | null; downloads: number }>;
  let bobHears: unknown[];
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dropline-shares-'));
    s = await startTestServer({ database, log: logged.log, env: { RUN_WORKERS: 'false' } });
    alice = await s.api.newUser('alice');
    bob = await s.api.newUser('bob');
    admin = await s.api.login(ADMIN.email, ADMIN.password);
    const files: Array<[string, Buffer, string, string]> = [
      ['photo', randomData(5000), 'photo ünïcode "1".png', 'image/png'],
      ['notes', Buffer.from('plain <b>text</b>\n'), 'notes.txt', 'text/plain'],
      ['page', Buffer.from('<script>alert(1)</script>'), 'page.html', 'text/html'],
      ['vector', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'vector.svg', 'image/svg+xml'],
      ['big', randomData(300_000), 'big.bin', 'application/octet-stream'],
    ];
    for (const [key, data, filename, filetype] of files) {
      bytes[key] = data;
      ids[key] = await uploadFile(s.api, alice.token, data, { filename, filetype });
    }
    ids.bobs = await uploadFile(s.api, bob.token, Buffer.from('bob only'), { filename: 'bob.txt' });
    aliceSocket = await openSocket(s.url, alice.token);
    bobSocket = await openSocket(s.url, bob.token);
    aliceHears = collect(aliceSocket, 'share:downloaded');
    bobHears = collect(bobSocket, 'share:downloaded');
  });
  afterAll(async () => {
    aliceSocket?.close();
    bobSocket?.close();
    await s?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const create = async (body: Record<string, unknown>, token = alice.token) => {
    const res = await s.api.post('/api/shares', body, token);
    if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
    secrets.push(linkToken(res.body.url));
    return res.body as { id: string; url: string; fileIds: string[]; downloads: number };
  };
  const linkToken = (url: string) => url.split('/').pop()!;
  const pub = (url: string, rest = '') => `/api/public/shares/${linkToken(url)}${rest}`;
  const unlock = async (url: string, password: string) => {
    const res = await s.api.post(pub(url, '/unlock'), { password });
    if (res.status === 200) secrets.push(res.body.accessToken);
    return res;
  };
  const downloadsOf = async (id: string) => (await s.api.get(`/api/shares/${id}`, alice.token)).body.downloads as number;

  describe('the owner', () => {
    it('creates a share: 201 Share with an absolute url carrying 128 random bits', async () => {
      const res = await s.api.post(
        '/api/shares',
        { fileIds: [ids.photo, ids.notes, ids.photo], note: ' For  you\n', maxDownloads: 5, expiresAt: inAnHour() },
        alice.token,
      );
      expect(res.status).toBe(201);
      secrets.push(linkToken(res.body.url));
      expect(Object.keys(res.body).sort()).toEqual(SHARE_KEYS);
      expect(res.body.url).toMatch(new RegExp(`^${s.url}/s/[A-Za-z0-9_-]{22}$`));
      expect(res.body.fileIds).toEqual([ids.photo, ids.notes]);
      expect(res.body.files).toEqual([
        { id: ids.photo, filename: 'photo ünïcode "1".png', size: 5000, mimeType: 'image/png' },
        { id: ids.notes, filename: 'notes.txt', size: bytes.notes!.length, mimeType: 'text/plain' },
      ]);
      expect(res.body).toMatchObject({ note: 'For  you', hasPassword: false, maxDownloads: 5, downloads: 0 });
      expect(Date.parse(res.body.expiresAt)).toBeGreaterThan(Date.now());
      expect(Date.parse(res.body.createdAt)).not.toBeNaN();
      const plain = await create({ fileIds: [ids.notes] });
      expect(plain).toMatchObject({ expiresAt: null, maxDownloads: null, note: null, hasPassword: false });
      expect(linkToken(plain.url)).not.toBe(linkToken(res.body.url));
    });

    it('refuses bad shares with the contract failures', async () => {
      const post = (body: unknown) => s.api.post('/api/shares', body, alice.token);
      const cases: Array<[unknown, number, string]> = [
        [{ fileIds: [] }, 400, 'invalid_file_ids'],
        [{}, 400, 'invalid_file_ids'],
        [{ fileIds: Array.from({ length: 101 }, (_, i) => `f${i}`) }, 400, 'invalid_file_ids'],
        [{ fileIds: [ids.photo], expiresAt: new Date(Date.now() - 1000).toISOString() }, 400, 'invalid_expires_at'],
        [{ fileIds: [ids.photo], expiresAt: 'tomorrow' }, 400, 'invalid_expires_at'],
        [{ fileIds: [ids.photo], password: 'abc' }, 400, 'invalid_password'],
        [{ fileIds: [ids.photo], maxDownloads: 0 }, 400, 'invalid_max_downloads'],
        [{ fileIds: [ids.photo], maxDownloads: 1.5 }, 400, 'invalid_max_downloads'],
        [{ fileIds: [ids.photo], note: 'x'.repeat(2001) }, 400, 'invalid_note'],
        [{ fileIds: [ids.photo], owner: 'me' }, 400, 'invalid_request'],
        [{ fileIds: [ids.photo, ids.bobs] }, 404, 'not_found'],
        [{ fileIds: ['no-such-file'] }, 404, 'not_found'],
        [{ fileIds: ['../../etc/passwd'] }, 404, 'not_found'],
      ];
      for (const [body, status, code] of cases) {
        const res = await post(body);
        expect([JSON.stringify(body).slice(0, 60), res.status, errorCode(res)]).toEqual([JSON.stringify(body).slice(0, 60), status, code]);
      }
      expect((await s.api.post('/api/shares', { fileIds: [ids.photo] })).status).toBe(401);
      // An admin may share anyone's file (the one owner rule); the share is the admin's.
      expect((await s.api.post('/api/shares', { fileIds: [ids.bobs] }, admin)).status).toBe(201);
    });

    it("lists the caller's shares newest first, a cursor page at a time", async () => {
      const user = await s.api.newUser('lister');
      const file = await uploadFile(s.api, user.token, Buffer.from('x'), { filename: 'x.txt' });
      const made: string[] = [];
      for (let i = 0; i < 5; i++) made.unshift((await create({ fileIds: [file], note: `n${i}` }, user.token)).id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: ApiResponse = await s.api.get(`/api/shares?limit=2${cursor ? `&cursor=${cursor}` : ''}`, user.token);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        for (const item of res.body.items) expect(Object.keys(item).sort()).toEqual(SHARE_KEYS);
        seen.push(...res.body.items.map((i: { id: string }) => i.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(made);
      const all = await s.api.get('/api/shares', user.token);
      expect(all.body.items.map((i: { id: string }) => i.id)).toEqual(made);
      expect(all.body.nextCursor).toBeNull();
      expect((await s.api.get('/api/shares', bob.token)).body.items).toEqual([]);
      for (const bad of ['?limit=0', '?limit=101', '?limit=x', '?cursor=nonsense']) {
        const res = await s.api.get(`/api/shares${bad}`, user.token);
        expect([bad, res.status, errorCode(res)]).toEqual([bad, 400, 'invalid_query']);
      }
    });

    it("gets, changes and revokes its own shares; someone else's are 404 on every call", async () => {
      const share = await create({ fileIds: [ids.notes], note: 'first' });
      const got = await s.api.get(`/api/shares/${share.id}`, alice.token);
      expect(got.status).toBe(200);
      expect(got.body).toEqual(share);
      for (const res of [
        await s.api.get(`/api/shares/${share.id}`, bob.token),
        await s.api.patch(`/api/shares/${share.id}`, { note: 'mine now' }, bob.token),
        await s.api.delete(`/api/shares/${share.id}`, bob.token),
        await s.api.get('/api/shares/no-such-share', alice.token),
        await s.api.patch('/api/shares/no-such-share', { note: 'x' }, alice.token),
        await s.api.delete('/api/shares/no-such-share', alice.token),
      ]) {
        expect([res.status, errorCode(res)]).toEqual([404, 'not_found']);
      }
      expect((await s.api.get(`/api/shares/${share.id}`, admin)).status).toBe(200);

      const expiresAt = inAnHour();
      const changed = await s.api.patch(
        `/api/shares/${share.id}`,
        { note: 'second', expiresAt, maxDownloads: 3, password: 'open sesame' },
        alice.token,
      );
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ note: 'second', expiresAt, maxDownloads: 3, hasPassword: true, url: share.url });
      const cleared = await s.api.patch(`/api/shares/${share.id}`, { password: null, expiresAt: null, maxDownloads: null, note: null }, alice.token);
      expect(cleared.body).toMatchObject({ note: null, expiresAt: null, maxDownloads: null, hasPassword: false });
      for (const [body, code] of [
        [{}, 'invalid_request'],
        [{ fileIds: [ids.photo] }, 'invalid_request'],
        [{ expiresAt: '2000-01-01T00:00:00Z' }, 'invalid_expires_at'],
        [{ password: 'abc' }, 'invalid_password'],
        [{ maxDownloads: -1 }, 'invalid_max_downloads'],
      ] as const) {
        const res = await s.api.patch(`/api/shares/${share.id}`, body, alice.token);
        expect([JSON.stringify(body), res.status, errorCode(res)]).toEqual([JSON.stringify(body), 400, code]);
      }
      expect((await s.api.get(pub(share.url))).status).toBe(200);
      expect((await s.api.delete(`/api/shares/${share.id}`, alice.token)).status).toBe(204);
      expect((await s.api.get(`/api/shares/${share.id}`, alice.token)).status).toBe(404);
    });
  });

  describe('the public side', () => {
    it('shows a share to anyone, with exactly the contract fields', async () => {
      const share = await create({ fileIds: [ids.photo, ids.notes], note: 'hello', expiresAt: inAnHour() });
      const res = await s.api.get(pub(share.url));
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(PUBLIC_KEYS);
      expect(res.body).toMatchObject({ note: 'hello', requiresPassword: false, owner: { displayName: expect.stringMatching(/^alice-/) } });
      expect(res.body.owner).toEqual({ displayName: expect.any(String) });
      expect(res.body.files).toEqual([
        { id: ids.photo, filename: 'photo ünïcode "1".png', size: 5000, mimeType: 'image/png', sha256: null },
        { id: ids.notes, filename: 'notes.txt', size: bytes.notes!.length, mimeType: 'text/plain', sha256: null },
      ]);
    });

    it('answers 404 for unknown links and 410 share_expired for expired ones', async () => {
      for (const token of ['AAAAAAAAAAAAAAAAAAAAAA', 'short', '..%2F..%2Fetc', 'x'.repeat(5000)]) {
        const res = await s.api.get(`/api/public/shares/${token}`);
        expect([token.slice(0, 20), res.status]).toEqual([token.slice(0, 20), 404]);
        expect((await s.api.get(`/api/public/shares/${token}/files/${ids.photo}`)).status).toBe(404);
      }
      const share = await create({ fileIds: [ids.photo], expiresAt: inAnHour(), password: 'pass word' });
      await withDatabase(s, (db) =>
        db
          .updateTable('shares')
          .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
          .where('id', '=', share.id)
          .execute(),
      );
      for (const res of [
        await s.api.get(pub(share.url)),
        await s.api.get(pub(share.url, `/files/${ids.photo}`)),
        await s.api.post(pub(share.url, '/unlock'), { password: 'pass word' }),
      ]) {
        expect([res.status, errorCode(res)]).toEqual([410, 'share_expired']);
      }
    });

    it('downloads a file as an attachment with its exact name; Range resumes with 206 and does not count', async () => {
      const share = await create({ fileIds: [ids.big, ids.photo] });
      const whole = await raw(s.url, pub(share.url, `/files/${ids.big}`));
      expect(whole.status).toBe(200);
      expect(whole.body.equals(bytes.big!)).toBe(true);
      expect(whole.headers.get('content-length')).toBe(String(bytes.big!.length));
      expect(whole.headers.get('accept-ranges')).toBe('bytes');
      expect(whole.headers.get('content-disposition')).toBe('attachment; filename="big.bin"; filename*=UTF-8\'\'big.bin');
      expect(whole.headers.get('content-security-policy')).toBe('sandbox');
      expect(whole.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await downloadsOf(share.id)).toBe(1);

      const photo = await raw(s.url, pub(share.url, `/files/${ids.photo}`));
      expect(photo.headers.get('content-disposition')).toBe(
        `attachment; filename="photo _n_code _1_.png"; filename*=UTF-8''photo%20%C3%BCn%C3%AFcode%20%221%22.png`,
      );
      expect(await downloadsOf(share.id)).toBe(2);

      // An interrupted download resumes from where it stopped: same bytes, no new download.
      const cut = 123_456;
      const rest = await raw(s.url, pub(share.url, `/files/${ids.big}`), { range: `bytes=${cut}-` });
      expect(rest.status).toBe(206);
      expect(rest.headers.get('content-range')).toBe(`bytes ${cut}-${bytes.big!.length - 1}/${bytes.big!.length}`);
      expect(Buffer.concat([whole.body.subarray(0, cut), rest.body]).equals(bytes.big!)).toBe(true);
      expect((await raw(s.url, pub(share.url, `/files/${ids.big}`), { range: 'bytes=-100' })).status).toBe(206);
      expect((await raw(s.url, pub(share.url, `/files/${ids.big}`), {}, 'HEAD')).status).toBe(200);
      expect(await downloadsOf(share.id)).toBe(2);
      // A range from byte 0 begins a download.
      expect((await raw(s.url, pub(share.url, `/files/${ids.big}`), { range: 'bytes=0-99' })).status).toBe(206);
      expect(await downloadsOf(share.id)).toBe(3);
      const outside = await raw(s.url, pub(share.url, `/files/${ids.big}`), { range: 'bytes=999999999-' });
      expect([outside.status, outside.json?.error.code]).toEqual([416, 'range_not_satisfiable']);

      for (const other of [ids.notes, ids.bobs, 'no-such-file', 'a.b']) {
        const res = await s.api.get(pub(share.url, `/files/${other}`));
        expect([other, res.status]).toEqual([other, 404]);
      }
    });

    it('serves previews inline only for safe types, always sandboxed and nosniff', async () => {
      const share = await create({ fileIds: [ids.photo, ids.notes, ids.page, ids.vector, ids.big] });
      const preview = async (id: string) => raw(s.url, pub(share.url, `/files/${id}?inline=1`));
      const photo = await preview(ids.photo!);
      expect(photo.status).toBe(200);
      expect(photo.headers.get('content-disposition')).toMatch(/^inline; /);
      expect(photo.headers.get('content-type')).toBe('image/png');
      const notes = await preview(ids.notes!);
      expect(notes.headers.get('content-disposition')).toMatch(/^inline; /);
      expect(notes.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      for (const id of [ids.page!, ids.vector!, ids.big!]) {
        const res = await preview(id);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-disposition')).toMatch(/^attachment; /);
      }
      for (const res of [photo, notes, await preview(ids.page!), await preview(ids.vector!)]) {
        expect(res.headers.get('content-security-policy')).toBe('sandbox');
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      }
      const bad = await s.api.get(pub(share.url, `/files/${ids.photo}?inline=yes`));
      expect(bad.status).toBe(400);
    });

    it('does not count a preview as a download: a one-download link still gives its file after being looked at', async () => {
      const share = await create({ fileIds: [ids.photo, ids.page], maxDownloads: 1 });
      for (let i = 0; i < 3; i++) expect((await raw(s.url, pub(share.url, `/files/${ids.photo}?inline=1`))).status).toBe(200);
      // A file that cannot be previewed goes out as an attachment even with ?inline=1, and that counts.
      expect((await raw(s.url, pub(share.url, `/files/${ids.page}?inline=1`))).status).toBe(200);
      expect((await s.api.get(`/api/shares/${share.id}`, alice.token)).body.downloads).toBe(1);
      expect((await raw(s.url, pub(share.url, `/files/${ids.photo}`))).status).toBe(410);
    });

    it('tells the owner live when a download starts (not for a resumed one, not to others)', async () => {
      const share = await create({ fileIds: [ids.notes] });
      const before = aliceHears.length;
      await raw(s.url, pub(share.url, `/files/${ids.notes}`));
      await raw(s.url, pub(share.url, `/files/${ids.notes}`), { range: 'bytes=3-' });
      await raw(s.url, pub(share.url, `/files/${ids.notes}`));
      await waitFor(async () => aliceHears.length >= before + 2, 'share:downloaded events');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(aliceHears.slice(before)).toEqual([
        { shareId: share.id, fileId: ids.notes, downloads: 1 },
        { shareId: share.id, fileId: ids.notes, downloads: 2 },
      ]);
      expect(bobHears).toEqual([]);
    });
  });

  describe('passwords', () => {
    it('hides the files until unlocked; the access token goes in Authorization or ?access=', async () => {
      const share = await create({ fileIds: [ids.notes], password: 'open sesame' });
      const locked = await s.api.get(pub(share.url));
      expect(locked.body).toMatchObject({ files: [], requiresPassword: true });
      const noAccess = await s.api.get(pub(share.url, `/files/${ids.notes}`));
      expect([noAccess.status, errorCode(noAccess)]).toEqual([401, 'password_required']);

      const wrong = await unlock(share.url, 'open sesame!');
      expect([wrong.status, errorCode(wrong)]).toEqual([401, 'wrong_password']);
      const right = await unlock(share.url, 'open sesame');
      expect(right.status).toBe(200);
      expect(Object.keys(right.body).sort()).toEqual(['accessToken', 'expiresAt']);
      expect(Date.parse(right.body.expiresAt)).toBeGreaterThan(Date.now());
      const access = right.body.accessToken as string;

      expect((await s.api.get(pub(share.url), access)).body.files.map((f: { id: string }) => f.id)).toEqual([ids.notes]);
      expect((await s.api.get(pub(share.url, `?access=${access}`))).body.files).toHaveLength(1);
      const viaHeader = await raw(s.url, pub(share.url, `/files/${ids.notes}`), { authorization: `Bearer ${access}` });
      expect(viaHeader.body.equals(bytes.notes!)).toBe(true);
      const viaQuery = await raw(s.url, pub(share.url, `/files/${ids.notes}?access=${encodeURIComponent(access)}`));
      expect(viaQuery.status).toBe(200);

      // Changing the password ends every access token issued under the old one.
      await s.api.patch(`/api/shares/${share.id}`, { password: 'new secret' }, alice.token);
      const stale = await s.api.get(pub(share.url, `/files/${ids.notes}`), access);
      expect([stale.status, errorCode(stale)]).toEqual([401, 'invalid_token']);
      expect((await s.api.get(pub(share.url), access)).body.files).toEqual([]);
      const noPassword = await s.api.post(`/api/public/shares/${linkToken((await create({ fileIds: [ids.notes] })).url)}/unlock`, { password: 'x' });
      expect([noPassword.status, errorCode(noPassword)]).toEqual([400, 'no_password']);
      expect((await s.api.post(pub(share.url, '/unlock'), {})).status).toBe(400);
    });

    it('keeps share access and account tokens apart, and one share from another', async () => {
      const one = await create({ fileIds: [ids.notes], password: 'first one' });
      const two = await create({ fileIds: [ids.notes], password: 'second one' });
      const access = (await unlock(one.url, 'first one')).body.accessToken as string;
      // A share's access token is no account token ...
      expect((await s.api.get('/api/files', access)).status).toBe(401);
      expect((await s.api.get('/api/auth/me', access)).status).toBe(401);
      await expect(openSocket(s.url, access)).rejects.toThrow();
      // ... nor good for another share ...
      const other = await s.api.get(pub(two.url, `/files/${ids.notes}`), access);
      expect([other.status, errorCode(other)]).toEqual([401, 'invalid_token']);
      // ... and an account token (even the owner's) unlocks nothing.
      for (const token of [alice.token, admin]) {
        const res = await s.api.get(pub(one.url, `/files/${ids.notes}`), token);
        expect([res.status, errorCode(res)]).toEqual([401, 'invalid_token']);
      }
      const forged = `${access.slice(0, -4)}AAAA`;
      expect((await s.api.get(pub(one.url, `/files/${ids.notes}`), forged)).status).toBe(401);
    });

    // 13 scrypt checks and two hashes, one after another: seconds on a quiet machine, more under load.
    it('refuses more than 10 wrong passwords a minute for one share with 429, the right one included', { timeout: 90_000 }, async () => {
      const share = await create({ fileIds: [ids.notes], password: 'the real one' });
      const neighbour = await create({ fileIds: [ids.notes], password: 'the real one' });
      for (let i = 0; i < 10; i++) expect((await unlock(share.url, `guess ${i}`)).status).toBe(401);
      const blocked = await unlock(share.url, 'guess 11');
      expect([blocked.status, errorCode(blocked)]).toEqual([429, 'too_many_requests']);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await unlock(share.url, 'the real one')).status).toBe(429);
      // Another share is not affected.
      expect((await unlock(neighbour.url, 'the real one')).status).toBe(200);
    });
  });

  describe.skipIf(!ZIP_TOOLS)('download all as one ZIP', () => {
    it('is a stored ZIP with Content-Length up front that unzip, 7z and Python accept, byte for byte', async () => {
      const share = await create({ fileIds: [ids.photo, ids.notes, ids.big], note: 'Holiday photos\nand more' });
      // A file stored before CRC-32s were kept gets its own computed on the way.
      await withDatabase(s, (db) => db.updateTable('files').set({ crc32: null }).where('id', '=', ids.photo!).execute());
      const before = aliceHears.length;
      const whole = await raw(s.url, pub(share.url, '/zip'));
      expect(whole.status).toBe(200);
      expect(whole.headers.get('content-type')).toBe('application/zip');
      expect(whole.headers.get('content-length')).toBe(String(whole.body.length));
      expect(whole.headers.get('accept-ranges')).toBe('bytes');
      expect(whole.headers.get('content-disposition')).toBe(`attachment; filename="Holiday photos.zip"; filename*=UTF-8''Holiday%20photos.zip`);
      expect(whole.headers.get('content-security-policy')).toBe('sandbox');
      const file = path.join(dir, `${database}-all.zip`);
      await writeFile(file, whole.body);
      await unzipTest(file);
      await sevenZipTest(file);
      const entries = await pythonEntries(file);
      expect(entries.map((e) => [e.name, e.size, e.compressType])).toEqual([
        ['photo ünïcode "1".png', 5000, 0],
        ['notes.txt', bytes.notes!.length, 0],
        ['big.bin', bytes.big!.length, 0],
      ]);
      expect(entries.map((e) => e.readCrc32)).toEqual([bytes.photo!, bytes.notes!, bytes.big!].map((b) => zlib.crc32(b)));
      expect(await downloadsOf(share.id)).toBe(1);
      await waitFor(async () => aliceHears.length > before, 'share:downloaded for the ZIP');
      expect(aliceHears.at(-1)).toEqual({ shareId: share.id, fileId: null, downloads: 1 });

      // An interrupted download resumes with If-Range and ends byte-identical, counted once.
      const cut = 150_001;
      const etag = whole.headers.get('etag')!;
      const rest = await raw(s.url, pub(share.url, '/zip'), { range: `bytes=${cut}-`, 'if-range': etag });
      expect(rest.status).toBe(206);
      expect(rest.headers.get('content-range')).toBe(`bytes ${cut}-${whole.body.length - 1}/${whole.body.length}`);
      expect(Buffer.concat([whole.body.subarray(0, cut), rest.body]).equals(whole.body)).toBe(true);
      const middle = await raw(s.url, pub(share.url, '/zip'), { range: 'bytes=100-199' });
      expect(middle.body.equals(whole.body.subarray(100, 200))).toBe(true);
      expect(await downloadsOf(share.id)).toBe(1);
      // A stale validator gets the whole archive again: a new download.
      const stale = await raw(s.url, pub(share.url, '/zip'), { range: `bytes=${cut}-`, 'if-range': '"zip-other"' });
      expect(stale.status).toBe(200);
      expect(await downloadsOf(share.id)).toBe(2);
      const outside = await raw(s.url, pub(share.url, '/zip'), { range: `bytes=${whole.body.length}-` });
      expect([outside.status, outside.json?.error.code]).toEqual([416, 'range_not_satisfiable']);
      const head = await raw(s.url, pub(share.url, '/zip'), {}, 'HEAD');
      expect([head.status, head.headers.get('content-length')]).toEqual([200, String(whole.body.length)]);
      expect(await downloadsOf(share.id)).toBe(2);
    });

    it('keeps the limit, the password and revocation', async () => {
      const share = await create({ fileIds: [ids.notes, ids.photo], maxDownloads: 1, password: 'zip secret' });
      expect((await raw(s.url, pub(share.url, '/zip'))).status).toBe(401);
      const access = (await unlock(share.url, 'zip secret')).body.accessToken as string;
      const results = await Promise.all(Array.from({ length: 12 }, () => raw(s.url, pub(share.url, `/zip?access=${access}`))));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      expect(results.filter((r) => r.status === 410)).toHaveLength(11);
      const other = await create({ fileIds: [ids.notes] });
      await s.api.delete(`/api/shares/${other.id}`, alice.token);
      expect((await raw(s.url, pub(other.url, '/zip'))).status).toBe(404);
    });
  });

  describe('limits and revocation', () => {
    it('of N simultaneous first downloads with one left, exactly one gets the bytes', async () => {
      const share = await create({ fileIds: [ids.big], maxDownloads: 1 });
      const results = await Promise.all(Array.from({ length: 24 }, () => raw(s.url, pub(share.url, `/files/${ids.big}`))));
      const ok = results.filter((r) => r.status === 200);
      expect(ok).toHaveLength(1);
      expect(ok[0]!.body.equals(bytes.big!)).toBe(true);
      for (const r of results.filter((r) => r.status !== 200)) expect([r.status, r.json?.error.code]).toEqual([410, 'download_limit_reached']);
      expect(await downloadsOf(share.id)).toBe(1);
      // The used-up page says so; the one download still resumes.
      const page = await s.api.get(pub(share.url));
      expect([page.status, errorCode(page)]).toEqual([410, 'download_limit_reached']);
      expect((await raw(s.url, pub(share.url, `/files/${ids.big}`), { range: 'bytes=1000-' })).status).toBe(206);
      expect((await raw(s.url, pub(share.url, `/files/${ids.big}`))).status).toBe(410);
    });

    it('with three left, exactly three of many simultaneous downloads win', async () => {
      const share = await create({ fileIds: [ids.notes, ids.photo], maxDownloads: 3 });
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => raw(s.url, pub(share.url, `/files/${i % 2 ? ids.notes : ids.photo}`))));
      expect(results.filter((r) => r.status === 200)).toHaveLength(3);
      expect(results.filter((r) => r.status === 410)).toHaveLength(17);
      expect(await downloadsOf(share.id)).toBe(3);
    });

    it('stops a revoked link at once', async () => {
      const share = await create({ fileIds: [ids.notes], password: 'pass word' });
      const access = (await unlock(share.url, 'pass word')).body.accessToken as string;
      expect((await s.api.get(pub(share.url, `/files/${ids.notes}`), access)).status).toBe(200);
      expect((await s.api.delete(`/api/shares/${share.id}`, alice.token)).status).toBe(204);
      for (const res of [
        await s.api.get(pub(share.url)),
        await s.api.get(pub(share.url, `/files/${ids.notes}`), access),
        await s.api.post(pub(share.url, '/unlock'), { password: 'pass word' }),
      ]) {
        expect([res.status, errorCode(res)]).toEqual([404, 'not_found']);
      }
    });

    it('no longer lists a deleted file, nor serves it', async () => {
      const doomed = await uploadFile(s.api, alice.token, Buffer.from('short-lived'), { filename: 'doomed.txt' });
      const share = await create({ fileIds: [doomed, ids.notes] });
      expect((await s.api.delete(`/api/files/${doomed}`, alice.token)).status).toBe(204);
      const got = await s.api.get(`/api/shares/${share.id}`, alice.token);
      expect(got.body.fileIds).toEqual([ids.notes]);
      expect((await s.api.get(pub(share.url))).body.files.map((f: { id: string }) => f.id)).toEqual([ids.notes]);
      expect((await s.api.get(pub(share.url, `/files/${doomed}`))).status).toBe(404);
    });

    it("closes a disabled owner's links", async () => {
      const carol = await s.api.newUser('carol');
      const file = await uploadFile(s.api, carol.token, Buffer.from('c'), { filename: 'c.txt' });
      const share = await create({ fileIds: [file] }, carol.token);
      await withDatabase(s, (db) => db.updateTable('users').set({ disabled: 1 }).where('id', '=', carol.id).execute());
      expect((await s.api.get(pub(share.url))).status).toBe(404);
    });
  });

  it('audits creating, changing, revoking and downloading, with no secret in the trail', async () => {
    const share = await create({ fileIds: [ids.notes], password: 'audited secret' });
    await s.api.patch(`/api/shares/${share.id}`, { note: 'changed', password: 'another secret' }, alice.token);
    await unlock(share.url, 'another secret');
    const access = secrets.at(-1)!;
    await raw(s.url, pub(share.url, `/files/${ids.notes}`), { authorization: `Bearer ${access}` });
    await s.api.delete(`/api/shares/${share.id}`, alice.token);
    const res = await s.api.get('/api/admin/audit?action=share.&limit=100', admin);
    expect(res.status).toBe(200);
    const mine = res.body.items.filter((i: { targetId: string }) => i.targetId === share.id);
    expect(mine.map((i: { action: string }) => i.action)).toEqual(['share.delete', 'share.download', 'share.update', 'share.create']);
    expect(mine.find((i: { action: string }) => i.action === 'share.create').actor.id).toBe(alice.id);
    expect(mine.find((i: { action: string }) => i.action === 'share.download')).toMatchObject({
      actor: null,
      details: { fileId: ids.notes, downloads: 1 },
    });
    expect(mine.find((i: { action: string }) => i.action === 'share.update').details).toEqual({ fields: ['note', 'password'] });
    const text = JSON.stringify(res.body);
    for (const secret of [...secrets, 'audited secret', 'another secret']) expect(text).not.toContain(secret);
  });

  it('never writes a link token or an access token to the log', async () => {
    expect(secrets.length).toBeGreaterThan(10);
    const log = logged.text();
    expect(log).toContain('/api/public/shares/[redacted]');
    for (const secret of secrets) expect(log).not.toContain(secret);
    // Also not from the web page's path, or an access token in a query.
    await s.api.get(`/s/${secrets[0]}`);
    await s.api.get(`/api/public/shares/AAAAAAAAAAAAAAAAAAAAAA?access=${secrets.at(-1)}`);
    const after = logged.text();
    for (const secret of secrets) expect(after).not.toContain(secret);
  });
});

describe('share urls with PUBLIC_URL', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { PUBLIC_URL: 'https://drop.example.com', RUN_WORKERS: 'false' } });
  });
  afterAll(() => s?.stop());

  it('are built on PUBLIC_URL', async () => {
    const user = await s.api.newUser();
    const file = await uploadFile(s.api, user.token, Buffer.from('x'), { filename: 'x.txt' });
    const res = await s.api.post('/api/shares', { fileIds: [file] }, user.token);
    expect(res.body.url).toMatch(/^https:\/\/drop\.example\.com\/s\/[A-Za-z0-9_-]{22}$/);
  });
});

describe.skipIf(!(await redisAvailable()))('share unlock throttling with Redis', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { REDIS_URL, RUN_WORKERS: 'false' } });
  });
  afterAll(() => s?.stop());

  it('counts wrong passwords in Redis: the 11th try in a minute is 429', async () => {
    const user = await s.api.newUser();
    const file = await uploadFile(s.api, user.token, Buffer.from('x'), { filename: 'x.txt' });
    const share = await s.api.post('/api/shares', { fileIds: [file], password: 'right one' }, user.token);
    const unlock = (password: string) => s.api.post(`/api/public/shares/${share.body.url.split('/').pop()}/unlock`, { password });
    for (let i = 0; i < 10; i++) expect((await unlock(`wrong ${i}`)).status).toBe(401);
    expect((await unlock('right one')).status).toBe(429);
  });
});
