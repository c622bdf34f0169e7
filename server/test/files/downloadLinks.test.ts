import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadLinks } from '../../src/files/downloadLinks.js';
import { capturedLog, errorCode, startTestServer, type TestServer } from '../helpers/testServer.js';
import { randomData, sha256, uploadFile } from '../helpers/tus.js';

describe('signed download links', () => {
  let s: TestServer;
  let owner: Awaited<ReturnType<TestServer['api']['newUser']>>;
  let id: string;
  const data = randomData(100_000);
  const logged = capturedLog();
  beforeAll(async () => {
    s = await startTestServer({ log: logged.log });
    owner = await s.api.newUser('owner');
    id = await uploadFile(s.api, owner.token, data, { filename: 'rapport été.bin' });
  });
  afterAll(() => s?.stop());

  const linkFor = async (fileId: string, token: string) => s.api.post(`/api/files/${fileId}/download-link`, undefined, token);

  it('gives the owner a short-lived link that streams the bytes without a bearer header, ranges included', async () => {
    const res = await linkFor(id, owner.token);
    expect(res.status).toBe(200);
    expect(res.body.url).toMatch(/^\/api\/downloads\/[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(Date.parse(res.body.expiresAt) - Date.now()).toBeGreaterThan(60_000);

    const whole = await fetch(s.url + res.body.url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-disposition')).toContain("filename*=UTF-8''rapport%20%C3%A9t%C3%A9.bin");
    expect(sha256(Buffer.from(await whole.arrayBuffer()))).toBe(sha256(data));

    const part = await fetch(s.url + res.body.url, { headers: { range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(data.subarray(10, 20));

    // The link is a credential: it is never written to the log.
    const token = res.body.url.split('/').pop();
    expect(logged.text()).toContain('/api/downloads/[redacted]');
    expect(logged.text()).not.toContain(token);
  });

  it("gives no link for someone else's file", async () => {
    const stranger = await s.api.newUser('stranger');
    expect((await linkFor(id, stranger.token)).status).toBe(404);
  });

  it('refuses tampered, expired and swapped tokens', async () => {
    const { url } = (await linkFor(id, owner.token)).body;
    const tampered = await s.api.get(`${url.slice(0, -3)}abc`);
    expect(tampered.status).toBe(401);
    expect(errorCode(tampered)).toBe('invalid_download_link');

    // An access token is not a download link, and a download link is not an access token.
    expect((await s.api.get(`/api/downloads/${owner.token}`)).status).toBe(401);
    expect((await s.api.get(`/api/files/${id}`, url.split('/').pop())).status).toBe(401);

    const expired = new DownloadLinks(s.config.jwtSecret, 1000).sign(id, owner.id).token;
    await new Promise((r) => setTimeout(r, 1100));
    expect((await s.api.get(`/api/downloads/${expired}`)).status).toBe(401);
  });

  it('stops working when the file is deleted', async () => {
    const other = await uploadFile(s.api, owner.token, Buffer.from('short lived'), { filename: 'gone.txt' });
    const { url } = (await linkFor(other, owner.token)).body;
    expect((await s.api.delete(`/api/files/${other}`, owner.token)).status).toBe(204);
    expect((await s.api.get(url)).status).toBe(404);
  });
});
