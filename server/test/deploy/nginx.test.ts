import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NGINX, startNginx, type RunningNginx } from '../helpers/nginx.js';
import { openSocket } from '../helpers/sockets.js';
import { startTestServer, type TestServer } from '../helpers/testServer.js';
import { randomData, sha256 } from '../helpers/tus.js';

describe.skipIf(!NGINX)('nginx.conf in front of the server', () => {
  let s: TestServer;
  let nginx: RunningNginx;
  let base: string;

  beforeAll(async () => {
    s = await startTestServer({ env: { TRUST_PROXY: 'loopback' } });
    nginx = await startNginx([`127.0.0.1:${s.port}`]);
    base = nginx.url;
    await mkdir(path.join(nginx.html, 'assets'), { recursive: true });
    await writeFile(path.join(nginx.html, 'index.html'), '<!doctype html><title>Dropline</title>');
    await writeFile(path.join(nginx.html, 'assets', 'app-1234.js'), 'console.log(1)');
  });

  afterAll(async () => {
    await nginx?.stop();
    await s?.stop();
  });

  it('serves the client with the right caching, and index.html for client-side routes', async () => {
    const index = await fetch(`${base}/files/some-id`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(await index.text()).toContain('<title>Dropline</title>');
    const asset = await fetch(`${base}/assets/app-1234.js`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404);
  });

  it('proxies the API, and streams a chunked tus upload whose Location points back through nginx', async () => {
    const user = await s.api.newUser();
    const me = await fetch(`${base}/api/auth/me`, { headers: { authorization: `Bearer ${user.token}` } });
    expect(await me.json()).toMatchObject({ email: user.email });

    const data = randomData(3 * 1024 * 1024 + 123);
    const url = await new Promise<string>((resolve, reject) => {
      const upload = new tus.Upload(data, {
        endpoint: `${base}/api/uploads/`,
        chunkSize: 1024 * 1024,
        metadata: { filename: 'through-nginx.bin' },
        headers: { authorization: `Bearer ${user.token}` },
        retryDelays: [],
        onError: reject,
        onSuccess: () => resolve(upload.url!),
      });
      upload.start();
    });
    expect(url.startsWith(`${base}/api/uploads/`)).toBe(true);
    const id = url.split('/').pop()!;
    const content = await fetch(`${base}/api/files/${id}/content`, { headers: { authorization: `Bearer ${user.token}` } });
    expect(sha256(Buffer.from(await content.arrayBuffer()))).toBe(sha256(data));
  });

  it('carries an IETF-draft creation through, 104 interim response included', async () => {
    const user = await s.api.newUser();
    const data = randomData(256 * 1024);
    const { interim, status, headers } = await new Promise<{ interim: number[]; status: number; headers: http.IncomingHttpHeaders }>(
      (resolve, reject) => {
        const interim: number[] = [];
        const req = http.request(`${base}/api/uploads/`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${user.token}`,
            'upload-draft-interop-version': '8',
            'upload-complete': '?1',
            'content-disposition': 'attachment; filename="via-nginx.bin"',
            'content-length': String(data.length),
          },
        });
        req.on('information', (info) => interim.push(info.statusCode));
        req.on('response', (res) => {
          res.resume();
          resolve({ interim, status: res.statusCode!, headers: res.headers });
        });
        req.on('error', reject);
        req.end(data);
      },
    );
    expect(interim).toEqual([104]);
    expect(status).toBe(201);
    expect(headers['upload-complete']).toBe('?1');
  });

  it('passes Socket.IO websockets through', async () => {
    const user = await s.api.newUser();
    const socket = await openSocket(base, user.token);
    expect(socket.connected).toBe(true);
    socket.close();
  });
});
