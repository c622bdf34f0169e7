import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startHostileServer, storedHashes, type HostileServer } from '../helpers/hostile.js';
import { createUpload, uploadFile, uploadMetadata } from '../helpers/tus.js';

/**
 * An attacker's checklist, each probe sent raw to a server in its own process: huge and repeated
 * headers, lying Content-Length and Transfer-Encoding, absurd tus numbers, Range abuse, deep JSON.
 * Every answer is below 500, the process lives, and the stored bytes stay as they were.
 */
describe('hostile probes (server in a child process)', () => {
  let s: HostileServer;
  let fileId: string;
  let before: Record<string, string>;
  beforeAll(async () => {
    s = await startHostileServer();
    fileId = await uploadFile(s.api, s.token, randomBytes(10_000), { filename: 'target.bin' });
    before = await storedHashes(s.storageDir);
  });
  afterAll(async () => {
    if (s && !s.alive()) console.error(`the server died; its last output:\n${s.child.output().slice(-4000)}`);
    await s?.stop();
  });

  const head = (method: string, target: string, lines: string[]) =>
    `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n${lines.map((l) => `${l}\r\n`).join('')}Connection: close\r\n\r\n`;
  const auth = () => `Authorization: Bearer ${s.token}`;

  async function probe(name: string, request: string, body?: Buffer): Promise<number | null> {
    const reply = await rawRequest(s.port, request, body, { timeoutMs: 5000 });
    expect(s.alive(), name).toBe(true);
    if (reply.status !== null) expect(reply.status, `${name}: ${reply.raw.slice(0, 300)}`).toBeLessThan(500);
    return reply.status;
  }

  it('refuses huge, numerous and malformed headers without trouble', async () => {
    // Node answers 431 and closes; a client still writing may see the connection reset instead.
    expect([431, null]).toContain(await probe('80 KiB header', head('GET', '/api/files', [auth(), `X-Big: ${'a'.repeat(80_000)}`])));
    await probe('3000 headers', head('GET', '/api/files', [auth(), ...Array.from({ length: 3000 }, (_, i) => `X-H${i}: ${i}`)]));
    expect([431, null]).toContain(await probe('100 KiB URL', head('GET', `/api/files?q=${'a'.repeat(100_000)}`, [auth()])));
    await probe('header without colon', head('GET', '/api/files', [auth(), 'no colon']));
    await probe('NUL in a header', head('GET', '/api/files', [auth(), 'X-A: a\0b']));
    await probe('absolute-form target', head('GET', `http://evil.example.com/api/files`, [auth()]));
    await probe('asterisk target', head('OPTIONS', '*', []));
    await probe('HTTP/1.0 without Host', `GET /api/files HTTP/1.0\r\n${auth()}\r\n\r\n`);
    await probe('HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  });

  it('refuses lying Content-Length and Transfer-Encoding', async () => {
    const json = Buffer.from('{"email":"a@b.c","password":"12345678"}');
    for (const lines of [
      ['Content-Length: -1'],
      ['Content-Length: abc'],
      ['Content-Length: 5', 'Content-Length: 6'],
      [`Content-Length: ${json.length}`, 'Transfer-Encoding: chunked'],
      ['Transfer-Encoding: gzip, chunked'],
      ['Transfer-Encoding: chunked, identity'],
      ['Transfer-Encoding: xchunked'],
      ['Content-Length: 99999999999999999999'],
    ]) {
      await probe(lines.join(' | '), head('POST', '/api/auth/login', ['Content-Type: application/json', ...lines]), json);
    }
    await probe(
      'bad chunk size',
      head('POST', '/api/auth/login', ['Content-Type: application/json', 'Transfer-Encoding: chunked']),
      Buffer.from('zz\r\n{}\r\n0\r\n\r\n'),
    );
    await probe(
      'huge chunk size',
      head('POST', '/api/auth/login', ['Content-Type: application/json', 'Transfer-Encoding: chunked']),
      Buffer.from('ffffffffffffffff\r\n{}\r\n0\r\n\r\n'),
    );
    // Request smuggling: a second request hidden in the first one's body must not reach the API as ours.
    const smuggled = Buffer.from(`0\r\n\r\nDELETE /api/files/${fileId} HTTP/1.1\r\nHost: x\r\n${auth()}\r\n\r\n`);
    await probe(
      'CL.TE smuggling',
      head('POST', '/api/auth/login', ['Content-Type: application/json', 'Content-Length: 4', 'Transfer-Encoding: chunked']),
      smuggled,
    );
    expect((await s.api.get(`/api/files/${fileId}`, s.token)).status).toBe(200);
  });

  it('refuses absurd tus numbers and metadata', async () => {
    const tus = (lines: string[]) => head('POST', '/api/uploads/', [auth(), 'Tus-Resumable: 1.0.0', ...lines]);
    const meta = `Upload-Metadata: ${uploadMetadata({ filename: 'x.bin' })}`;
    for (const length of ['1e30', '9007199254740993', '-1', '0x10', '1.5', '', ' ']) {
      expect(await probe(`Upload-Length ${length}`, tus([`Upload-Length: ${length}`, meta]))).not.toBe(201);
    }
    await probe('both lengths', tus(['Upload-Length: 10', 'Upload-Defer-Length: 1', meta]));
    await probe('defer length 2', tus(['Upload-Defer-Length: 2', meta]));
    await probe(
      '1000 metadata keys',
      tus(['Upload-Length: 10', `Upload-Metadata: ${Array.from({ length: 1000 }, (_, i) => `k${i} eA==`).join(',')},filename eC5iaW4=`]),
    );
    await probe('15 KiB filename', tus(['Upload-Length: 10', `Upload-Metadata: filename ${Buffer.from('a'.repeat(11_000)).toString('base64')}`]));
    await probe('filename of NULs', tus(['Upload-Length: 10', `Upload-Metadata: filename ${Buffer.from('\0\0\0').toString('base64')}`]));
    await probe(
      'filename traversal',
      tus(['Upload-Length: 10', `Upload-Metadata: filename ${Buffer.from('../../../../etc/passwd').toString('base64')}`]),
    );

    const upload = await createUpload(s.api, s.token, { length: 100, metadata: { filename: 'p.bin' } });
    const patch = (lines: string[]) =>
      head('PATCH', upload.path, [auth(), 'Tus-Resumable: 1.0.0', 'Content-Type: application/offset+octet-stream', ...lines]);
    for (const offset of ['99999999999999999999', '-1', '1e3', '0x0', 'NaN']) {
      expect(await probe(`Upload-Offset ${offset}`, patch([`Upload-Offset: ${offset}`, 'Content-Length: 4']), Buffer.from('abcd'))).not.toBe(204);
    }
    expect(await probe('body past Upload-Length', patch(['Upload-Offset: 0', 'Content-Length: 200']), randomBytes(200))).not.toBe(204);
    await probe('Upload-Length on a known length', patch(['Upload-Offset: 0', 'Upload-Length: 5', 'Content-Length: 1']), Buffer.from('a'));
    await probe('Expect: 100-continue', patch(['Upload-Offset: 0', 'Content-Length: 4', 'Expect: 100-continue']), Buffer.from('abcd'));
    await probe('Expect: something else', patch(['Upload-Offset: 0', 'Content-Length: 4', 'Expect: 999-nope']), Buffer.from('abcd'));
  });

  it('answers Range abuse on downloads below 500', async () => {
    const ranges = [
      'bytes=0-18446744073709551615',
      'bytes=18446744073709551615-',
      'bytes=-0',
      'bytes=-99999999999999999999',
      'bytes=5-1',
      'bytes=a-b',
      'bytes=',
      'items=0-1',
      `bytes=${Array.from({ length: 1000 }, (_, i) => `${i}-${i}`).join(',')}`,
      'bytes=0-0,0-0,0-0,0-0,0-0,0-0,0-0,0-0,0-0,0-0,0-0,0-0,0-0,0-0,0-0,0-0',
      'bytes=10000-',
    ];
    for (const range of ranges) {
      for (const target of [`/api/files/${fileId}/content`, `/api/uploads/${fileId}`]) {
        await probe(`Range ${range.slice(0, 40)} on ${target}`, head('GET', target, [auth(), `Range: ${range}`, 'If-Range: "garbage"']));
      }
    }
  });

  it('parses deep, large and strange JSON without falling over', async () => {
    const deep = Buffer.from(`${'['.repeat(30_000)}${']'.repeat(30_000)}`);
    await probe(
      '30000-deep array',
      head('PATCH', `/api/files/${fileId}`, [auth(), 'Content-Type: application/json', `Content-Length: ${deep.length}`]),
      deep,
    );
    const proto = Buffer.from('{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}},"title":"ok"}');
    await probe(
      'prototype keys',
      head('PATCH', `/api/files/${fileId}`, [auth(), 'Content-Type: application/json', `Content-Length: ${proto.length}`]),
      proto,
    );
    const big = Buffer.from(JSON.stringify({ title: 'x'.repeat(200_000) }));
    expect(
      await probe(
        '200 KB JSON',
        head('PATCH', `/api/files/${fileId}`, [auth(), 'Content-Type: application/json', `Content-Length: ${big.length}`]),
        big,
      ),
    ).toBe(413);
    const utf16 = Buffer.from('{"title":"x"}', 'utf16le');
    await probe(
      'UTF-16 JSON',
      head('PATCH', `/api/files/${fileId}`, [auth(), 'Content-Type: application/json; charset=utf-16', `Content-Length: ${utf16.length}`]),
      utf16,
    );
    const gz = Buffer.from('not gzip');
    await probe(
      'lying Content-Encoding',
      head('PATCH', `/api/files/${fileId}`, [auth(), 'Content-Type: application/json', 'Content-Encoding: gzip', `Content-Length: ${gz.length}`]),
      gz,
    );
    await probe(
      'unknown Content-Encoding',
      head('PATCH', `/api/files/${fileId}`, [
        auth(),
        'Content-Type: application/json',
        'Content-Encoding: zstd, br, x',
        `Content-Length: ${gz.length}`,
      ]),
      gz,
    );
  });

  it('answers Socket.IO garbage below 500', async () => {
    await probe(
      'polling garbage',
      head('POST', '/socket.io/?EIO=4&transport=polling&sid=nope', ['Content-Type: text/plain', 'Content-Length: 5']),
      Buffer.from('4garb'),
    );
    await probe('bad EIO', head('GET', '/socket.io/?EIO=999&transport=polling', []));
    await probe('websocket upgrade without key', head('GET', '/socket.io/?EIO=4&transport=websocket', ['Upgrade: websocket', 'Connection: Upgrade']));
  });

  it('has kept every stored byte', async () => {
    const after = await storedHashes(s.storageDir);
    for (const [name, hash] of Object.entries(before)) expect(after[name], name).toBe(hash);
    expect(s.alive()).toBe(true);
  });
});
