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
  let server: http.Server;
  let port: number;
  const clients = new Set<http.ClientRequest>();

  beforeAll(async () => {
    const app = express();
    app.use(priority.track);
    app.all('/r/:name', (req, res) => void open.set(String(req.params.name), res));
    server = http.createServer(app);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterEach(() => {
    for (const client of clients) client.destroy();
    clients.clear();
    for (const res of open.values()) res.end();
    open.clear();
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
    return open.get(name)!;
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
    await send('list', 'GET');
    const turn = priority.turn()!;
    await answer('rename');
    expect(await settlesNow(turn)).toBe('later');
    await answer('list');
    expect(await settlesNow(turn)).toBe('now');
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
    // The upload itself holds nothing back.
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

  /** A 1 MiB upload in one PATCH; resolves with what the server stored and says of it. */
  async function upload(data: Buffer) {
    const created = await createUpload(s.api, token, { length: data.length, metadata: { filename: 'yield.bin' } });
    const res = await s.api.request('PATCH', created.path, {
      token,
      headers: { ...TUS_RESUMABLE, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' },
      body: data,
    });
    expect(res.status).toBe(204);
    return res;
  }

  it('holds the upload while a login waits for its body, stores every byte, and counts the wait', async () => {
    const data = Buffer.alloc(1024 * 1024, 'dropline');
    const before = await heldSeconds();
    await upload(data);
    // Nobody waited on a question: the upload was never held.
    expect(await heldSeconds()).toBe(before);

    // A login whose body has not arrived yet: someone waits on it until it does (or for a second).
    const { port } = new URL(s.url);
    const login = http.request({
      host: '127.0.0.1',
      port: Number(port),
      method: 'POST',
      path: '/api/auth/login',
      headers: { 'content-type': 'application/json', 'content-length': 200 },
    });
    login.on('error', () => {});
    login.flushHeaders();
    try {
      await upload(data);
      expect(await heldSeconds()).toBeGreaterThan(before);
    } finally {
      login.destroy();
    }
    const files = await s.api.get('/api/files?limit=10', token);
    const stored = files.body.items.filter((file: { filename: string }) => file.filename === 'yield.bin');
    expect(stored).toHaveLength(2);
    await expect.poll(async () => (await s.api.get(`/api/files/${stored[0].id}`, token)).body.sha256, { timeout: 15_000 }).toBe(sha256(data));
  });
});
