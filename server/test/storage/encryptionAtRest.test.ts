import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { openCore, type Closers } from '../../src/core.js';
import { createLogger } from '../../src/logger.js';
import { createStorage } from '../../src/storage/createStorage.js';
import { rewrapAll } from '../../src/storage/encryption/rewrap.js';
import { StorageLayout } from '../../src/storage/storageLayout.js';
import { createUpload, patchUpload, uploadFile } from '../helpers/tus.js';
import { errorCode, settledFile, startTestServer, testStorageEnv, type TestServer } from '../helpers/testServer.js';

/**
 * ENCRYPTION_KEY end to end, on whichever backend the run uses: what is stored is not the
 * plaintext, what is served is exactly the plaintext (whole, by any range, as a thumbnail), an
 * upload resumes across requests of any length, a rotation keeps every file readable and
 * rewrap-keys moves them to the new key, and a key that does not fit is refused in the contract's
 * format before a byte is sent.
 */

const b64 = (key: Buffer) => key.toString('base64');
const keyA = randomBytes(32);
const keyB = randomBytes(32);
const keyC = randomBytes(32);

describe('encryption at rest', { timeout: 180_000 }, () => {
  let s: TestServer;
  let token: string;
  const others: TestServer[] = [];
  beforeAll(async () => {
    s = await startTestServer({ env: { ENCRYPTION_KEY: b64(keyA) } });
    token = (await s.api.newUser('enc')).token;
  });
  afterAll(async () => {
    for (const other of others) await other.stop();
    await s?.stop();
  });

  /** Another server on the same storage and database, with other keys. */
  async function sameStorage(env: Record<string, string>): Promise<TestServer> {
    const other = await startTestServer({ env: { STORAGE_DIR: s.storageDir, DATABASE_URL: s.config.databaseUrl, RUN_WORKERS: 'false', ...env } });
    others.push(other);
    return other;
  }

  /** What the backend holds for a key, read past the encryption layer. */
  async function rawBytes(key: string): Promise<Buffer> {
    const raw = await createStorage(s.config, new StorageLayout(s.config.storageDir));
    const chunks: Buffer[] = [];
    for await (const chunk of await raw.blobs.read(key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  const content = (server: TestServer, id: string, headers: Record<string, string> = {}) =>
    server.api.request('GET', `/api/files/${id}/content`, { token, headers });
  const bytesOf = async (server: TestServer, id: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}/api/files/${id}/content`, { headers: { authorization: `Bearer ${token}`, ...headers } });
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
  };

  it('stores no plaintext, serves it back exactly, and any Range of it', async () => {
    const data = Buffer.concat([Buffer.from('A plaintext marker that must not be on disk. '.repeat(50)), randomBytes(300_000)]);
    const id = await uploadFile(s.api, token, data, { filename: 'secret.txt' });
    const stored = await rawBytes(`uploads/${id}`);
    expect(stored.length).toBeGreaterThan(data.length);
    expect(stored.indexOf(data.subarray(0, 64))).toBe(-1);
    expect(stored.indexOf(Buffer.from('must not be on disk'))).toBe(-1);

    const whole = await bytesOf(s, id);
    expect(whole.status).toBe(200);
    expect(whole.body.equals(data)).toBe(true);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: data.length - 1 }), fc.nat({ max: 200_000 }), async (start, length) => {
        const end = Math.min(start + length, data.length - 1);
        const res = await bytesOf(s, id, { range: `bytes=${start}-${end}` });
        expect(res.status).toBe(206);
        expect(res.body.equals(data.subarray(start, end + 1))).toBe(true);
      }),
      { numRuns: 25 },
    );
    const suffix = await bytesOf(s, id, { range: 'bytes=-1000' });
    expect(suffix.body.equals(data.subarray(-1000))).toBe(true);
  });

  it('resumes an upload across requests that end anywhere in a chunk, with the offset HEAD gives', async () => {
    const data = randomBytes(400_000);
    const created = await createUpload(s.api, token, { length: data.length, metadata: { filename: 'pieces.bin' } });
    expect(created.status).toBe(201);
    let offset = 0;
    for (const end of [1, 65_535, 65_536, 65_537, 200_000, 200_001, data.length]) {
      const res = await patchUpload(s.api, token, created.path, offset, data.subarray(offset, end));
      expect(res.status).toBe(204);
      expect(res.headers.get('upload-offset')).toBe(String(end));
      const head = await s.api.request('HEAD', created.path, { token, headers: { 'tus-resumable': '1.0.0' } });
      expect(head.headers.get('upload-offset')).toBe(String(end));
      offset = end;
    }
    const file = await settledFile(s.api, token, created.id);
    expect(file.size).toBe(data.length);
    expect((await bytesOf(s, created.id)).body.equals(data)).toBe(true);
  });

  it('keeps derived files encrypted too: the thumbnail in storage is not an image, the one served is', async () => {
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 30, b: 90 } } })
      .png()
      .toBuffer();
    const id = await uploadFile(s.api, token, png, { filename: 'red.png' });
    const file = await settledFile(s.api, token, id);
    expect(file.status).toBe('processed');
    const stored = await rawBytes(`derived/${id}/thumbnail.webp`);
    expect(stored.subarray(0, 4).toString()).not.toBe('RIFF');
    const thumb = await fetch(`${s.url}/api/files/${id}/thumbnail`, { headers: { authorization: `Bearer ${token}` } });
    expect(thumb.status).toBe(200);
    const served = Buffer.from(await thumb.arrayBuffer());
    expect(served.subarray(0, 4).toString()).toBe('RIFF');
    expect((await sharp(served).metadata()).format).toBe('webp');
  });

  it('a rotation keeps old files readable, rewrap-keys moves them to the new key, and then the old key can go', async () => {
    const data = randomBytes(150_000);
    const id = await uploadFile(s.api, token, data, { filename: 'rotated.bin' });
    const rotated = await sameStorage({ ENCRYPTION_KEY: b64(keyB), ENCRYPTION_KEY_PREVIOUS: b64(keyA) });
    expect((await bytesOf(rotated, id)).body.equals(data)).toBe(true);
    const before = await rawBytes(`uploads/${id}`);

    const config = loadConfig({
      ...process.env,
      ...(await testStorageEnv(s.storageDir)),
      STORAGE_DIR: s.storageDir,
      DATABASE_URL: s.config.databaseUrl,
      ENCRYPTION_KEY: b64(keyB),
      ENCRYPTION_KEY_PREVIOUS: b64(keyA),
      LOG_LEVEL: 'silent',
    });
    const closers: Closers = [];
    try {
      const { encryption } = await openCore(config, createLogger('silent'), closers, 'rewrap-test');
      const report = await rewrapAll(encryption.keys, encryption.records);
      expect(report.unreadable).toEqual([]);
      expect(report.rewrapped).toBeGreaterThan(0);
    } finally {
      for (const close of closers.splice(0)) await close();
    }
    // Not one stored byte changed: only the wrapped keys did.
    expect((await rawBytes(`uploads/${id}`)).equals(before)).toBe(true);
    const onlyB = await sameStorage({ ENCRYPTION_KEY: b64(keyB) });
    expect((await bytesOf(onlyB, id)).body.equals(data)).toBe(true);
    const offset = 70_000;
    expect((await bytesOf(onlyB, id, { range: `bytes=${offset}-` })).body.equals(data.subarray(offset))).toBe(true);
    // The key it was stored under, alone, no longer reads it.
    expect(errorCode(await content(await sameStorage({ ENCRYPTION_KEY: b64(keyA) }), id))).toBe('encryption_key_unknown');
  });

  it('a server with another key, or none, refuses in the contract format before any byte; a file stored without encryption stays readable', async () => {
    const data = randomBytes(10_000);
    const id = await uploadFile(s.api, token, data, { filename: 'refused.bin' });
    const wrong = await sameStorage({ ENCRYPTION_KEY: b64(keyC) });
    for (const res of [await content(wrong, id), await content(wrong, id, { range: 'bytes=5-10' })]) {
      expect(res.status).toBe(500);
      expect(errorCode(res)).toBe('encryption_key_unknown');
      expect(res.headers.get('content-type')).toContain('application/json');
    }
    // Empty is unset, also in the encrypted matrix run, whose servers get a key otherwise.
    const none = await sameStorage({ ENCRYPTION_KEY: '' });
    const missing = await content(none, id);
    expect(missing.status).toBe(500);
    expect(errorCode(missing)).toBe('encryption_key_missing');

    // Uploaded while encryption was off: stored as it came, and still served once the key is set.
    const plain = randomBytes(5_000);
    const plainId = await uploadFile(none.api, token, plain, { filename: 'plain.bin' });
    expect((await rawBytes(`uploads/${plainId}`)).equals(plain)).toBe(true);
    expect((await bytesOf(s, plainId)).body.equals(plain)).toBe(true);
  });

  it('altered stored bytes are refused as corrupt, never served', async () => {
    const data = randomBytes(20_000);
    const id = await uploadFile(s.api, token, data, { filename: 'tampered.bin' });
    const stored = await rawBytes(`uploads/${id}`);
    stored[stored.length - 100]! ^= 0x01;
    const raw = await createStorage(s.config, new StorageLayout(s.config.storageDir));
    await raw.blobs.put(`uploads/${id}`, Readable.from([stored]));
    const res = await content(s, id);
    expect(res.status).toBe(500);
    expect(errorCode(res)).toBe('content_corrupt');
  });
});
