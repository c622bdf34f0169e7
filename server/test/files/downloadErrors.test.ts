import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, startTestServer, type TestServer } from '../helpers/testServer.js';
import { uploadFile } from '../helpers/tus.js';

/**
 * Every error of every download route is the contract's JSON, never sent under the file's own
 * Content-Type or Content-Disposition (an HTML file's 416 must not be an HTML page).
 */
describe('errors on download routes', () => {
  let s: TestServer;
  let user: Awaited<ReturnType<TestServer['api']['newUser']>>;
  let id: string;
  const html = Buffer.from('<!doctype html><script>alert(1)</script>');

  beforeAll(async () => {
    s = await startTestServer();
    user = await s.api.newUser();
    id = await uploadFile(s.api, user.token, html, { filename: 'page.html', filetype: 'text/html' });
  });
  afterAll(() => s?.stop());

  const routes = async (): Promise<Array<[string, string, string | undefined]>> => {
    const link = await s.api.post(`/api/files/${id}/download-link`, undefined, user.token);
    return [
      ['files content', `/api/files/${id}/content`, user.token],
      ['tus GET', `/api/uploads/${id}`, user.token],
      ['signed link', link.body.url, undefined],
    ];
  };

  async function expectJsonError(url: string, token: string | undefined, headers: Record<string, string>, status: number, code: string) {
    const res = await s.api.request('GET', url, { token, headers });
    expect(res.status, url).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBeNull();
    expect(errorCode(res)).toBe(code);
    return res;
  }

  it('answers an unsatisfiable Range with a JSON 416 that keeps Content-Range', async () => {
    for (const [, url, token] of await routes()) {
      const res = await expectJsonError(url, token, { range: `bytes=${html.length}-` }, 416, 'range_not_satisfiable');
      expect(res.headers.get('content-range')).toBe(`bytes */${html.length}`);
    }
  });

  it('answers a failed If-Match with a JSON 412', async () => {
    for (const [, url, token] of await routes()) {
      await expectJsonError(url, token, { 'if-match': '"not-this-one"' }, 412, 'precondition_failed');
    }
  });

  it('answers a missing thumbnail and an unknown file with JSON 404s', async () => {
    await expectJsonError(`/api/files/${id}/thumbnail`, user.token, {}, 404, 'not_found');
    await expectJsonError(`/api/files/00000000-0000-4000-8000-000000000000/content`, user.token, {}, 404, 'not_found');
  });

  it('still serves the bytes as an attachment when nothing is wrong', async () => {
    const res = await s.api.request('GET', `/api/files/${id}/content`, { token: user.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(res.body).toBe(html.toString());
  });
});
