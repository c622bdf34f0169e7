import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import {
  BOUNDARY,
  closing,
  fieldPart,
  filePart,
  multipartHead,
  rawRequest,
  startHostileServer,
  storedHashes,
  type HostileServer,
} from '../helpers/hostile.js';

/** The uploads table's rows: a refused or broken form must leave none behind. */
async function uploadRows(s: HostileServer): Promise<number> {
  const handle = openDatabase(`sqlite:${path.join(s.storageDir, 'dropline.db')}`);
  try {
    const rows = await handle.db.selectFrom('uploads').select('id').execute();
    return rows.length;
  } finally {
    await handle.close();
  }
}

const chunked = (body: Buffer, end = true) =>
  Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n'), Buffer.from(end ? '0\r\n\r\n' : '')]);

describe('POST /api/files with broken multipart bodies (server in a child process)', () => {
  let s: HostileServer;
  let keptId: string;
  let before: Record<string, string>;
  beforeAll(async () => {
    s = await startHostileServer();
    // One good file, whose bytes must survive everything below.
    const body = Buffer.concat([filePart('kept.bin', randomBytes(50_000)), closing()]);
    const reply = await rawRequest(s.port, multipartHead(s.port, s.token, body.length), body);
    expect(reply.status).toBe(201);
    keptId = JSON.parse(reply.raw.slice(reply.raw.indexOf('\r\n\r\n') + 4)).id;
    before = await storedHashes(s.storageDir);
  });
  afterAll(() => s?.stop());

  const expectNothingLeft = async () => {
    // Clean-up after a dropped connection runs when the server notices; give it a moment.
    for (let i = 0; i < 100 && JSON.stringify(await storedHashes(s.storageDir)) !== JSON.stringify(before); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await storedHashes(s.storageDir)).toEqual(before);
    expect(await uploadRows(s)).toBe(1);
  };

  it('answers 400 invalid_multipart to a form that ends without its closing boundary, and lives', async () => {
    // Content-Length matches what is sent: the request is complete, the form is not.
    const body = Buffer.concat([
      fieldPart('title', 't'),
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n`),
      randomBytes(1000),
    ]);
    const reply = await rawRequest(s.port, multipartHead(s.port, s.token, body.length), body);
    expect(s.alive()).toBe(true);
    expect(reply.status).toBe(400);
    expect(reply.raw).toContain('"code":"invalid_multipart"');
    await expectNothingLeft();
  });

  it('answers 400 when the body ends right after the file part headers', async () => {
    const body = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n`);
    const reply = await rawRequest(s.port, multipartHead(s.port, s.token, body.length), body);
    expect(s.alive()).toBe(true);
    expect(reply.status).toBe(400);
    expect(reply.raw).toContain('"code":"invalid_multipart"');
    await expectNothingLeft();
  });

  it('survives the connection dropping right after the file part headers', async () => {
    const head = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n`);
    const full = Buffer.concat([head, randomBytes(10_000), Buffer.from('\r\n'), closing()]);
    for (const destroy of [true, false]) {
      await rawRequest(s.port, multipartHead(s.port, s.token, full.length), full, { cutAt: head.length, destroy });
      expect(s.alive()).toBe(true);
    }
    await expectNothingLeft();
  });

  it('survives a chunked form that ends without its closing boundary, or mid-chunk', async () => {
    const form = Buffer.concat([
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n`),
      randomBytes(5000),
    ]);
    const ended = await rawRequest(s.port, multipartHead(s.port, s.token, null), chunked(form));
    expect(ended.status).toBe(400);
    expect(ended.raw).toContain('"code":"invalid_multipart"');
    await rawRequest(s.port, multipartHead(s.port, s.token, null), chunked(form, false), { cutAt: form.length - 100, destroy: true });
    expect(s.alive()).toBe(true);
    await expectNothingLeft();
  });

  it('survives a second "file" part and other file parts cut short', async () => {
    const extra = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="other"; filename="b.bin"\r\n\r\nxyz`);
    const body = Buffer.concat([filePart('a.bin', randomBytes(100)), extra]);
    const reply = await rawRequest(s.port, multipartHead(s.port, s.token, body.length), body);
    expect(s.alive()).toBe(true);
    expect(reply.status).toBe(400);
    const second = Buffer.concat([
      filePart('a.bin', randomBytes(100)),
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="c.bin"\r\n\r\nxyz`),
    ]);
    const reply2 = await rawRequest(s.port, multipartHead(s.port, s.token, second.length), second);
    expect(s.alive()).toBe(true);
    expect(reply2.status).toBe(400);
    await expectNothingLeft();
  });

  it('survives a good form cut at 60 offsets, each either completed short or dropped', async () => {
    const body = Buffer.concat([fieldPart('title', 'cut'), filePart('cut.bin', randomBytes(200_000)), fieldPart('description', 'after'), closing()]);
    for (let i = 0; i < 60; i++) {
      const cutAt = Math.floor(Math.random() * body.length);
      const short = i % 2 === 0;
      const reply = short
        ? await rawRequest(s.port, multipartHead(s.port, s.token, cutAt), body.subarray(0, cutAt))
        : await rawRequest(s.port, multipartHead(s.port, s.token, body.length), body, { cutAt, destroy: i % 4 === 1 });
      expect(s.alive(), `cut at ${cutAt} (${short ? 'short body' : 'dropped'})`).toBe(true);
      if (reply.status !== null) expect(reply.status, reply.raw).toBeLessThan(500);
      if (short) expect(reply.status, `cut at ${cutAt}`).toBe(400);
    }
    await expectNothingLeft();
    const kept = await s.api.get(`/api/files/${keptId}`, s.token);
    expect(kept.status).toBe(200);
  });
});
