import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileEvents } from '../../src/files/fileEvents.js';
import { errorCode, jobsFor, startTestServer, storedBytes, storedUploads, type ApiResponse, type TestServer } from '../helpers/testServer.js';
import { randomData, sha256 } from '../helpers/tus.js';

const MAX = 1024 * 1024;
const BOUNDARY = 'dropline-test-boundary';

type Part = { name: string; value: string } | { name: string; filename: string; type?: string; data: Buffer };

function encodePart(part: Part): Buffer {
  if ('value' in part) {
    return Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`);
  }
  const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: ${part.type ?? 'application/octet-stream'}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), part.data, Buffer.from('\r\n')]);
}

const multipart = (parts: Part[]) => Buffer.concat([...parts.map(encodePart), Buffer.from(`--${BOUNDARY}--\r\n`)]);

describe('POST /api/files (multipart/form-data)', () => {
  let s: TestServer;
  let token: string;
  const created: string[] = [];
  beforeAll(async () => {
    const events = new FileEvents();
    events.on('created', (file) => created.push(file.id));
    s = await startTestServer({
      // No workers: files stay as uploaded, and each hand-over to processing stays visible as a queued job.
      env: { MAX_UPLOAD_SIZE: String(MAX), ALLOWED_FILE_TYPES: '.txt,.bin,image/*', RUN_WORKERS: 'false' },
      events,
    });
    token = (await s.api.newUser()).token;
  });
  afterAll(() => s?.stop());

  const post = (body: Buffer, contentType = `multipart/form-data; boundary=${BOUNDARY}`): Promise<ApiResponse> =>
    s.api.request('POST', '/api/files', { token, headers: { 'content-type': contentType }, body });
  const stored = () => storedUploads(s);
  const fileCount = async () => (await s.api.get('/api/files?limit=100', token)).body.items.length;

  it('stores a file with the fields before it: 201 with the File, bytes exact, ingested once', async () => {
    const data = randomData(200_000);
    const res = await post(
      multipart([
        { name: 'title', value: 'Holiday' },
        { name: 'description', value: 'Line one\nline two' },
        { name: 'file', filename: 'beach.bin', data },
      ]),
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      filename: 'beach.bin',
      size: data.length,
      title: 'Holiday',
      description: 'Line one\nline two',
      status: 'uploaded',
      mimeType: 'application/octet-stream',
    });
    const { id } = res.body;
    expect(sha256(await storedBytes(s, id))).toBe(sha256(data));
    expect(created.filter((x) => x === id)).toHaveLength(1);
    expect(await jobsFor(s, id)).toEqual([expect.objectContaining({ state: 'queued' })]);
    expect((await s.api.get(`/api/files/${id}`, token)).body).toEqual(res.body);
  });

  it('takes the fields after the file too, and the type from the part', async () => {
    const res = await post(
      multipart([
        { name: 'file', filename: 'cat.png', type: 'image/png', data: Buffer.from('not really a png') },
        { name: 'title', value: 'Cat' },
        { name: 'description', value: 'Sleeping' },
        { name: 'ignored', value: 'x' },
      ]),
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ filename: 'cat.png', mimeType: 'image/png', title: 'Cat', description: 'Sleeping' });
  });

  it('works with the FormData a browser or fetch sends', async () => {
    const form = new FormData();
    form.append('file', new Blob(['hello']), 'hello.txt');
    form.append('title', 'Hi');
    const res = await fetch(`${s.url}/api/files`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ filename: 'hello.txt', size: 5, mimeType: 'text/plain', title: 'Hi' });
  });

  it('answers 400 without a file part, 400 without a filename, 415 for other bodies, and stores nothing', async () => {
    const before = await stored();
    const count = await fileCount();
    const noFile = await post(multipart([{ name: 'title', value: 'Lonely' }]));
    expect(noFile.status).toBe(400);
    expect(errorCode(noFile)).toBe('missing_file');
    const noName = await post(multipart([{ name: 'file', filename: '', data: Buffer.from('abc') }]));
    expect(noName.status).toBe(400);
    expect(errorCode(noName)).toBe('missing_filename');
    const json = await s.api.request('POST', '/api/files', { token, json: { file: 'abc' } });
    expect(json.status).toBe(415);
    expect(errorCode(json)).toBe('expected_multipart');
    const noBoundary = await post(Buffer.from('x'), 'multipart/form-data');
    expect(noBoundary.status).toBe(400);
    errorCode(noBoundary);
    expect(await stored()).toEqual(before);
    expect(await fileCount()).toBe(count);
  });

  it('answers 415 for a type outside ALLOWED_FILE_TYPES and stores nothing', async () => {
    const before = await stored();
    const res = await post(multipart([{ name: 'file', filename: 'tool.exe', data: randomData(1000) }]));
    expect(res.status).toBe(415);
    expect(errorCode(res)).toBe('unsupported_file_type');
    expect(await stored()).toEqual(before);
  });

  it('needs a token', async () => {
    const res = await s.api.request('POST', '/api/files', {
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      body: multipart([]),
    });
    expect(res.status).toBe(401);
  });

  /** Streams a form whose file part is `size` bytes, stopping as soon as the server answers. */
  function streamForm(size: number, options: { abortAfter?: number } = {}) {
    return new Promise<{ status: number | null; body: string; sent: number }>((resolve, reject) => {
      let sent = 0;
      let answered = false;
      const req = http.request(`${s.url}/api/files`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      });
      req.on('response', (res) => {
        answered = true;
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body, sent }));
      });
      req.on('error', (err) => (answered ? undefined : options.abortAfter ? resolve({ status: null, body: '', sent }) : reject(err)));
      req.write(encodePart({ name: 'title', value: 'Big' }));
      req.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n`);
      const chunk = randomData(64 * 1024);
      const pump = () => {
        while (!answered && sent < size) {
          if (options.abortAfter && sent >= options.abortAfter) {
            // Give the server time to start storing what it got, then vanish.
            return void setTimeout(() => {
              req.destroy();
              setTimeout(() => resolve({ status: null, body: '', sent }), 300);
            }, 300);
          }
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (!answered) req.end(`\r\n--${BOUNDARY}--\r\n`);
      };
      pump();
    });
  }

  it('enforces MAX_UPLOAD_SIZE while streaming: 413 before the body is all sent, partial bytes removed', async () => {
    const before = await stored();
    const count = await fileCount();
    const res = await streamForm(64 * MAX);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe('file_too_large');
    expect(res.sent).toBeLessThan(64 * MAX);
    expect(await stored()).toEqual(before);
    expect(await fileCount()).toBe(count);
  });

  it('records nothing and keeps no bytes when the client disconnects mid-stream', async () => {
    const before = await stored();
    const count = await fileCount();
    const res = await streamForm(MAX - 1000, { abortAfter: MAX / 2 });
    expect(res.status).toBeNull();
    for (let i = 0; i < 20 && (await stored()).length !== before.length; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await stored()).toEqual(before);
    expect(await fileCount()).toBe(count);
  });
});
