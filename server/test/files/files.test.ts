import http from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { FileEvents } from '../../src/files/fileEvents.js';
import { postgresAvailable } from '../helpers/services.js';
import { ADMIN, errorCode, jobsFor, startTestServer, storageOf, storedKeys, withDatabase, type TestServer } from '../helpers/testServer.js';
import { randomData, uploadFile } from '../helpers/tus.js';

const databases: Array<'sqlite' | 'postgres'> = ['sqlite', ...((await postgresAvailable()) ? (['postgres'] as const) : [])];

const FILE_KEYS = [
  'id',
  'filename',
  'size',
  'mimeType',
  'title',
  'description',
  'status',
  'sha256',
  'extracted',
  'error',
  'createdAt',
  'updatedAt',
  'processedAt',
  'expiresAt',
  'owner',
  'request',
].sort();
const BULK = 25;

describe.each(databases)('files API on %s', (database) => {
  let s: TestServer;
  let alice: { id: string; email: string; token: string };
  let bob: { id: string; token: string };
  let admin: string;
  const ids: Record<string, string> = {};
  const events: Array<[string, unknown]> = [];

  const tamper = (edit: (db: Db) => Promise<unknown>) => withDatabase(s, edit);

  beforeAll(async () => {
    const fileEvents = new FileEvents();
    for (const name of ['created', 'updated', 'deleted'] as const) fileEvents.on(name, (payload: unknown) => events.push([name, payload]));
    // No workers: statuses stay where the tests put them, and hand-overs stay visible as queued jobs.
    s = await startTestServer({ database, events: fileEvents, env: { RUN_WORKERS: 'false' } });
    alice = await s.api.newUser('alice');
    bob = await s.api.newUser('bob');
    admin = await s.api.login(ADMIN.email, ADMIN.password);

    const named: Array<[string, Record<string, string>, string]> = [
      ['report', { filename: 'Report Q1.pdf', filetype: 'application/pdf', title: 'Quarterly' }, '2024-01-10T09:00:00.000Z'],
      ['holiday', { filename: 'holiday.png', title: 'Beach 100%_fun' }, '2024-01-31T15:00:00.000Z'],
      ['notes', { filename: 'notes.txt', description: 'plain' }, '2024-02-01T12:00:00.000Z'],
      ['scan', { filename: 'scan.jpg', title: 'Report scan' }, '2024-03-05T08:00:00.000Z'],
    ];
    for (const [key, metadata] of named) ids[key] = await uploadFile(s.api, alice.token, randomData(100), metadata);
    for (let i = 0; i < BULK; i++) await uploadFile(s.api, alice.token, randomData(10), { filename: `bulk-${i}.bin` });
    ids.bobs = await uploadFile(s.api, bob.token, Buffer.from('bob only'), { filename: 'b-secret.txt' });
    await tamper(async (db) => {
      for (const [key, , createdAt] of named) await db.updateTable('files').set({ created_at: createdAt }).where('id', '=', ids[key]!).execute();
    });
  });
  afterAll(() => s?.stop());

  const list = async (query: string, token = alice.token) => {
    const res = await s.api.get(`/api/files${query}`, token);
    if (res.status !== 200) throw new Error(`${query}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const names = (body: { items: Array<{ filename: string }> }) => body.items.map((f) => f.filename).sort();

  describe('listing', () => {
    it('pages through everything with the cursor, newest first, with no gaps or repeats', async () => {
      const seen: Array<{ id: string; createdAt: string }> = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const body: { items: Array<{ id: string; createdAt: string }>; nextCursor: string | null } = await list(
          `?limit=10${cursor ? `&cursor=${cursor}` : ''}`,
        );
        seen.push(...body.items);
        cursor = body.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toHaveLength(BULK + 4);
      expect(new Set(seen.map((f) => f.id)).size).toBe(BULK + 4);
      const order = seen.map((f) => `${f.createdAt}|${f.id}`);
      expect(order).toEqual([...order].sort().reverse());
      expect(seen.at(-1)!.id).toBe(ids.report);
    });

    it('returns File objects of the contract shape, 20 by default', async () => {
      const body = await list('');
      expect(body.items).toHaveLength(20);
      expect(Object.keys(body).sort()).toEqual(['items', 'nextCursor']);
      expect(Object.keys(body.items[0]).sort()).toEqual(FILE_KEYS);
      expect(body.items[0].owner).toEqual({ id: alice.id, email: alice.email, displayName: alice.email.split('@')[0] });
    });

    it('pages by number with a total', async () => {
      const second = await list('?page=2&pageSize=10');
      expect(second).toMatchObject({ page: 2, pageSize: 10, total: BULK + 4 });
      expect(second.items).toHaveLength(10);
      expect((await list('?page=3&pageSize=10')).items).toHaveLength(9);
      expect((await list('?page=4&pageSize=10')).items).toHaveLength(0);
      const first = await list('?page=1');
      expect(first).toMatchObject({ page: 1, pageSize: 20, total: BULK + 4 });
      const all = [...first.items, ...(await list('?page=2')).items].map((f: { id: string }) => f.id);
      expect(new Set(all).size).toBe(BULK + 4);
    });

    it.each([
      '?limit=0',
      '?limit=101',
      '?limit=abc',
      '?limit=-1',
      '?limit=1&limit=2',
      '?cursor=garbage',
      '?cursor=',
      `?cursor=${Buffer.from('["not a date","x"]').toString('base64url')}`,
      '?page=0',
      '?pageSize=101',
      '?page=1&cursor=x',
      '?status=bogus',
      '?type=image',
      '?from=yesterday',
      '?to=2024-02-30',
      '?from=2024-13-01',
      '?owner=everyone',
    ])('answers 400 to %s', async (query) => {
      const res = await s.api.get(`/api/files${query}`, alice.token);
      expect(res.status).toBe(400);
      expect(errorCode(res)).toBe('invalid_query');
    });

    it('filters by q in the filename or the title, case-insensitively, with % and _ taken literally', async () => {
      expect(names(await list('?q=report'))).toEqual(['Report Q1.pdf', 'scan.jpg']);
      expect(names(await list('?q=REPORT'))).toEqual(['Report Q1.pdf', 'scan.jpg']);
      expect(names(await list('?q=100%25_'))).toEqual(['holiday.png']);
      expect(names(await list('?q=_'))).toEqual(['holiday.png']);
      expect(names(await list('?q=%25'))).toEqual(['holiday.png']);
      expect((await list('?q=nothing-like-this')).items).toEqual([]);
    });

    it('filters by exact MIME type or prefix', async () => {
      expect(names(await list('?type=image/'))).toEqual(['holiday.png', 'scan.jpg']);
      expect(names(await list('?type=image/*'))).toEqual(['holiday.png', 'scan.jpg']);
      expect(names(await list('?type=image/png'))).toEqual(['holiday.png']);
      expect(names(await list('?type=application/pdf'))).toEqual(['Report Q1.pdf']);
      expect((await list('?type=application/&page=1')).total).toBe(BULK + 1);
      expect((await list('?type=application/octet-stream&limit=100')).items).toHaveLength(BULK);
    });

    it('filters by status', async () => {
      await tamper((db) => db.updateTable('files').set({ status: 'processed' }).where('id', '=', ids.notes!).execute());
      expect(names(await list('?status=processed'))).toEqual(['notes.txt']);
      expect((await list('?status=uploaded&page=1')).total).toBe(BULK + 3);
      expect((await list('?status=failed')).items).toEqual([]);
      await tamper((db) => db.updateTable('files').set({ status: 'uploaded' }).where('id', '=', ids.notes!).execute());
    });

    it('bounds createdAt with from and to (a bare `to` date includes that whole day)', async () => {
      expect(names(await list('?from=2024-01-31&to=2024-02-01'))).toEqual(['holiday.png', 'notes.txt']);
      expect(names(await list('?from=2024-01-31T16:00:00Z&to=2024-02-01'))).toEqual(['notes.txt']);
      expect(names(await list('?to=2024-01-10'))).toEqual(['Report Q1.pdf']);
      expect(names(await list('?to=2024-01-10T09:00:00.000Z'))).toEqual(['Report Q1.pdf']);
      expect((await list('?to=2024-01-10T08:59:59.999Z')).items).toEqual([]);
      expect(names(await list('?from=2024-01-01&to=2024-12-31&type=image/'))).toEqual(['holiday.png', 'scan.jpg']);
      expect((await list('?from=2024-01-01&to=2024-12-31&page=1&pageSize=1')).total).toBe(4);
      expect(names(await list('?from=2024-03-05T09:00:00%2B01:00&to=2024-03-06'))).toEqual(['scan.jpg']);
    });

    it("shows each user only their own files, also with owner=all; admins see everyone's with owner=all", async () => {
      expect(names(await list('', bob.token))).toEqual(['b-secret.txt']);
      expect(names(await list('?owner=all', bob.token))).toEqual(['b-secret.txt']);
      expect((await list('', admin)).items).toEqual([]);
      const everyone = await list('?owner=all&page=1&pageSize=100', admin);
      expect(everyone.total).toBe(BULK + 5);
      expect(everyone.items.find((f: { id: string }) => f.id === ids.bobs).owner.id).toBe(bob.id);
    });

    it('needs a token', async () => {
      expect((await s.api.get('/api/files')).status).toBe(401);
    });
  });

  describe('one file', () => {
    it('returns the File, with extracted parsed from its JSON text', async () => {
      await tamper((db) => db.updateTable('files').set({ extracted: '{"width":640,"height":480}' }).where('id', '=', ids.holiday!).execute());
      const res = await s.api.get(`/api/files/${ids.holiday}`, alice.token);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(FILE_KEYS);
      expect(res.body).toMatchObject({
        id: ids.holiday,
        filename: 'holiday.png',
        mimeType: 'image/png',
        size: 100,
        extracted: { width: 640, height: 480 },
      });
    });

    it("is 404 for someone else's file on every call, never 403", async () => {
      const id = ids.report!;
      const calls = [
        s.api.get(`/api/files/${id}`, bob.token),
        s.api.patch(`/api/files/${id}`, { title: 'mine now' }, bob.token),
        s.api.delete(`/api/files/${id}`, bob.token),
        s.api.get(`/api/files/${id}/content`, bob.token),
        s.api.post(`/api/files/${id}/reprocess`, undefined, bob.token),
      ];
      for (const res of await Promise.all(calls)) {
        expect(res.status).toBe(404);
        expect(errorCode(res)).toBe('not_found');
      }
      expect((await s.api.get(`/api/files/${id}`, alice.token)).body.title).toBe('Quarterly');
      expect((await s.api.get('/api/files/no-such-id', alice.token)).status).toBe(404);
      expect((await s.api.get('/api/files/..%2F..%2Fetc', alice.token)).status).toBe(404);
    });

    it("lets an admin read and act on anyone's file", async () => {
      expect((await s.api.get(`/api/files/${ids.bobs}`, admin)).body.owner.id).toBe(bob.id);
      expect((await s.api.patch(`/api/files/${ids.bobs}`, { description: 'checked' }, admin)).body.description).toBe('checked');
      expect((await s.api.get(`/api/files/${ids.bobs}/content`, admin)).body).toBe('bob only');
    });

    it('reprocess answers 202 and hands the file to processing', async () => {
      await tamper((db) => db.deleteFrom('jobs').where('file_id', '=', ids.scan!).execute());
      const res = await s.api.post(`/api/files/${ids.scan}/reprocess`, undefined, alice.token);
      expect(res.status).toBe(202);
      expect(await jobsFor(s, ids.scan!)).toEqual([expect.objectContaining({ state: 'queued' })]);
    });
  });

  describe('PATCH', () => {
    it('changes title, description and filename (cleaned), and announces the update', async () => {
      const id = await uploadFile(s.api, alice.token, Buffer.from('x'), { filename: 'old.txt', title: 'Old' });
      const res = await s.api.patch(
        `/api/files/${id}`,
        { title: '  New  ', description: 'Two\r\nlines', filename: 'sub/dir\\new\u0007.txt' },
        alice.token,
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, title: 'New', description: 'Two\nlines', filename: 'sub_dir_new.txt' });
      expect(res.body.updatedAt >= res.body.createdAt).toBe(true);
      expect(events).toContainEqual(['updated', res.body]);
      const cleared = await s.api.patch(`/api/files/${id}`, { title: null, description: '' }, alice.token);
      expect(cleared.body).toMatchObject({ title: null, description: null, filename: 'sub_dir_new.txt' });
    });

    it.each([
      [{ filename: '' }, 'missing_filename'],
      [{ filename: '..' }, 'missing_filename'],
      [{ filename: 42 }, 'missing_filename'],
      [{ title: 'x'.repeat(201) }, 'invalid_title'],
      [{ title: 5 }, 'invalid_title'],
      [{ description: 'x'.repeat(5001) }, 'invalid_description'],
      [{ size: 1 }, 'invalid_request'],
      [{}, 'invalid_request'],
      [[], 'invalid_request'],
    ])('refuses %j with 400 and changes nothing', async (body, code) => {
      const res = await s.api.patch(`/api/files/${ids.notes}`, body, alice.token);
      expect(res.status).toBe(400);
      expect(errorCode(res)).toBe(code);
      expect((await s.api.get(`/api/files/${ids.notes}`, alice.token)).body).toMatchObject({ filename: 'notes.txt', description: 'plain' });
    });
  });

  describe('content', () => {
    let id: string;
    const data = randomData(1000);
    const name = 'Ünïcödé “quotes” 日本 100%.txt';
    beforeAll(async () => {
      id = await uploadFile(s.api, alice.token, data, { filename: name, filetype: 'text/plain' });
    });
    const get = (headers: Record<string, string> = {}, method = 'GET') =>
      fetch(`${s.url}/api/files/${id}/content`, { method, headers: { authorization: `Bearer ${alice.token}`, ...headers } });

    it('streams the bytes with safe download headers', async () => {
      const res = await get();
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(data);
      expect(res.headers.get('content-type')).toBe('text/plain');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('accept-ranges')).toBe('bytes');
      expect(res.headers.get('content-length')).toBe('1000');
      expect(res.headers.get('etag')).toBeTruthy();
      expect(res.headers.get('last-modified')).toBeTruthy();
    });

    it('names the download with an ASCII fallback and the exact UTF-8 name (RFC 6266/5987)', async () => {
      const disposition = (await get()).headers.get('content-disposition')!;
      const match = /^attachment; filename="([\x20-\x7e]*)"; filename\*=UTF-8''([A-Za-z0-9!#$&+.^_`|~%-]+)$/.exec(disposition);
      expect(match).not.toBeNull();
      expect(match![1]).toBe('_n_c_d_ _quotes_ __ 100_.txt');
      expect(decodeURIComponent(match![2]!)).toBe(name);
    });

    it('answers a single Range with 206 and Content-Range', async () => {
      const first = await get({ range: 'bytes=0-9' });
      expect(first.status).toBe(206);
      expect(first.headers.get('content-range')).toBe('bytes 0-9/1000');
      expect(Buffer.from(await first.arrayBuffer())).toEqual(data.subarray(0, 10));
      const suffix = await get({ range: 'bytes=-5' });
      expect(Buffer.from(await suffix.arrayBuffer())).toEqual(data.subarray(995));
      const open = await get({ range: 'bytes=990-' });
      expect(open.headers.get('content-range')).toBe('bytes 990-999/1000');
      expect(Buffer.from(await open.arrayBuffer())).toEqual(data.subarray(990));
    });

    it('answers an unsatisfiable Range with 416, and several ranges with the whole file', async () => {
      const res = await get({ range: 'bytes=1000-' });
      expect(res.status).toBe(416);
      expect(res.headers.get('content-range')).toBe('bytes */1000');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('range_not_satisfiable');
      const several = await get({ range: 'bytes=0-1,5-6' });
      expect(several.status).toBe(200);
      expect((await several.arrayBuffer()).byteLength).toBe(1000);
    });

    it('answers If-None-Match with 304 and HEAD with headers only', async () => {
      const etag = (await get()).headers.get('etag')!;
      // Not fetch: it adds Cache-Control: no-cache to conditional requests, which rightly defeats them.
      const status = await new Promise<number>((resolve, reject) => {
        http
          .get(`${s.url}/api/files/${id}/content`, { headers: { authorization: `Bearer ${alice.token}`, 'if-none-match': etag } }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          })
          .on('error', reject);
      });
      expect(status).toBe(304);
      const head = await get({}, 'HEAD');
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe('1000');
    });

    it('answers 410 (and logs) when the bytes of a row are missing', async () => {
      const lost = await uploadFile(s.api, alice.token, Buffer.from('soon gone'), { filename: 'lost.txt' });
      await (await storageOf(s)).blobs.deleteAll(`uploads/${lost}`);
      const res = await s.api.get(`/api/files/${lost}/content`, alice.token);
      expect(res.status).toBe(410);
      expect(errorCode(res)).toBe('content_gone');
      // Deleting it still works, so the row can be cleaned up.
      expect((await s.api.delete(`/api/files/${lost}`, alice.token)).status).toBe(204);
    });
  });

  describe('DELETE', () => {
    it('removes the bytes, the info file, the derived files and then the row, and announces it', async () => {
      const id = await uploadFile(s.api, alice.token, randomData(100), { filename: 'bye.txt' });
      const storage = await storageOf(s);
      await storage.blobs.put(`derived/${id}/pages/1.png`, Readable.from([Buffer.from('x')]));
      expect(await storedKeys(s, `derived/${id}/`)).not.toEqual([]);
      const res = await s.api.delete(`/api/files/${id}`, alice.token);
      expect(res.status).toBe(204);
      expect(await storedKeys(s, `uploads/${id}`)).toEqual([]);
      expect(await storage.uploads.ids()).not.toContain(id);
      expect(await storedKeys(s, `derived/${id}/`)).toEqual([]);
      expect((await s.api.get(`/api/files/${id}`, alice.token)).status).toBe(404);
      expect(events).toContainEqual(['deleted', { id, ownerId: alice.id }]);
      expect((await s.api.delete(`/api/files/${id}`, alice.token)).status).toBe(404);
    });

    it("lets an admin delete someone else's file", async () => {
      const id = await uploadFile(s.api, bob.token, Buffer.from('x'), { filename: 'admin-removes.txt' });
      expect((await s.api.delete(`/api/files/${id}`, admin)).status).toBe(204);
      expect(events).toContainEqual(['deleted', { id, ownerId: bob.id }]);
    });
  });

  it('GET /api/config tells the client the upload limits', async () => {
    const res = await s.api.get('/api/config', alice.token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ maxUploadSize: 50 * 2 ** 30, allowedFileTypes: null, uploadExpiration: 86400 });
    expect((await s.api.get('/api/config')).status).toBe(401);
  });
});
