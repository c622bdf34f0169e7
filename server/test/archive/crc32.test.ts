import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoCache } from '../../src/cache/metadataCache.js';
import { openDatabase } from '../../src/db/database.js';
import { FileCrc32s } from '../../src/files/fileCrc32.js';
import { FilesRepository } from '../../src/files/files.repository.js';
import type { StoredBytes } from '../../src/files/content.js';
import { createLogger } from '../../src/logger.js';
import { freePort, startChildServer, type ChildServer } from '../helpers/childServer.js';
import { postgresAvailable } from '../helpers/services.js';
import { Api, startTestServer, storageOf, storedBytes, testStorageEnv, withDatabase, type TestServer } from '../helpers/testServer.js';
import { TUS_RESUMABLE, createUpload, patchUpload, randomData, uploadMetadata } from '../helpers/tus.js';
import { runTusClient } from '../helpers/tusClient.js';

const MiB = 1024 * 1024;

/** Python's zlib.crc32 of some bytes: an implementation that shares nothing with the server's. */
function pythonCrc32(bytes: Buffer): number {
  return Number(execFileSync('python3', ['-c', 'import sys, zlib; print(zlib.crc32(sys.stdin.buffer.read()))'], { input: bytes }).toString().trim());
}

const databases: Array<'sqlite' | 'postgres'> = ['sqlite', ...((await postgresAvailable()) ? (['postgres'] as const) : [])];

describe.each(databases)('every finished file gets its CRC-32 (%s)', (database) => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startTestServer({ database, env: { LOG_LEVEL: 'warn', RUN_WORKERS: 'false' } });
    token = (await s.api.newUser('crc')).token;
  });
  afterAll(() => s?.stop());

  const storedCrc32 = async (id: string) => {
    const row = await withDatabase(s, (db) => db.selectFrom('files').select('crc32').where('id', '=', id).executeTakeFirstOrThrow());
    return row.crc32 === null ? null : Number(row.crc32);
  };

  it('over tus, in several PATCHes (one checksummed)', async () => {
    const data = randomData(3 * MiB + 17);
    const upload = await createUpload(s.api, token, { length: data.length, metadata: { filename: 'tus.bin' } });
    expect((await patchUpload(s.api, token, upload.path, 0, data.subarray(0, MiB))).status).toBe(204);
    const sha1 = createHash('sha1')
      .update(data.subarray(MiB, 2 * MiB))
      .digest('base64');
    expect((await patchUpload(s.api, token, upload.path, MiB, data.subarray(MiB, 2 * MiB), { 'upload-checksum': `sha1 ${sha1}` })).status).toBe(204);
    expect((await patchUpload(s.api, token, upload.path, 2 * MiB, data.subarray(2 * MiB))).status).toBe(204);
    expect(await storedCrc32(upload.id)).toBe(crc32(data));
    expect(pythonCrc32(await storedBytes(s, upload.id))).toBe(crc32(data));
    // The wire type stays the contract's: no crc32 on a File.
    const file = (await s.api.get(`/api/files/${upload.id}`, token)).body;
    expect(file).toMatchObject({ id: upload.id, size: data.length });
    expect(file).not.toHaveProperty('crc32');
  });

  it('as a multipart form, and an empty file (CRC-32 0)', async () => {
    for (const data of [randomData(300_000), Buffer.alloc(0)]) {
      const form = new FormData();
      form.append('file', new Blob([data]), 'form.bin');
      const res = await s.api.request('POST', '/api/files', { token, body: form });
      expect(res.status).toBe(201);
      expect(await storedCrc32(res.body.id)).toBe(crc32(data));
    }
  });

  it('assembled from partial uploads (tus concatenation)', async () => {
    const pieces = [randomData(100_000), randomData(1), randomData(0), randomData(70_000)];
    const refs: string[] = [];
    for (const piece of pieces) {
      const partial = await createUpload(s.api, token, { length: piece.length, headers: { 'upload-concat': 'partial' } });
      if (piece.length > 0) expect((await patchUpload(s.api, token, partial.path, 0, piece)).status).toBe(204);
      refs.push(partial.path);
    }
    const res = await s.api.request('POST', '/api/uploads/', {
      token,
      headers: { ...TUS_RESUMABLE, 'upload-concat': `final;${refs.join(' ')}`, 'upload-metadata': uploadMetadata({ filename: 'joined.bin' }) },
    });
    expect(res.status).toBe(201);
    const id = res.headers.get('location')!.split('/').pop()!;
    expect(await storedCrc32(id)).toBe(crc32(Buffer.concat(pieces)));
  });

  it('resumed from a hash state saved before 008_crc32 (no CRC-32 in it): the prefix is read again', async () => {
    const data = randomData(2 * MiB);
    const upload = await createUpload(s.api, token, { length: data.length, metadata: { filename: 'upgrade.bin' } });
    expect((await patchUpload(s.api, token, upload.path, 0, data.subarray(0, MiB))).status).toBe(204);
    await withDatabase(s, (db) => db.updateTable('uploads').set({ crc32: null }).where('id', '=', upload.id).execute());
    expect((await patchUpload(s.api, token, upload.path, MiB, data.subarray(MiB))).status).toBe(204);
    expect(await storedCrc32(upload.id)).toBe(crc32(data));
  });

  it('for a file stored without one: FileCrc32s reads it once, stores it, and answers from the row after', async () => {
    const data = randomData(5 * MiB + 3);
    const upload = await createUpload(s.api, token, { length: data.length, metadata: { filename: 'old.bin' }, body: data });
    expect(upload.status).toBe(201);
    // As a file from before 008_crc32.
    await withDatabase(s, (db) => db.updateTable('files').set({ crc32: null }).where('id', '=', upload.id).execute());
    const handle = openDatabase(s.config.databaseUrl);
    try {
      const files = new FilesRepository(handle.db, handle.kind, new NoCache());
      const crc32s = new FileCrc32s(files, createLogger('silent'));
      const { blobs } = await storageOf(s);
      const key = `uploads/${upload.id}`;
      const bytes: StoredBytes = { info: (await blobs.stat(key))!, read: (range) => blobs.read(key, range) };
      const record = (await files.find(upload.id))!;
      expect(record.crc32).toBeNull();
      // Asked for twice at once, it is read once: both get the same promise's value.
      const [first, second] = await Promise.all([crc32s.of(record, bytes), crc32s.of(record, bytes)]);
      expect(first).toBe(crc32(data));
      expect(second).toBe(first);
      expect(await storedCrc32(upload.id)).toBe(crc32(data));
      // With the bytes gone, the stored value still answers: nothing is read again.
      await blobs.deleteAll(key);
      expect(await crc32s.of((await files.find(upload.id))!, bytes)).toBe(crc32(data));
      // A file whose bytes are gone and that never had a CRC-32 is an error the caller sees.
      await withDatabase(s, (db) => db.updateTable('files').set({ crc32: null }).where('id', '=', upload.id).execute());
      await expect(crc32s.of((await files.find(upload.id))!, bytes)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await handle.close();
    }
  });
});

describe('a tus upload resumed after the server was killed mid-file', () => {
  let child: ChildServer | undefined;
  let storageDir: string;
  afterAll(async () => {
    child?.process.kill('SIGKILL');
    await child?.exited;
    await rm(storageDir, { recursive: true, force: true });
  });

  it('gets the CRC-32 of all its bytes, as Python computes it from the file downloaded', { timeout: 120_000 }, async () => {
    storageDir = await mkdtemp(path.join(tmpdir(), 'dropline-crc-crash-'));
    const env = {
      NODE_ENV: 'test',
      STORAGE_DIR: storageDir,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      SEED_USERS: 'crc@example.com:crc-password:user',
      CLIENT_DIR: path.join(storageDir, 'no-client'),
      RUN_WORKERS: 'false',
      ...(await testStorageEnv(storageDir)),
    };
    const first = await startChildServer(env);
    child = first;
    const api = new Api(first.url);
    const token = await api.login('crc@example.com', 'crc-password');
    const data = randomData(24 * MiB);
    const killed = await runTusClient(data, {
      endpoint: `${first.url}/api/uploads/`,
      token,
      metadata: { filename: 'survivor.bin' },
      chunkSize: 8 * MiB,
      abortWhen: (bytesSent) => {
        if (bytesSent >= 10 * MiB) first.process.kill('SIGKILL');
        return false;
      },
    });
    expect(killed.outcome).toBe('failed');
    await first.exited;
    const id = new URL(killed.url).pathname.split('/').pop()!;

    const second = await startChildServer(env);
    child = second;
    const head = await api.request('HEAD', new URL(killed.url).pathname, { token, headers: TUS_RESUMABLE });
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(data.length);
    const resumed = await runTusClient(data, { uploadUrl: killed.url, token, metadata: { filename: 'survivor.bin' }, chunkSize: 8 * MiB });
    expect(resumed.outcome).toBe('finished');

    const downloaded = Buffer.from(
      await (await fetch(`${second.url}/api/files/${id}/content`, { headers: { authorization: `Bearer ${token}` } })).arrayBuffer(),
    );
    expect(downloaded.equals(data)).toBe(true);
    const database = openDatabase(`sqlite:${path.join(storageDir, 'dropline.db')}`);
    try {
      const row = await database.db.selectFrom('files').select('crc32').where('id', '=', id).executeTakeFirstOrThrow();
      expect(Number(row.crc32)).toBe(pythonCrc32(downloaded));
      expect(Number(row.crc32)).toBe(crc32(data));
    } finally {
      await database.close();
    }
  });
});
