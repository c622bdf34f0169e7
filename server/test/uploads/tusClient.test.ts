import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, redisAvailable } from '../helpers/services.js';
import { startTestServer, storedBytes, type TestServer } from '../helpers/testServer.js';
import { TUS_RESUMABLE, randomData, sha256 } from '../helpers/tus.js';
import { runTusClient } from '../helpers/tusClient.js';

const MiB = 1024 * 1024;

// With REDIS_URL the server locks uploads through Redis; the client must not notice the difference.
const setups: Array<[string, Record<string, string>]> = [['in-process locks', {}]];
if (await redisAvailable()) setups.push(['Redis locks', { REDIS_URL }]);

describe.each(setups)('tus-js-client against the server (%s)', (_name, env) => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startTestServer({ env });
    token = (await s.api.newUser()).token;
  });
  afterAll(() => s?.stop());

  it('uploads 5 MiB in 1 MiB chunks, aborts mid-way, resumes from the server offset, byte-exact', async () => {
    const data = randomData(5 * MiB);
    const metadata = { filename: 'five.bin', filetype: 'application/octet-stream', title: 'Five' };
    const first = await runTusClient(data, { endpoint: `${s.url}/api/uploads/`, token, metadata, abortWhen: (bytesSent) => bytesSent >= 2.5 * MiB });
    expect(first.outcome).toBe('aborted');

    const head = await s.api.request('HEAD', new URL(first.url).pathname, { token, headers: TUS_RESUMABLE });
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(5 * MiB);

    const second = await runTusClient(data, { uploadUrl: first.url, token, metadata });
    expect(second.outcome).toBe('finished');
    expect(second.url).toBe(first.url);
    // Only what the server lacked was sent again.
    expect(second.sent).toBe(5 * MiB - offset);
    expect(first.sent + second.sent).toBeLessThan(2 * 5 * MiB);

    const id = new URL(first.url).pathname.split('/').pop()!;
    expect(sha256(await storedBytes(s, id))).toBe(sha256(data));
    const file = await s.api.get(`/api/files/${id}`, token);
    expect(file.body).toMatchObject({ id, filename: 'five.bin', size: 5 * MiB, title: 'Five' });
    const content = await fetch(`${s.url}/api/files/${id}/content`, { headers: { authorization: `Bearer ${token}` } });
    expect(sha256(Buffer.from(await content.arrayBuffer()))).toBe(sha256(data));
  });

  it('uploads with a deferred length', async () => {
    const data = randomData(3 * MiB + 17);
    const run = await runTusClient(data, { endpoint: `${s.url}/api/uploads/`, token, deferLength: true, metadata: { filename: 'deferred.bin' } });
    expect(run.outcome).toBe('finished');
    const id = new URL(run.url).pathname.split('/').pop()!;
    expect((await s.api.get(`/api/files/${id}`, token)).body.size).toBe(data.length);
    expect(sha256(await storedBytes(s, id))).toBe(sha256(data));
  });
});
