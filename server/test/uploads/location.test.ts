import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer.js';
import { uploadMetadata } from '../helpers/tus.js';

/** A tus creation with whatever Host and forwarding headers an attacker likes (fetch won't send a Host of our choosing). */
function create(s: TestServer, token: string, headers: Record<string, string>): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${s.url}/api/uploads/`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'tus-resumable': '1.0.0',
          'upload-length': '3',
          'upload-metadata': uploadMetadata({ filename: 'x.bin' }),
          ...headers,
        },
      },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode!, location: res.headers.location });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const HOSTILE: Array<Record<string, string>> = [
  { host: 'evil.example.com' },
  { host: 'evil.example.com', 'x-forwarded-host': 'evil.example.com', 'x-forwarded-proto': 'https' },
  { forwarded: 'host=evil.example.com;proto=https' },
];

describe.each([
  ['without PUBLIC_URL', {}, (id: string) => `/api/uploads/${id}`],
  ['behind a trusted proxy without PUBLIC_URL', { TRUST_PROXY: 'true' }, (id: string) => `/api/uploads/${id}`],
  [
    'with PUBLIC_URL',
    { PUBLIC_URL: 'https://files.example.org/', TRUST_PROXY: 'true' },
    (id: string) => `https://files.example.org/api/uploads/${id}`,
  ],
])('tus Location %s', (_what, env, expected) => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startTestServer({ env });
    token = (await s.api.newUser()).token;
  });
  afterAll(() => s?.stop());

  it.each(HOSTILE)('never comes from the client (%j)', async (headers) => {
    const res = await create(s, token, headers);
    expect(res.status).toBe(201);
    const id = res.location!.split('/').pop()!;
    expect(res.location).toBe(expected(id));
    expect(res.location).not.toContain('evil');
  });
});
