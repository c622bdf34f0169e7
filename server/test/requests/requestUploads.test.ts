import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../helpers/services.js';
import { collect, openSocket } from '../helpers/sockets.js';
import { startTestServer, storedBytes, type TestServer } from '../helpers/testServer.js';
import { TUS_RESUMABLE, randomData, sha256 } from '../helpers/tus.js';
import { runTusClient } from '../helpers/tusClient.js';

const MiB = 1024 * 1024;
const databases: Array<'sqlite' | 'postgres'> = ['sqlite', ...((await postgresAvailable()) ? (['postgres'] as const) : [])];

describe.each(databases)('tus-js-client through a file request on %s', (database) => {
  let s: TestServer;
  let owner: Awaited<ReturnType<TestServer['api']['newUser']>>;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    s = await startTestServer({ database, env: { ANNOUNCE_UPLOADS: 'owner' } });
    owner = await s.api.newUser('owner');
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await s?.stop();
  });

  const newRequest = async (body: Record<string, unknown>) => {
    const res = await s.api.post('/api/requests', body, owner.token);
    expect(res.status).toBe(201);
    return { id: res.body.id as string, token: new URL(res.body.url).pathname.split('/').pop()! };
  };

  it('uploads with Authorization: Request <token>, resumes after an abort, and the owner hears file:created', async () => {
    const socket = await openSocket(s.url, owner.token);
    sockets.push(socket);
    const created = collect(socket, 'file:created');
    const request = await newRequest({ title: 'Send me the video' });
    const authorization = `Request ${request.token}`;
    const data = randomData(5 * MiB);
    const metadata = { filename: 'video.bin', filetype: 'application/octet-stream', uploader: 'Erin' };

    const first = await runTusClient(data, { endpoint: `${s.url}/api/uploads/`, authorization, metadata, abortWhen: (sent) => sent >= 2.5 * MiB });
    expect(first.outcome).toBe('aborted');
    const head = await s.api.request('HEAD', new URL(first.url).pathname, { headers: { ...TUS_RESUMABLE, authorization } });
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(5 * MiB);

    const second = await runTusClient(data, { uploadUrl: first.url, authorization, metadata });
    expect(second.outcome).toBe('finished');
    expect(second.sent).toBe(5 * MiB - offset);

    const id = new URL(first.url).pathname.split('/').pop()!;
    expect(sha256(await storedBytes(s, id))).toBe(sha256(data));
    const file = await s.api.get(`/api/files/${id}`, owner.token);
    expect(file.body).toMatchObject({
      id,
      filename: 'video.bin',
      size: 5 * MiB,
      owner: { id: owner.id },
      request: { id: request.id, title: 'Send me the video', uploader: 'Erin' },
    });
    await expect.poll(() => created.map((e) => e.id)).toContain(id);
    expect((await s.api.get(`/api/requests/${request.id}`, owner.token)).body).toMatchObject({ files: 1, bytes: 5 * MiB });
  });

  it('uploads with a password: Request <token>:<accessToken>, also in parallel (concatenation)', async () => {
    const request = await newRequest({ title: 'Locked', password: 'let me in', maxFiles: 1 });
    const unlock = await s.api.post(`/api/public/requests/${request.token}/unlock`, { password: 'let me in' });
    const authorization = `Request ${request.token}:${unlock.body.accessToken}`;
    const data = randomData(3 * MiB + 5);
    const denied = await runTusClient(data, {
      endpoint: `${s.url}/api/uploads/`,
      authorization: `Request ${request.token}`,
      metadata: { filename: 'x.bin' },
    });
    expect(denied.outcome).toBe('failed');
    const run = await runTusClient(data, {
      endpoint: `${s.url}/api/uploads/`,
      authorization,
      parallelUploads: 3,
      metadata: { filename: 'parallel.bin' },
    });
    expect(run.outcome).toBe('finished');
    const id = new URL(run.url).pathname.split('/').pop()!;
    const file = await s.api.get(`/api/files/${id}`, owner.token);
    expect(file.body).toMatchObject({ size: data.length, request: { id: request.id, uploader: null } });
    // The request's one file is taken.
    const next = await runTusClient(randomData(10), { endpoint: `${s.url}/api/uploads/`, authorization, metadata: { filename: 'more.bin' } });
    expect(next.outcome).toBe('failed');
    expect(String(next.error)).toContain('413');
  });
});
