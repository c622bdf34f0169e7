import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_STORAGE, errorCode, settledFile, startTestServer, storedBytes, waitFor, type TestServer } from '../helpers/testServer.js';
import { TUS_RESUMABLE, createUpload, randomData, sha256 } from '../helpers/tus.js';
import { runTusClient } from '../helpers/tusClient.js';

const MiB = 1024 * 1024;

interface Started {
  interim: { status: number; headers: http.IncomingHttpHeaders };
  /** Drops the connection, mid-body. */
  cut(): void;
}

/**
 * A creation request that carries the whole file, as iOS sends it, of which only the first `sent`
 * bytes go out: it resolves once the 104 interim response has come, and the caller then cuts the
 * connection.
 */
function startCreation(url: string, headers: Record<string, string>, body: Buffer, sent: number): Promise<Started> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/api/uploads/`, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } });
    req.on('information', (info) => resolve({ interim: { status: info.statusCode, headers: info.headers }, cut: () => req.destroy() }));
    req.on('response', (res) => reject(new Error(`a final response (${res.statusCode}) came before the body was complete`)));
    req.on('error', () => {});
    req.write(body.subarray(0, sent));
  });
}

describe('the IETF resumable-upload draft at /api/uploads/', () => {
  let s: TestServer;
  let owner: string;
  let other: string;
  beforeAll(async () => {
    s = await startTestServer({ env: { MAX_UPLOAD_SIZE: String(64 * MiB) } });
    owner = (await s.api.newUser('ietf')).token;
    other = (await s.api.newUser('other')).token;
  });
  afterAll(() => s?.stop());

  const request = (method: string, p: string, headers: Record<string, string>, body?: Buffer, token = owner) =>
    s.api.request(method, p, { token, headers, body });

  for (const protocol of ['ietf-draft-03', 'ietf-draft-05'] as const) {
    it(`tus-js-client with protocol ${protocol}: interrupted, resumed from the server's offset, byte-exact`, { timeout: 60_000 }, async () => {
      const data = randomData(5 * MiB);
      const common = { token: owner, chunkSize: MiB, protocol, metadata: { filename: `${protocol}.bin` } };
      const first = await runTusClient(data, { ...common, endpoint: `${s.url}/api/uploads/`, abortWhen: (sent) => sent >= 2 * MiB });
      expect(first.outcome).toBe('aborted');
      const id = new URL(first.url).pathname.split('/').pop()!;
      const resumed = await runTusClient(data, { ...common, uploadUrl: first.url });
      expect(resumed.error).toBeUndefined();
      expect(resumed.outcome).toBe('finished');
      expect(resumed.sent).toBeLessThan(data.length);
      expect(sha256(await storedBytes(s, id))).toBe(sha256(data));
      expect(await settledFile(s.api, owner, id)).toMatchObject({ filename: `${protocol}.bin`, size: data.length, sha256: sha256(data) });
    });
  }

  // Written from draft-ietf-httpbis-resumable-upload-01 (interop 3, iOS 17) and -11 (interop 8,
  // iOS 26): one creation request carrying the whole file, interrupted; then HEAD and PATCH.
  const drafts = [
    {
      version: '3',
      complete: (done: boolean) => ({ 'upload-incomplete': done ? '?0' : '?1' }),
      field: 'upload-incomplete',
      patchType: 'application/octet-stream',
    },
    {
      version: '8',
      complete: (done: boolean) => ({ 'upload-complete': done ? '?1' : '?0' }),
      field: 'upload-complete',
      patchType: 'application/partial-upload',
    },
  ];
  for (const draft of drafts) {
    it(
      `interop ${draft.version}: 104 before the body, then HEAD 204, PATCH 409 with the right offset, PATCH to the end, DELETE`,
      { timeout: 60_000 },
      async () => {
        const data = randomData(3 * MiB);
        const interop = { 'upload-draft-interop-version': draft.version };
        const created = await startCreation(
          s.url,
          {
            ...interop,
            ...draft.complete(true),
            authorization: `Bearer ${owner}`,
            'content-type': 'image/png',
            'content-disposition': 'attachment; filename="holiday photo.png"',
          },
          data,
          MiB,
        );
        expect(created.interim.status).toBe(104);
        const location = created.interim.headers.location!;
        expect(location).toMatch(/^\/api\/uploads\/[A-Za-z0-9_-]{22}$/);
        expect(created.interim.headers['upload-draft-interop-version']).toBe(draft.version);
        expect(created.interim.headers['upload-limit']).toBe(`max-size=${64 * MiB}`);
        // On disk the first MiB is stored while the request is still open; then the connection breaks.
        // S3 keeps a request's bytes in parts of S3_PART_SIZE (8 MiB): one cut before its first part
        // is full keeps none of them, and the client resumes from 0.
        const kept = TEST_STORAGE === 'fs' ? MiB : 0;
        if (kept > 0)
          await waitFor(
            async () => (await request('HEAD', location, interop)).headers.get('upload-offset') === String(kept),
            'the first bytes to be stored',
          );
        created.cut();

        const head = await request('HEAD', location, interop);
        expect(head.headers.get('upload-offset')).toBe(String(kept));
        expect(head.status).toBe(204);
        expect(head.headers.get(draft.field)).toBe(draft.complete(false)[draft.field as keyof ReturnType<typeof draft.complete>]);
        expect(head.headers.get('cache-control')).toBe('no-store');
        expect(head.headers.get('upload-limit')).toBe(`max-size=${64 * MiB}`);

        const patchHeaders = { ...interop, 'content-type': draft.patchType, ...draft.complete(true) };
        const wrong = await request('PATCH', location, { ...patchHeaders, 'upload-offset': String(kept + 1000) }, data.subarray(0, 1000));
        expect(wrong.status).toBe(409);
        expect(wrong.headers.get('upload-offset')).toBe(String(kept));
        expect(errorCode(wrong)).toBe('offset_mismatch');

        const rest = await request('PATCH', location, { ...patchHeaders, 'upload-offset': String(kept) }, data.subarray(kept));
        expect(rest.status).toBe(204);
        expect(rest.headers.get('upload-offset')).toBe(String(data.length));
        const id = location.split('/').pop()!;
        expect(sha256(await storedBytes(s, id))).toBe(sha256(data));
        expect(await settledFile(s.api, owner, id)).toMatchObject({
          filename: 'holiday photo.png',
          mimeType: 'image/png',
          size: data.length,
          sha256: sha256(data),
        });
        const finished = await request('HEAD', location, interop);
        expect(finished.headers.get(draft.field)).toBe(draft.complete(true)[draft.field as keyof ReturnType<typeof draft.complete>]);

        // Cancelling an unfinished upload.
        const another = await startCreation(
          s.url,
          { ...interop, ...draft.complete(true), authorization: `Bearer ${owner}`, 'content-disposition': 'attachment; filename=x.bin' },
          data,
          MiB,
        );
        another.cut();
        const anotherLocation = another.interim.headers.location!;
        expect((await request('DELETE', anotherLocation, interop)).status).toBe(204);
        expect((await request('HEAD', anotherLocation, interop)).status).toBe(404);
      },
    );
  }

  it('creates and completes in one request with 201, Location and Upload-Offset', async () => {
    const data = randomData(1000);
    const res = await request(
      'POST',
      '/api/uploads/',
      { 'upload-draft-interop-version': '6', 'upload-complete': '?1', 'content-disposition': "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.txt" },
      data,
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('upload-offset')).toBe('1000');
    expect(res.headers.get('upload-complete')).toBe('?1');
    const id = res.headers.get('location')!.split('/').pop()!;
    expect(await settledFile(s.api, owner, id)).toMatchObject({ filename: 'résumé.txt', size: 1000 });
  });

  it('answers other interop versions with 400, keeps owners apart, and each protocol to its own uploads', async () => {
    for (const version of ['4', '7', '9', 'x']) {
      const res = await request('POST', '/api/uploads/', { 'upload-draft-interop-version': version, 'upload-complete': '?1' }, Buffer.from('abc'));
      expect(res.status).toBe(400);
      expect(errorCode(res)).toBe('unsupported_interop_version');
    }
    const ietf = await request(
      'POST',
      '/api/uploads/',
      { 'upload-draft-interop-version': '8', 'upload-complete': '?0', 'upload-length': '10', 'content-disposition': 'attachment; filename=a.bin' },
      Buffer.from('abc'),
    );
    expect(ietf.status).toBe(201);
    const ietfPath = ietf.headers.get('location')!;
    expect((await request('HEAD', ietfPath, { 'upload-draft-interop-version': '8' }, undefined, other)).status).toBe(404);
    const viaTus = await request(
      'PATCH',
      ietfPath,
      { ...TUS_RESUMABLE, 'content-type': 'application/offset+octet-stream', 'upload-offset': '3' },
      Buffer.from('def'),
    );
    expect(viaTus.status).toBe(400);
    expect(errorCode(viaTus)).toBe('protocol_mismatch');
    const tus = await createUpload(s.api, owner, { length: 10, metadata: { filename: 't.bin' } });
    const viaDraft = await request('HEAD', tus.path, { 'upload-draft-interop-version': '8' });
    expect(viaDraft.status).toBe(400);
    // From interop 6 on, appended bytes must say application/partial-upload.
    const wrongType = await request(
      'PATCH',
      ietfPath,
      { 'upload-draft-interop-version': '8', 'upload-offset': '3', 'upload-complete': '?0', 'content-type': 'application/octet-stream' },
      Buffer.from('def'),
    );
    expect(wrongType.status).toBe(415);
  });
});
