import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturedLog, errorCode, isStored, startTestServer, waitFor, type TestServer } from '../helpers/testServer.js';
import { TUS_RESUMABLE, createUpload, patchUpload, randomData, uploadFile } from '../helpers/tus.js';

describe('upload expiry (UPLOAD_EXPIRATION=2s)', () => {
  let s: TestServer;
  let token: string;
  const logged = capturedLog();
  beforeAll(async () => {
    s = await startTestServer({ env: { UPLOAD_EXPIRATION: '2s' }, log: logged.log });
    token = (await s.api.newUser()).token;
  });
  afterAll(() => s?.stop());

  it('deletes unfinished uploads after the expiry, keeps finished ones, and logs how many went', async () => {
    const unfinished = await createUpload(s.api, token, { length: 100, metadata: { filename: 'slow.txt' } });
    await patchUpload(s.api, token, unfinished.path, 0, Buffer.from('abc'));
    const expires = Date.parse(unfinished.headers.get('upload-expires')!);
    expect(expires - Date.now()).toBeLessThanOrEqual(2000);
    const data = randomData(500);
    const finished = await uploadFile(s.api, token, data, { filename: 'done.txt' });

    // Upload-Expires has whole seconds; the real moment can be up to one second later.
    await new Promise((r) => setTimeout(r, Math.max(0, expires - Date.now()) + 1200));
    // Past its expiry the upload is gone for the client, whether or not the sweep has run yet.
    expect([404, 410]).toContain((await s.api.request('HEAD', unfinished.path, { token, headers: TUS_RESUMABLE })).status);
    const late = await patchUpload(s.api, token, unfinished.path, 3, Buffer.from('def'));
    expect([404, 410]).toContain(late.status);
    expect(['upload_expired', 'not_found']).toContain(errorCode(late));

    await waitFor(async () => !(await isStored(s, unfinished.id)), 'the expired upload to be deleted', 10_000);
    await waitFor(
      async () => logged.records().some((l) => l.msg === 'expired uploads deleted' && Number(l.removed) >= 1),
      'the sweep to log it',
      10_000,
    );
    expect((await s.api.request('HEAD', unfinished.path, { token, headers: TUS_RESUMABLE })).status).toBe(404);

    // A finished upload is a file: the sweep never touches its bytes.
    expect(await isStored(s, finished)).toBe(true);
    const content = await fetch(`${s.url}/api/files/${finished}/content`, { headers: { authorization: `Bearer ${token}` } });
    expect(Buffer.from(await content.arrayBuffer())).toEqual(data);
    // Only unfinished uploads expire: the finished one's URL still answers HEAD with all its bytes.
    const finishedHead = await s.api.request('HEAD', `/api/uploads/${finished}`, { token, headers: TUS_RESUMABLE });
    expect(finishedHead.status).toBe(200);
    expect(finishedHead.headers.get('upload-offset')).toBe(String(data.length));
    expect(logged.records().some((l) => l.msg === 'upload maintenance failed')).toBe(false);
  });
});
