import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadFile } from '../helpers/tus.js';
import { errorCode, startTestServer, type TestServer } from '../helpers/testServer.js';

async function processed(s: TestServer, token: string, id: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const res = await s.api.get(`/api/files/${id}`, token);
    if (res.body.status === 'processed') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`file ${id} was not processed`);
}

describe('GET /api/files/:id/thumbnail', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s?.stop());

  it("serves an image's WebP thumbnail to its owner, and 404 where there is none", async () => {
    const owner = await s.api.newUser('thumbs');
    const png = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#3a7' } }).png().toBuffer();
    const image = await uploadFile(s.api, owner.token, png, { filename: 'green.png', filetype: 'image/png' });
    const text = await uploadFile(s.api, owner.token, Buffer.from('just words\n'), { filename: 'notes.txt', filetype: 'text/plain' });
    await processed(s, owner.token, image);
    await processed(s, owner.token, text);
    expect((await s.api.get(`/api/files/${image}`, owner.token)).body.extracted).toMatchObject({ thumbnail: true });

    const res = await fetch(`${s.url}/api/files/${image}/thumbnail`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
    expect(await sharp(Buffer.from(await res.arrayBuffer())).metadata()).toMatchObject({ format: 'webp', width: 256, height: 192 });

    const none = await s.api.get(`/api/files/${text}/thumbnail`, owner.token);
    expect(none.status).toBe(404);
    expect(errorCode(none)).toBe('not_found');

    const stranger = await s.api.newUser('stranger');
    expect((await s.api.get(`/api/files/${image}/thumbnail`, stranger.token)).status).toBe(404);
    expect((await s.api.get(`/api/files/${image}/thumbnail`)).status).toBe(401);
  });
});
