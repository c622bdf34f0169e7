import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Response } from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RequestPriority } from '../../src/http/priority.js';
import { startTestServer, type TestServer } from '../helpers/testServer.js';
import { TUS_RESUMABLE, createUpload, sha256 } from '../helpers/tus.js';

const nextTurnOfLoop = () => new Promise<'later'>((resolve) => setImmediate(() => resolve('later')));
/** Whether `turn` settles before the loop's next turn: released now, or still held. */
const settlesNow = (turn: Promise<void>) => Promise.race([turn.then(() => 'now' as const), nextTurnOfLoop()]);

describe('RequestPriority: upload data waits while someone waits on a question', () => {
  const held: number[] = [];
  const priority = new RequestPriority((seconds) => held.push(seconds));
  /** The requests the app has started and not answered, by the name in their path. */
  const open = new Map<string, Response>();
  /** The requests whose bodies have wholly arrived. */
  const arrived = new Set<string>();
  let server: http.Server;
  let port: number;
  const clients = new Set<http.ClientRequest>();

  beforeAll(async () => {
    const app = express();
    app.use(priority.track);
    app.all('/r/:name', (req, res) => {
      const name = String(req.params.name);
      open.set(name, res);
      // Reads the body as the API's JSON parser would; its end is when a question starts to count.
      req.once('end', () => arrived.add(name)).resume();
    });
    server = http.createServer(app);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    // Answered and gone before the next test, so no piece of this one is let go during it.
    await Promise.all(
      [...open.values()].map((res) => {
        const closed = once(res, 'close');
        res.end();
        return closed;
      }),
    );
    for (const client of clients) client.destroy();
    clients.clear();
    open.clear();
    arrived.clear();
    held.length = 0;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  /** Sends a request (headers and `body`, if any) and leaves it open until the app answers it. */
  async function send(name: string, method: string, headers: Record<string, string | number> = {}, body?: Buffer | string) {
    const client = http.request({ host: '127.0.0.1', port, method, path: `/r/${name}`, headers });
    client.on('error', () => {});
    clients.add(client);
    client.flushHeaders();
    if (body !== undefined) client.write(body);
    await expect.poll(() => open.has(name)).toBe(true);
    return client;
  }

  async function answer(name: string) {
    const res = open.get(name)!;
    open.delete(name);
    res.json({ ok: true });
    await once(res, 'finish');
  }

  it('lets upload data go on at once while nobody waits', () => {
    expect(priority.turn()).toBeNull();
  });

  it('holds upload data while a question is in flight and lets it go as the answer is sent', async () => {
    await send('list', 'GET');
    const turn = priority.turn();
    expect(turn).not.toBeNull();
    expect(await settlesNow(turn!)).toBe('later');
    await answer('list');
    expect(await settlesNow(turn!)).toBe('now');
    expect(held).toHaveLength(1);
    expect(priority.turn()).toBeNull();
  });

  it('counts small JSON bodies as questions, and lets data go only once every question is answered', async () => {
    await send('rename', 'PATCH', { 'content-type': 'application/json', 'content-length': 2 }, '{}');
    await expect.poll(() => arrived.has('rename')).toBe(true);
    await send('list', 'GET');
    const turn = priority.turn()!;
    await answer('rename');
    expect(await settlesNow(turn)).toBe('later');
    await answer('list');
    expect(await settlesNow(turn)).toBe('now');
  });

  it('counts a question only once its body has arrived: a client sending slowly holds nothing back', async () => {
    const client = await send('slow-body', 'POST', { 'content-type': 'application/json', 'content-length': 12 }, '{"name"');
    expect(priority.turn()).toBeNull();
    client.end(':"x"}');
    await expect.poll(() => arrived.has('slow-body')).toBe(true);
    expect(priority.turn()).not.toBeNull();
  });

  it('never holds a piece longer than its limit: uploads slow down under steady questions, they do not stop', async () => {
    await send('slow', 'GET');
    const pieces = Array.from({ length: 20 }, () => priority.turn()!);
    await Promise.all(pieces);
    // All went while the question was still unanswered.
    expect(open.has('slow')).toBe(true);
    expect(held).toHaveLength(20);
    expect(Math.max(...held)).toBeLessThan(1);
  });

  it('counts a request as a question for its first second only (a long download stops holding uploads)', async () => {
    await send('download', 'GET');
    expect(priority.turn()).not.toBeNull();
    await expect.poll(() => priority.turn(), { timeout: 3000, interval: 100 }).toBeNull();
    expect(open.has('download')).toBe(true);
  });

  it.each([
    ['a tus PATCH', { ...TUS_RESUMABLE, 'content-type': 'application/offset+octet-stream', 'content-length': 10 }],
    ['a multipart form', { 'content-type': 'multipart/form-data; boundary=x', 'content-length': 10 }],
    ['an IETF draft upload of any type', { 'upload-draft-interop-version': '6', 'content-type': 'application/json', 'content-length': 10 }],
    ['a body over 64 KiB', { 'content-type': 'application/json', 'content-length': 64 * 1024 + 1 }],
    ['a chunked body', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }],
  ])('takes %s for upload data: not a question, and it starts in its turn', async (_, headers) => {
    await send('question', 'GET');
    const client = http.request({ host: '127.0.0.1', port, method: 'PATCH', path: '/r/upload', headers });
    client.on('error', () => {});
    clients.add(client);
    client.write('0123456789');
    // It starts only once its turn came: here the question stays unanswered, so after the limit.
    await expect.poll(() => open.has('upload')).toBe(true);
    expect(held.length).toBeGreaterThanOrEqual(1);
    await answer('question');
    // The upload itself holds nothing back, whether its body has all arrived or not.
    expect(priority.turn()).toBeNull();
  });
});

describe('RequestPriority in the server: a tus upload yields to an API call in flight', () => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startTestServer({ env: { LOG_LEVEL: 'warn' } });
    token = (await s.api.newUser('priority')).token;
  });
  afterAll(() => s?.stop());

  const heldSeconds = async () =>
    Number(/^dropline_upload_data_held_seconds_total (\S+)$/m.exec(await (await fetch(`${s.url}/metrics`)).text())?.[1]);

  /** An upload in one PATCH; resolves with the upload (its id is the file's). */
  async function upload(data: Buffer) {
    const created = await createUpload(s.api, token, { length: data.length, metadata: { filename: 'yield.bin' } });
    const res = await s.api.request('PATCH', created.path, {
      token,
      headers: { ...TUS_RESUMABLE, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' },
      body: data,
    });
    expect(res.status).toBe(204);
    return created;
  }

  it('holds an upload in the first second of a download, stores every byte, and counts the wait', async () => {
    const data = Buffer.alloc(1024 * 1024, 'dropline');
    const before = await heldSeconds();
    await upload(data);
    // Nobody waited on a question: the upload was never held.
    expect(await heldSeconds()).toBe(before);

    // A download larger than the sockets' buffers, which its client does not read: its answer is
    // not all sent, so it counts as a question in flight for its first second.
    const big = await upload(Buffer.alloc(24 * 1024 * 1024, 'big'));
    const bigId = big.id;
    const download = http.get(`${s.url}/api/files/${bigId}/content`, { headers: { authorization: `Bearer ${token}` } });
    download.on('error', () => {});
    const [response] = (await once(download, 'response')) as [http.IncomingMessage];
    expect(response.statusCode).toBe(200);
    response.pause();
    try {
      await upload(data);
      expect(await heldSeconds()).toBeGreaterThan(before);
    } finally {
      download.destroy();
    }
    const files = await s.api.get('/api/files?limit=10', token);
    const stored = files.body.items.filter((file: { filename: string; size: number }) => file.filename === 'yield.bin' && file.size === data.length);
    expect(stored).toHaveLength(2);
    await expect.poll(async () => (await s.api.get(`/api/files/${stored[0].id}`, token)).body.sha256, { timeout: 15_000 }).toBe(sha256(data));
  });
});
