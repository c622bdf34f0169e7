import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_STORAGE,
  errorCode,
  isStored,
  settledFile,
  startTestServer,
  storageOf,
  storedBytes,
  withDatabase,
  type TestServer,
} from '../helpers/testServer.js';
import { TUS_RESUMABLE, createUpload, patchUpload, randomData, sha256, uploadMetadata } from '../helpers/tus.js';

const KiB = 1024;
const MAX_UPLOAD = 1024 * KiB;
const MAX_CHUNK = 64 * KiB;
const OCTETS = { ...TUS_RESUMABLE, 'content-type': 'application/offset+octet-stream' };

const digest = (algorithm: string, data: Buffer) => createHash(algorithm).update(data).digest('base64');

describe.each(['sqlite', 'postgres'] as const)('tus conformance, Upload-Limit, checksum and concatenation (%s)', (database) => {
  let s: TestServer;
  let owner: string;
  let other: string;
  beforeAll(async () => {
    s = await startTestServer({ database, env: { MAX_UPLOAD_SIZE: String(MAX_UPLOAD), MAX_CHUNK_SIZE: String(MAX_CHUNK), LOG_LEVEL: 'warn' } });
    owner = (await s.api.newUser('owner')).token;
    other = (await s.api.newUser('other')).token;
  });
  afterAll(() => s?.stop());

  const head = (p: string, token = owner) => s.api.request('HEAD', p, { token, headers: TUS_RESUMABLE });
  const offsetOf = async (p: string) => Number((await head(p)).headers.get('upload-offset'));

  describe('conformance', () => {
    it('answers an unsupported Tus-Resumable with 412, Tus-Version and the contract body, on every method', async () => {
      const upload = await createUpload(s.api, owner, { length: 10, metadata: { filename: 'a.txt' } });
      const old = { 'tus-resumable': '0.2.2' };
      for (const res of [
        await s.api.request('POST', '/api/uploads/', {
          token: owner,
          headers: { ...old, 'upload-length': '3', 'upload-metadata': uploadMetadata({ filename: 'b.txt' }) },
        }),
        await s.api.request('HEAD', upload.path, { token: owner, headers: old }),
        await s.api.request('PATCH', upload.path, { token: owner, headers: { ...OCTETS, ...old, 'upload-offset': '0' }, body: 'abc' }),
        await s.api.request('DELETE', upload.path, { token: owner, headers: old }),
      ]) {
        expect(res.status).toBe(412);
        expect(res.headers.get('tus-version')).toBe('1.0.0');
        if (res.body) expect(errorCode(res)).toBe('unsupported_tus_version');
      }
      expect(await offsetOf(upload.path)).toBe(0);
    });

    it('answers a PATCH without application/offset+octet-stream with 415, and without Upload-Offset with 400', async () => {
      const { path: p } = await createUpload(s.api, owner, { length: 10, metadata: { filename: 'a.txt' } });
      const wrongType = await s.api.request('PATCH', p, {
        token: owner,
        headers: { ...TUS_RESUMABLE, 'content-type': 'text/plain', 'upload-offset': '0' },
        body: 'abc',
      });
      expect(wrongType.status).toBe(415);
      expect(errorCode(wrongType)).toBe('invalid_content_type');
      const noType = await s.api.request('PATCH', p, {
        token: owner,
        headers: { ...TUS_RESUMABLE, 'upload-offset': '0' },
        body: new Uint8Array([1, 2, 3]),
      });
      expect(noType.status).toBe(415);
      const noOffset = await s.api.request('PATCH', p, { token: owner, headers: OCTETS, body: 'abc' });
      expect(noOffset.status).toBe(400);
      expect(errorCode(noOffset)).toBe('missing_upload_offset');
      expect(await offsetOf(p)).toBe(0);
    });

    it('closes the connection after refusing a request whose body has not all arrived, so no client reuses it', async () => {
      const { path: p } = await createUpload(s.api, owner, { length: 10 * MAX_CHUNK, metadata: { filename: 'a.bin' } });
      // The headers go first and only part of the body: the refusal comes before the rest was read.
      const { status, connection } = await new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        const req = http.request(`${s.url}${p}`, {
          method: 'PATCH',
          headers: {
            ...TUS_RESUMABLE,
            'content-type': 'text/plain',
            'upload-offset': '0',
            'content-length': String(MAX_CHUNK),
            authorization: `Bearer ${owner}`,
          },
        });
        req.on('response', (res) => {
          res.resume();
          resolve({ status: res.statusCode!, connection: res.headers.connection });
          req.destroy();
        });
        req.on('error', reject);
        req.write(randomData(KiB));
      });
      expect([status, connection]).toEqual([415, 'close']);
      // A refusal of a request whose body came whole leaves the connection open.
      const whole = await s.api.request('PATCH', p, {
        token: owner,
        headers: { ...TUS_RESUMABLE, 'content-type': 'text/plain', 'upload-offset': '0' },
        body: 'abc',
      });
      expect([whole.status, whole.headers.get('connection')]).toEqual([415, 'keep-alive']);
    });
  });

  describe('Upload-Limit and MAX_CHUNK_SIZE', () => {
    it('is advertised on OPTIONS (with the extensions and checksum algorithms) and on creation, and exposed to browsers', async () => {
      const options = await s.api.request('OPTIONS', '/api/uploads/');
      expect(options.status).toBe(204);
      expect(options.headers.get('upload-limit')).toBe(`max-size=${MAX_UPLOAD},max-append-size=${MAX_CHUNK}`);
      expect(options.headers.get('tus-extension')!.split(',')).toEqual(
        expect.arrayContaining(['checksum', 'concatenation', 'creation', 'termination']),
      );
      expect(options.headers.get('tus-checksum-algorithm')).toBe('sha1,sha256,md5');
      expect(options.headers.get('access-control-allow-headers')).toContain('Upload-Checksum');
      const created = await createUpload(s.api, owner, { length: 10, metadata: { filename: 'a.txt' } });
      expect(created.status).toBe(201);
      expect(created.headers.get('upload-limit')).toBe(`max-size=${MAX_UPLOAD},max-append-size=${MAX_CHUNK}`);
      const exposed = created.headers.get('access-control-expose-headers')!;
      for (const name of ['Upload-Limit', 'Tus-Checksum-Algorithm', 'Location', 'Upload-Offset']) expect(exposed).toContain(name);
    });

    it('refuses a PATCH (or a creation body) bigger than max-append-size with 413 and keeps nothing of it', async () => {
      const data = randomData(MAX_CHUNK + 1);
      const { path: p, id } = await createUpload(s.api, owner, { length: data.length, metadata: { filename: 'big.bin' } });
      const res = await patchUpload(s.api, owner, p, 0, data);
      expect(res.status).toBe(413);
      expect(errorCode(res)).toBe('chunk_too_large');
      expect(await offsetOf(p)).toBe(0);
      const withBody = await createUpload(s.api, owner, { length: data.length, metadata: { filename: 'big.bin' }, body: data });
      expect(withBody.status).toBe(413);
      // In pieces that fit, the same bytes go through.
      expect((await patchUpload(s.api, owner, p, 0, data.subarray(0, MAX_CHUNK))).status).toBe(204);
      expect((await patchUpload(s.api, owner, p, MAX_CHUNK, data.subarray(MAX_CHUNK))).status).toBe(204);
      expect(await storedBytes(s, id)).toEqual(data);
    });

    it('stops a chunked PATCH (no Content-Length) at max-append-size with 413', async () => {
      const { path: p } = await createUpload(s.api, owner, { length: 4 * MAX_CHUNK, metadata: { filename: 'big.bin' } });
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(`${s.url}${p}`, {
          method: 'PATCH',
          headers: { ...OCTETS, 'upload-offset': '0', authorization: `Bearer ${owner}`, 'transfer-encoding': 'chunked' },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        // Sent in pieces, as a stream of unknown length would be.
        const body = randomData(4 * MAX_CHUNK);
        let sent = 0;
        const next = () => {
          if (sent >= body.length) return void req.end();
          req.write(body.subarray(sent, sent + 16 * KiB), next);
          sent += 16 * KiB;
        };
        next();
      });
      expect(status).toBe(413);
      expect(await offsetOf(p)).toBeLessThanOrEqual(MAX_CHUNK);
    });
  });

  describe('checksum', () => {
    it('accepts PATCHes whose sha1, sha256 or md5 matches, and the bytes and SHA-256 end exact', async () => {
      const data = randomData(3 * 1000);
      const { path: p, id } = await createUpload(s.api, owner, { length: data.length, metadata: { filename: 'sum.bin' } });
      let offset = 0;
      for (const algorithm of ['sha1', 'sha256', 'md5']) {
        const piece = data.subarray(offset, offset + 1000);
        const res = await patchUpload(s.api, owner, p, offset, piece, { 'upload-checksum': `${algorithm} ${digest(algorithm, piece)}` });
        expect(res.status).toBe(204);
        offset += 1000;
        expect(res.headers.get('upload-offset')).toBe(String(offset));
      }
      expect(await storedBytes(s, id)).toEqual(data);
      expect((await settledFile(s.api, owner, id)).sha256).toBe(sha256(data));
      expect(existsSync((await storageOf(s)).uploads.scratchPath(id))).toBe(false);
    });

    it('answers 460 on a mismatch and keeps none of the bytes: the offset and the file are as they were', async () => {
      const data = randomData(2000);
      const { path: p, id } = await createUpload(s.api, owner, { length: data.length, metadata: { filename: 'sum.bin' } });
      expect((await patchUpload(s.api, owner, p, 0, data.subarray(0, 500))).status).toBe(204);
      const corrupted = Buffer.from(data.subarray(500));
      corrupted[700] = corrupted[700]! ^ 0xff;
      const res = await patchUpload(s.api, owner, p, 500, corrupted, { 'upload-checksum': `sha256 ${digest('sha256', data.subarray(500))}` });
      expect(res.status).toBe(460);
      expect(errorCode(res)).toBe('checksum_mismatch');
      expect(await offsetOf(p)).toBe(500);
      expect(existsSync((await storageOf(s)).uploads.scratchPath(id))).toBe(false);
      // Sent again intact, it completes and the file's SHA-256 is that of the intended bytes.
      const retry = await patchUpload(s.api, owner, p, 500, data.subarray(500), {
        'upload-checksum': `sha256 ${digest('sha256', data.subarray(500))}`,
      });
      expect(retry.status).toBe(204);
      expect((await settledFile(s.api, owner, id)).sha256).toBe(sha256(data));
    });

    it('answers 400 for an unknown algorithm or a malformed header, before storing anything', async () => {
      const { path: p } = await createUpload(s.api, owner, { length: 10, metadata: { filename: 'a.txt' } });
      const unknown = await patchUpload(s.api, owner, p, 0, Buffer.from('abc'), { 'upload-checksum': 'crc32 AAAAAA==' });
      expect(unknown.status).toBe(400);
      expect(errorCode(unknown)).toBe('unsupported_checksum_algorithm');
      const malformed = await patchUpload(s.api, owner, p, 0, Buffer.from('abc'), { 'upload-checksum': 'sha1' });
      expect(malformed.status).toBe(400);
      expect(errorCode(malformed)).toBe('invalid_checksum');
      expect(await offsetOf(p)).toBe(0);
    });
  });

  describe('concatenation', () => {
    const createPartial = async (data: Buffer, token = owner) => {
      const res = await createUpload(s.api, token, { length: data.length, headers: { 'upload-concat': 'partial' } });
      expect(res.status).toBe(201);
      if (data.length > 0) expect((await patchUpload(s.api, token, res.path, 0, data)).status).toBe(204);
      return res;
    };
    const createFinal = (concat: string, metadata: Record<string, string> | null = { filename: 'whole.bin' }, token = owner) =>
      s.api.request('POST', '/api/uploads/', {
        token,
        headers: { ...TUS_RESUMABLE, 'upload-concat': concat, ...(metadata ? { 'upload-metadata': uploadMetadata(metadata) } : {}) },
      });

    it("joins partials (absolute URLs and paths) into one file whose id is the final upload's; the partials go", async () => {
      const pieces = [randomData(60 * KiB), randomData(1), randomData(0), randomData(50 * KiB)];
      const partials = [];
      for (const piece of pieces) partials.push(await createPartial(piece));
      const partialHead = await head(partials[0]!.path);
      expect(partialHead.headers.get('upload-concat')).toBe('partial');
      // A partial is never a file of its own.
      expect((await s.api.get(`/api/files/${partials[0]!.id}`, owner)).status).toBe(404);

      const refs = partials.map((p, i) => (i % 2 === 0 ? `${s.url}${p.path}` : p.path));
      const res = await createFinal(`final;${refs.join(' ')}`, { filename: 'whole.bin', title: 'Joined' });
      expect(res.status).toBe(201);
      expect(res.headers.get('tus-resumable')).toBe('1.0.0');
      const location = res.headers.get('location')!;
      expect(location).toMatch(/^\/api\/uploads\/[A-Za-z0-9_-]{22}$/);
      const id = location.split('/').pop()!;
      const whole = Buffer.concat(pieces);
      expect(await storedBytes(s, id)).toEqual(whole);
      const file = await settledFile(s.api, owner, id);
      expect(file).toMatchObject({ id, filename: 'whole.bin', title: 'Joined', size: whole.length, sha256: sha256(whole) });
      const finalHead = await head(location);
      expect(finalHead.headers.get('upload-offset')).toBe(String(whole.length));
      expect(finalHead.headers.get('upload-concat')).toBe(`final;${partials.map((p) => p.path).join(' ')}`);
      for (const partial of partials) {
        expect((await head(partial.path)).status).toBe(404);
        expect(await isStored(s, partial.id)).toBe(false);
      }
      // The SHA-256 was computed while assembling.
      const row = await withDatabase(s, (db) => db.selectFrom('uploads').select('sha256').where('id', '=', id).executeTakeFirst());
      expect(row?.sha256).toBe(sha256(whole));
    });

    it("refuses someone else's partial (404), an unfinished one or an ordinary upload (400), bad references (400), and a total over MAX_UPLOAD_SIZE (413)", async () => {
      const mine = await createPartial(randomData(10));
      const theirs = await createPartial(randomData(10), other);
      const unfinished = await createUpload(s.api, owner, { length: 10, headers: { 'upload-concat': 'partial' } });
      const ordinary = await createUpload(s.api, owner, { length: 3, metadata: { filename: 'o.txt' }, body: Buffer.from('abc') });

      const notMine = await createFinal(`final;${mine.path} ${theirs.path}`);
      expect(notMine.status).toBe(404);
      expect(errorCode(notMine)).toBe('not_found');
      expect(errorCode(await createFinal(`final;${mine.path} ${unfinished.path}`))).toBe('partial_unfinished');
      expect(errorCode(await createFinal(`final;${ordinary.path}`))).toBe('not_partial');
      for (const bad of ['final;', 'final;/etc/passwd', `final;${mine.path}/x`, 'final;http://x/api/uploads/a%2Fb']) {
        const res = await createFinal(bad);
        expect(res.status, bad).toBe(400);
        expect(errorCode(res)).toBe('invalid_concat');
      }
      expect((await createFinal(`final;${mine.path}`, null)).status).toBe(400);
      expect((await createFinal(`final;${mine.path}`, { filename: 'x.bin' }, other)).status).toBe(404);

      const big = await createPartial(randomData(MAX_CHUNK));
      const refs = Array.from({ length: MAX_UPLOAD / MAX_CHUNK + 1 }, () => big.path).join(' ');
      const tooBig = await createFinal(`final;${refs}`);
      expect(tooBig.status).toBe(413);
      // Nothing was consumed by the refusals.
      expect((await head(mine.path)).headers.get('upload-offset')).toBe('10');
      expect((await head(theirs.path, other)).status).toBe(200);
    });
  });

  describe('SHA-256 while receiving', () => {
    it('continues from a saved state that lags the bytes on disk, or starts over from one ahead of them', async () => {
      const data = randomData(3000);
      const { path: p, id } = await createUpload(s.api, owner, { length: data.length, metadata: { filename: 'h.bin' } });
      const saved = () =>
        withDatabase(s, (db) => db.selectFrom('uploads').select(['hash_state', 'hash_offset']).where('id', '=', id).executeTakeFirstOrThrow());
      expect((await patchUpload(s.api, owner, p, 0, data.subarray(0, 1000))).status).toBe(204);
      const early = await saved();
      expect(Number(early.hash_offset)).toBe(1000);
      expect((await patchUpload(s.api, owner, p, 1000, data.subarray(1000, 2000))).status).toBe(204);
      // As if the server died between writing bytes 1000..2000 and saving the state.
      await withDatabase(s, (db) => db.updateTable('uploads').set(early).where('id', '=', id).execute());
      expect((await patchUpload(s.api, owner, p, 2000, data.subarray(2000, 2500))).status).toBe(204);
      // S3 cannot read back an unfinished multipart upload: there the lagging state waits for the
      // upload to complete and catches up from the finished object.
      expect(Number((await saved()).hash_offset)).toBe(TEST_STORAGE === 'fs' ? 2500 : 1000);
      // A state ahead of the file (its tail lost) cannot be used.
      await withDatabase(s, (db) => db.updateTable('uploads').set({ hash_offset: 2900 }).where('id', '=', id).execute());
      expect((await patchUpload(s.api, owner, p, 2500, data.subarray(2500))).status).toBe(204);
      expect((await settledFile(s.api, owner, id)).sha256).toBe(sha256(data));
    });

    it('starts over from a state saved by an earlier hasher (an upload in progress across an upgrade)', async () => {
      const data = randomData(3000);
      const { path: p, id } = await createUpload(s.api, owner, { length: data.length, metadata: { filename: 'old.bin' } });
      expect((await patchUpload(s.api, owner, p, 0, data.subarray(0, 1000))).status).toBe(204);
      // hash-wasm's saved SHA-256 was 116 bytes of its own layout.
      const foreign = randomData(116).toString('base64');
      await withDatabase(s, (db) => db.updateTable('uploads').set({ hash_state: foreign }).where('id', '=', id).execute());
      expect((await patchUpload(s.api, owner, p, 1000, data.subarray(1000))).status).toBe(204);
      expect((await settledFile(s.api, owner, id)).sha256).toBe(sha256(data));
    });
  });
});
