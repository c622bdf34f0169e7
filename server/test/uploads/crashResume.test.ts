import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startChildServer, type ChildServer } from '../helpers/childServer.js';
import { Api } from '../helpers/testServer.js';
import { TUS_RESUMABLE, randomData, sha256 } from '../helpers/tus.js';
import { runTusClient } from '../helpers/tusClient.js';

const MiB = 1024 * 1024;

describe('an upload survives the server being killed', () => {
  const children: ChildServer[] = [];
  let storageDir: string;
  afterAll(async () => {
    for (const child of children) {
      child.process.kill('SIGKILL');
      await child.exited;
    }
    if (storageDir) await rm(storageDir, { recursive: true, force: true });
  });

  it('resumes with tus-js-client from the same URL after SIGKILL mid-upload, byte-exact', { timeout: 90_000 }, async () => {
    storageDir = await mkdtemp(path.join(tmpdir(), 'dropline-crash-'));
    const env = {
      NODE_ENV: 'test',
      STORAGE_DIR: storageDir,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      SEED_USERS: 'crash@example.com:crash-password:user',
      CLIENT_DIR: path.join(storageDir, 'no-client'),
    };
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

    const second = await startChildServer(env);
    children.push(second);
    expect(second.url).toBe(first.url);
    const uploadPath = new URL(killed.url).pathname;
    const head = await api.request('HEAD', uploadPath, { token, headers: TUS_RESUMABLE });
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(data.length);

    const resumed = await runTusClient(data, { uploadUrl: killed.url, token, metadata, chunkSize: 8 * MiB });
    expect(resumed.outcome).toBe('finished');
    expect(resumed.sent).toBe(data.length - offset);

    const id = uploadPath.split('/').pop()!;
    expect(sha256(await readFile(path.join(storageDir, 'uploads', id)))).toBe(sha256(data));
    expect((await api.get(`/api/files/${id}`, token)).body).toMatchObject({ id, size: data.length, filename: 'survivor.bin' });
  });
});
