import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server.js';
import { REDIS_URL, postgresAvailable, redisAvailable } from '../helpers/services.js';
import { Api, startTestServer, type TestServer } from '../helpers/testServer.js';
import { TUS_RESUMABLE, createUpload, patchUpload, randomData } from '../helpers/tus.js';

const KiB = 1024;

describe.skipIf(!(await redisAvailable()))('two nodes sharing one upload directory through Redis locks', () => {
  let a: TestServer;
  let b: RunningServer;
  let token: string;
  beforeAll(async () => {
    a = await startTestServer({ database: (await postgresAvailable()) ? 'postgres' : 'sqlite', env: { REDIS_URL } });
    // Same configuration, so the same STORAGE_DIR, database and JWT secret: a second node.
    b = await startServer(a.config);
    token = (await a.api.newUser()).token;
  });
  afterAll(async () => {
    await b?.close();
    await a?.stop();
  });

  it("makes node B wait for node A's PATCH and ask it to let go, then resume there", async () => {
    const data = randomData(512 * KiB);
    const upload = await createUpload(a.api, token, { length: data.length, metadata: { filename: 'shared.bin' } });

    // A PATCH on node A that sends half the bytes and then stalls, holding the upload's lock.
    const stalled = http.request(`${a.url}${upload.path}`, {
      method: 'PATCH',
      headers: {
        ...TUS_RESUMABLE,
        authorization: `Bearer ${token}`,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': '0',
        'content-length': String(data.length),
      },
    });
    const stalledAnswer = new Promise<number | null>((resolve) => {
      stalled.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? null);
      });
      stalled.on('error', () => resolve(null));
    });
    stalled.write(data.subarray(0, 256 * KiB));
    await new Promise((r) => setTimeout(r, 300));

    const onB = new Api(b.url);
    const started = Date.now();
    const head = await onB.request('HEAD', upload.path, { token, headers: TUS_RESUMABLE });
    // Node A held the lock until its request drained after B's release request (tus waits 3 s).
    expect(Date.now() - started).toBeGreaterThan(2000);
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe(String(256 * KiB));
    stalled.destroy();
    await stalledAnswer;

    const rest = await patchUpload(onB, token, upload.path, 256 * KiB, data.subarray(256 * KiB));
    expect(rest.status).toBe(204);
    const fromA = await a.api.get(`/api/files/${upload.id}`, token);
    expect(fromA.body).toMatchObject({ id: upload.id, size: data.length, filename: 'shared.bin' });
    const content = await fetch(`${a.url}/api/files/${upload.id}/content`, { headers: { authorization: `Bearer ${token}` } });
    // Buffer.equals: toEqual compares half a MiB element by element, which takes 15-25 s under load.
    expect(Buffer.from(await content.arrayBuffer()).equals(data)).toBe(true);
  });
});
