import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startChildServer, type ChildServer } from '../helpers/childServer.js';
import { openDatabase } from '../../src/db/database.js';
import { Api, settledFile, testStorageEnv } from '../helpers/testServer.js';
import { TUS_RESUMABLE, createUpload, patchUpload, randomData, sha256 } from '../helpers/tus.js';
import { runTusClient } from '../helpers/tusClient.js';

const MiB = 1024 * 1024;

/** What the uploads table holds about the running SHA-256, read from the server's SQLite database. */
async function savedHash(storageDir: string, id: string) {
  const database = openDatabase(`sqlite:${path.join(storageDir, 'dropline.db')}`);
  try {
    return await database.db.selectFrom('uploads').select(['hash_offset', 'sha256']).where('id', '=', id).executeTakeFirstOrThrow();
  } finally {
    await database.close();
  }
}

describe('an upload survives the server being killed', () => {
  const children: ChildServer[] = [];
  const storageDirs: string[] = [];
  afterAll(async () => {
    for (const child of children) {
      child.process.kill('SIGKILL');
      await child.exited;
    }
    for (const dir of storageDirs) await rm(dir, { recursive: true, force: true });
  });

  const serverEnv = async () => {
    const storageDir = await mkdtemp(path.join(tmpdir(), 'dropline-crash-'));
    storageDirs.push(storageDir);
    return {
      NODE_ENV: 'test',
      STORAGE_DIR: storageDir,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      SEED_USERS: 'crash@example.com:crash-password:user',
      CLIENT_DIR: path.join(storageDir, 'no-client'),
      ...(await testStorageEnv(storageDir)),
    };
  };

  it('resumes with tus-js-client from the same URL after SIGKILL mid-upload, byte-exact, its SHA-256 carried on', { timeout: 90_000 }, async () => {
    const env = await serverEnv();
    const storageDir = env.STORAGE_DIR;
    const first = await startChildServer(env);
    children.push(first);
    const api = new Api(first.url);
    const token = await api.login('crash@example.com', 'crash-password');

    const data = randomData(24 * MiB);
    const metadata = { filename: 'survivor.bin' };
    const killed = await runTusClient(data, {
      endpoint: `${first.url}/api/uploads/`,
      token,
      metadata,
      chunkSize: 8 * MiB,
      // Not the client gives up here: the server dies under it, in the middle of the second chunk.
      abortWhen: (bytesSent) => {
        if (bytesSent >= 10 * MiB) first.process.kill('SIGKILL');
        return false;
      },
    });
    expect(killed.outcome).toBe('failed');
    expect(await first.exited).toBeNull();
    const id = new URL(killed.url).pathname.split('/').pop()!;
    // The hash state of the finished requests survived the kill: it ends where one of them ended
    // (the first, or the second when its bytes all landed before the signal did).
    const survived = (await savedHash(storageDir, id)).hash_offset;
    expect([8 * MiB, 16 * MiB]).toContain(survived);

    const second = await startChildServer(env);
    children.push(second);
    expect(second.url).toBe(first.url);
    const uploadPath = new URL(killed.url).pathname;
    const head = await api.request('HEAD', uploadPath, { token, headers: TUS_RESUMABLE });
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(data.length);
    expect(survived).toBeLessThanOrEqual(offset);

    const resumed = await runTusClient(data, { uploadUrl: killed.url, token, metadata, chunkSize: 8 * MiB });
    expect(resumed.outcome).toBe('finished');
    expect(resumed.sent).toBe(data.length - offset);

    const downloaded = await fetch(`${first.url}/api/files/${id}/content`, { headers: { authorization: `Bearer ${token}` } });
    expect(sha256(Buffer.from(await downloaded.arrayBuffer()))).toBe(sha256(data));
    expect((await api.get(`/api/files/${id}`, token)).body).toMatchObject({ id, size: data.length, filename: 'survivor.bin' });
    // The SHA-256 computed while receiving, across the kill, is the file's, as sha256sum sees it.
    const sha256sum = execFileSync('sha256sum', { input: data }).toString().split(' ')[0];
    expect((await settledFile(api, token, id)).sha256).toBe(sha256sum);
    expect((await savedHash(storageDir, id)).sha256).toBe(sha256sum);
  });

  it('keeps none of a checksummed PATCH cut by SIGKILL, and resumes from the last verified byte', { timeout: 90_000 }, async () => {
    const env = await serverEnv();
    const first = await startChildServer(env);
    children.push(first);
    const api = new Api(first.url);
    const token = await api.login('crash@example.com', 'crash-password');
    const data = randomData(12 * MiB);
    const checksum = (piece: Buffer) => ({ 'upload-checksum': `sha1 ${createHash('sha1').update(piece).digest('base64')}` });
    const upload = await createUpload(api, token, { length: data.length, metadata: { filename: 'verified.bin' } });
    expect((await patchUpload(api, token, upload.path, 0, data.subarray(0, 4 * MiB), checksum(data.subarray(0, 4 * MiB)))).status).toBe(204);

    // The next request's first 4 MiB reach the server; then it dies before the body is complete.
    const rest = data.subarray(4 * MiB);
    await new Promise<void>((resolve) => {
      const req = http.request(`${first.url}${upload.path}`, {
        method: 'PATCH',
        headers: {
          ...TUS_RESUMABLE,
          ...checksum(rest),
          authorization: `Bearer ${token}`,
          'content-type': 'application/offset+octet-stream',
          'upload-offset': String(4 * MiB),
          'content-length': String(rest.length),
        },
      });
      req.on('error', () => resolve());
      req.write(rest.subarray(0, 4 * MiB), () => {
        setTimeout(() => first.process.kill('SIGKILL'), 300);
      });
    });
    expect(await first.exited).toBeNull();

    const second = await startChildServer(env);
    children.push(second);
    const head = await api.request('HEAD', upload.path, { token, headers: TUS_RESUMABLE });
    expect(head.headers.get('upload-offset')).toBe(String(4 * MiB));
    expect((await patchUpload(api, token, upload.path, 4 * MiB, rest, checksum(rest))).status).toBe(204);
    const file = await settledFile(api, token, upload.id);
    expect(file).toMatchObject({ size: data.length, sha256: sha256(data) });
    const downloaded = await fetch(`${first.url}/api/files/${upload.id}/content`, { headers: { authorization: `Bearer ${token}` } });
    expect(sha256(Buffer.from(await downloaded.arrayBuffer()))).toBe(sha256(data));
  });
});
