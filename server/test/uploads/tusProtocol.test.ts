import http from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { File } from '@dropline/contract';
import { FileEvents } from '../../src/files/fileEvents.js';
import {
  ADMIN,
  errorCode,
  isStored,
  startTestServer,
  storageOf,
  storedBytes,
  storedKeys,
  withDatabase,
  type TestServer,
} from '../helpers/testServer.js';
import { TUS_RESUMABLE, createUpload, patchUpload, randomData, uploadFile, uploadMetadata } from '../helpers/tus.js';

const MAX = 1024 * 1024;

describe('tus 1.0.0 at /api/uploads/', () => {
  let s: TestServer;
  let owner: string;
  let other: string;
  let admin: string;
  const created: File[] = [];
  beforeAll(async () => {
    const events = new FileEvents();
    events.on('created', (file) => created.push(file));
    s = await startTestServer({
      env: { MAX_UPLOAD_SIZE: String(MAX), ALLOWED_FILE_TYPES: '.txt,.tar.gz,image/*,application/pdf' },
      events,
    });
    owner = (await s.api.newUser('owner')).token;
    other = (await s.api.newUser('other')).token;
    admin = await s.api.login(ADMIN.email, ADMIN.password);
  });
  afterAll(() => s?.stop());

  const head = (p: string, token?: string) => s.api.request('HEAD', p, { token, headers: TUS_RESUMABLE });

  it('OPTIONS advertises version, max size and extensions without a token', async () => {
    const res = await s.api.request('OPTIONS', '/api/uploads/');
    expect(res.status).toBe(204);
    expect(res.headers.get('tus-version')).toBe('1.0.0');
    expect(res.headers.get('tus-max-size')).toBe(String(MAX));
    expect(res.headers.get('tus-extension')!.split(',')).toEqual(
      expect.arrayContaining(['creation', 'creation-with-upload', 'creation-defer-length', 'termination', 'expiration']),
    );
  });

  it('answers 401 with WWW-Authenticate and the contract body without a valid token', async () => {
    const upload = await createUpload(s.api, owner, { length: 3, metadata: { filename: 'a.txt' } });
    const requests = [
      s.api.request('POST', '/api/uploads/', {
        headers: { ...TUS_RESUMABLE, 'upload-length': '3', 'upload-metadata': uploadMetadata({ filename: 'a.txt' }) },
      }),
      s.api.request('PATCH', upload.path, {
        headers: { ...TUS_RESUMABLE, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' },
        body: 'abc',
      }),
      s.api.request('DELETE', upload.path, { headers: TUS_RESUMABLE }),
      s.api.request('GET', upload.path),
      s.api.request('POST', '/api/uploads/', { token: 'not-a-token', headers: { ...TUS_RESUMABLE, 'upload-length': '3' } }),
    ];
    for (const res of await Promise.all(requests)) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(['unauthorized', 'invalid_token']).toContain(errorCode(res));
    }
    const anonymousHead = await head(upload.path);
    expect(anonymousHead.status).toBe(401);
    expect(anonymousHead.headers.get('www-authenticate')).toBe('Bearer');
    expect((await head(upload.path, owner)).headers.get('upload-offset')).toBe('0');
  });

  it('creates with 201, an unguessable URL-safe id in Location, and Upload-Expires', async () => {
    const a = await createUpload(s.api, owner, { length: 10, metadata: { filename: 'a.txt' } });
    const b = await createUpload(s.api, owner, { length: 10, metadata: { filename: 'b.txt' } });
    expect(a.status).toBe(201);
    expect(a.path).toBe(`/api/uploads/${a.id}`);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{22,64}$/);
    expect(a.id).not.toBe(b.id);
    const expires = Date.parse(a.headers.get('upload-expires')!);
    expect(expires - Date.now()).toBeGreaterThan(23 * 3600e3);
    expect(expires - Date.now()).toBeLessThanOrEqual(24 * 3600e3);
    // HEAD tells the same expiry while the upload is unfinished.
    expect((await head(a.path, owner)).headers.get('upload-expires')).toBe(a.headers.get('upload-expires'));
    // To the millisecond: the store keeps the creation date the upload was admitted (and its expiry recorded) with.
    const record = await withDatabase(s, (db) => db.selectFrom('uploads').select('created_at').where('id', '=', a.id).executeTakeFirstOrThrow());
    const stored = await (await storageOf(s)).uploads.store.getUpload(a.id);
    expect(stored.creation_date).toBe(record.created_at);
  });

  it('returns the client metadata unchanged on HEAD, with no server bookkeeping in it', async () => {
    const sent = uploadMetadata({ filename: 'Résumé ✓ a/b.txt', filetype: 'text/plain', title: 'T', description: 'D', client_ref: 'xyz' }) + ',flag';
    const res = await createUpload(s.api, owner, { length: 5, headers: { 'upload-metadata': sent } });
    expect(res.status).toBe(201);
    const got = await head(res.path, owner);
    expect(got.status).toBe(200);
    expect(got.headers.get('upload-metadata')).toBe(sent);
    expect(got.headers.get('upload-length')).toBe('5');
    expect(got.headers.get('upload-offset')).toBe('0');
    expect(got.headers.get('cache-control')).toBe('no-store');
  });

  it('accepts PATCHes with 204 and the new offset, then records the file once', async () => {
    const data = randomData(1000);
    const { path: p, id } = await createUpload(s.api, owner, { length: 1000, metadata: { filename: 'notes.txt', title: 'Notes' } });
    const first = await patchUpload(s.api, owner, p, 0, data.subarray(0, 400));
    expect(first.status).toBe(204);
    expect(first.headers.get('upload-offset')).toBe('400');
    expect(first.headers.get('upload-expires')).toBeTruthy();
    expect(created.some((f) => f.id === id)).toBe(false);
    const last = await patchUpload(s.api, owner, p, 400, data.subarray(400));
    expect(last.status).toBe(204);
    expect(last.headers.get('upload-offset')).toBe('1000');
    expect(await storedBytes(s, id)).toEqual(data);

    expect(created.filter((f) => f.id === id)).toHaveLength(1);
    const jobs = await s.api.get('/api/jobs?limit=100', admin);
    expect(jobs.body.items.filter((j: { fileId: string }) => j.fileId === id)).toHaveLength(1);
    const file = await s.api.get(`/api/files/${id}`, owner);
    expect(file.body).toMatchObject({ id, filename: 'notes.txt', title: 'Notes', size: 1000, mimeType: 'text/plain' });
    expect(['uploaded', 'processing', 'processed']).toContain(file.body.status);
  });

  it('answers 409 on an offset mismatch and keeps the data as it was', async () => {
    const { path: p } = await createUpload(s.api, owner, { length: 10, metadata: { filename: 'a.txt' } });
    expect((await patchUpload(s.api, owner, p, 0, Buffer.from('abcd'))).status).toBe(204);
    const res = await patchUpload(s.api, owner, p, 2, Buffer.from('XY'));
    expect(res.status).toBe(409);
    expect(errorCode(res)).toBe('offset_mismatch');
    expect(res.headers.get('content-type')).toContain('application/json');
    expect((await head(p, owner)).headers.get('upload-offset')).toBe('4');
  });

  it('answers 412 with Tus-Version when Tus-Resumable is missing', async () => {
    const res = await s.api.request('POST', '/api/uploads/', {
      token: owner,
      headers: { 'upload-length': '3', 'upload-metadata': uploadMetadata({ filename: 'a.txt' }) },
    });
    expect(res.status).toBe(412);
    expect(res.headers.get('tus-version')).toBe('1.0.0');
    expect(errorCode(res)).toBe('tus_resumable_required');
  });

  it('answers 413 for a declared length over MAX_UPLOAD_SIZE', async () => {
    const res = await createUpload(s.api, owner, { length: MAX + 1, metadata: { filename: 'big.txt' } });
    expect(res.status).toBe(413);
    expect(errorCode(res)).toBe('file_too_large');
  });

  it('answers 413 for a deferred length declared over the limit', async () => {
    const { path: p } = await createUpload(s.api, owner, { metadata: { filename: 'big.txt' } });
    const res = await patchUpload(s.api, owner, p, 0, Buffer.from('abc'), { 'upload-length': String(MAX + 1) });
    expect(res.status).toBe(413);
    expect(errorCode(res)).toBe('file_too_large');
    expect((await head(p, owner)).headers.get('upload-defer-length')).toBe('1');
  });

  it('stops a deferred-length upload at the limit while the bytes stream in', async () => {
    const { path: p } = await createUpload(s.api, owner, { metadata: { filename: 'big.txt' } });
    // Chunked, without Content-Length: only counting the bytes as they arrive can catch it.
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${s.url}${p}`, {
        method: 'PATCH',
        headers: { ...TUS_RESUMABLE, authorization: `Bearer ${owner}`, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' },
      });
      req.on('response', (r) => {
        let body = '';
        r.on('data', (c) => (body += c));
        r.on('end', () => resolve({ status: r.statusCode!, body }));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 1);
      let sent = 0;
      const pump = () => {
        while (sent < MAX * 2) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe('file_too_large');
    expect(Number((await head(p, owner)).headers.get('upload-offset'))).toBeLessThanOrEqual(MAX);
  });

  it('answers 415 for a type outside ALLOWED_FILE_TYPES, matching extensions and MIME types', async () => {
    const status = async (metadata: Record<string, string>) => (await createUpload(s.api, owner, { length: 1, metadata })).status;
    const refused = await createUpload(s.api, owner, { length: 1, metadata: { filename: 'setup.exe', filetype: 'application/x-msdownload' } });
    expect(refused.status).toBe(415);
    expect(errorCode(refused)).toBe('unsupported_file_type');
    expect(await status({ filename: 'NOTES.TXT' })).toBe(201);
    expect(await status({ filename: 'backup.tar.gz' })).toBe(201);
    expect(await status({ filename: 'cat.png' })).toBe(201);
    expect(await status({ filename: 'scan', filetype: 'image/jpeg' })).toBe(201);
    expect(await status({ filename: 'report', filetype: 'application/pdf' })).toBe(201);
    expect(await status({ filename: 'archive.gz' })).toBe(415);
    expect(await status({ filename: '.txt' })).toBe(415);
  });

  it('answers 400 without a filename, and for malformed metadata', async () => {
    for (const metadata of [{}, { filename: '' }, { filename: '  \u0000 ' }, { filetype: 'text/plain' }] as Record<string, string>[]) {
      const res = await createUpload(s.api, owner, { length: 1, metadata });
      expect(res.status).toBe(400);
      expect(errorCode(res)).toBe('missing_filename');
    }
    const noMetadata = await createUpload(s.api, owner, { length: 1 });
    expect(errorCode(noMetadata)).toBe('missing_filename');
    const malformed = await createUpload(s.api, owner, { length: 1, headers: { 'upload-metadata': 'filename not base64!' } });
    expect(malformed.status).toBe(400);
    errorCode(malformed);
    const longTitle = await createUpload(s.api, owner, { length: 1, metadata: { filename: 'a.txt', title: 'x'.repeat(201) } });
    expect(errorCode(longTitle)).toBe('invalid_title');
  });

  it('answers 404 to another user on HEAD, PATCH, DELETE and GET, and leaves the upload alone', async () => {
    const { path: p } = await createUpload(s.api, owner, { length: 4, metadata: { filename: 'mine.txt' } });
    await patchUpload(s.api, owner, p, 0, Buffer.from('ab'));
    const attempts = [
      await head(p, other),
      await patchUpload(s.api, other, p, 2, Buffer.from('zz')),
      await s.api.request('DELETE', p, { token: other, headers: TUS_RESUMABLE }),
      await s.api.get(p, other),
    ];
    for (const res of attempts) expect(res.status).toBe(404);
    for (const res of attempts.slice(1)) expect(errorCode(res)).toBe('not_found');
    expect((await head(p, owner)).headers.get('upload-offset')).toBe('2');

    const finished = await uploadFile(s.api, owner, Buffer.from('done'), { filename: 'done.txt' });
    const fp = `/api/uploads/${finished}`;
    expect((await head(fp, other)).status).toBe(404);
    expect((await s.api.get(fp, other)).status).toBe(404);
    expect((await s.api.request('DELETE', fp, { token: other, headers: TUS_RESUMABLE })).status).toBe(404);
    expect((await s.api.get(fp, owner)).body).toBe('done');
  });

  it('answers other methods with a contract 404', async () => {
    const res = await s.api.request('PUT', '/api/uploads/whatever', { token: owner, headers: TUS_RESUMABLE, body: 'x' });
    expect(res.status).toBe(404);
    errorCode(res);
  });

  it('answers 404 for ids that never existed, including path tricks', async () => {
    for (const p of ['/api/uploads/nope', '/api/uploads/..%2F..%2Fdropline.db', '/api/uploads/%2e%2e']) {
      expect((await head(p, owner)).status).toBe(404);
      expect((await s.api.get(p, owner)).status).toBe(404);
    }
  });

  it('terminates an unfinished upload with DELETE: 204, data and info gone, then 404', async () => {
    const { path: p, id } = await createUpload(s.api, owner, { length: 10, metadata: { filename: 'a.txt' } });
    await patchUpload(s.api, owner, p, 0, Buffer.from('abc'));
    const res = await s.api.request('DELETE', p, { token: owner, headers: TUS_RESUMABLE });
    expect(res.status).toBe(204);
    expect(await isStored(s, id)).toBe(false);
    expect((await head(p, owner)).status).toBe(404);
  });

  it("serves a finished upload's bytes on GET to its owner (and admins), and 404 while unfinished", async () => {
    const data = randomData(3000);
    const id = await uploadFile(s.api, owner, data, { filename: 'photo.png' });
    const res = await fetch(`${s.url}/api/uploads/${id}`, { headers: { authorization: `Bearer ${owner}` } });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(data);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="photo.png"; filename*=UTF-8''photo.png`);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect((await s.api.get(`/api/uploads/${id}`, admin)).status).toBe(200);

    const { path: unfinished } = await createUpload(s.api, owner, { length: 10, metadata: { filename: 'a.txt' } });
    expect((await s.api.get(unfinished, owner)).status).toBe(404);
  });

  it('deletes a finished upload exactly like DELETE /api/files/:id: row, bytes and derived files', async () => {
    const id = await uploadFile(s.api, owner, randomData(100), { filename: 'gone.txt' });
    await (await storageOf(s)).blobs.put(`derived/${id}/thumb.webp`, Readable.from([Buffer.from('x')]));
    const res = await s.api.request('DELETE', `/api/uploads/${id}`, { token: owner, headers: TUS_RESUMABLE });
    expect(res.status).toBe(204);
    expect((await s.api.get(`/api/files/${id}`, owner)).status).toBe(404);
    expect(await isStored(s, id)).toBe(false);
    expect(await storedKeys(s, `derived/${id}/`)).toEqual([]);
    expect((await head(`/api/uploads/${id}`, owner)).status).toBe(404);
  });

  it('stores a cleaned filename but returns the metadata as sent', async () => {
    const raw = 'a/b\\c\u0000d\u202Egpj.txt';
    const { id, path: p } = await createUpload(s.api, owner, { length: 1, metadata: { filename: raw }, body: Buffer.from('z') });
    expect((await s.api.get(`/api/files/${id}`, owner)).body.filename).toBe('a_b_cdgpj.txt');
    expect((await head(p, owner)).headers.get('upload-metadata')).toBe(uploadMetadata({ filename: raw }));
  });

  it('finishes an empty upload at creation', async () => {
    const { id, status } = await createUpload(s.api, owner, { length: 0, metadata: { filename: 'empty.txt' } });
    expect(status).toBe(201);
    expect((await s.api.get(`/api/files/${id}`, owner)).body).toMatchObject({ size: 0 });
  });
});
