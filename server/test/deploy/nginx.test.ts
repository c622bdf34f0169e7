import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/childServer.js';
import { openSocket } from '../helpers/sockets.js';
import { startTestServer, type TestServer } from '../helpers/testServer.js';
import { randomData, sha256 } from '../helpers/tus.js';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
if (!NGINX && process.env.REQUIRE_SERVICES === '1') throw new Error('nginx is required (REQUIRE_SERVICES=1) but is not installed');
if (!NGINX) console.warn('\n  NOTICE: nginx is not installed; the nginx.conf tests are SKIPPED on this machine.\n');

const REPO_CONF = new URL('../../../nginx.conf', import.meta.url);

describe.skipIf(!NGINX)('nginx.conf in front of the server', () => {
  let s: TestServer;
  let dir: string;
  let nginx: ChildProcess;
  let base: string;

  beforeAll(async () => {
    s = await startTestServer({ env: { TRUST_PROXY: 'loopback' } });
    dir = await mkdtemp(path.join(tmpdir(), 'dropline-nginx-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const html = path.join(dir, 'html');
    await mkdir(path.join(html, 'assets'), { recursive: true });
    await writeFile(path.join(html, 'index.html'), '<!doctype html><title>Dropline</title>');
    await writeFile(path.join(html, 'assets', 'app-1234.js'), 'console.log(1)');

    // The repository's file with only what the deployment would differ in: upstream, port and root.
    const site = (await readFile(REPO_CONF, 'utf8'))
      .replace(/^\s*server server(-2)?:3000;\n/gm, '')
      .replace('ip_hash;', `ip_hash;\n    server 127.0.0.1:${s.port};`)
      .replace('listen 8080;', `listen 127.0.0.1:${port};`)
      .replace('root /usr/share/nginx/html;', `root ${html};`);
    await writeFile(path.join(dir, 'site.conf'), site);
    await writeFile(
      path.join(dir, 'nginx.conf'),
      `user root; daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
events {}
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  include ${dir}/site.conf;
}
`,
    );
    const check = spawnSync(NGINX!, ['-t', '-c', path.join(dir, 'nginx.conf'), '-p', dir], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`nginx -t refused the configuration:\n${check.stderr}`);
    nginx = spawn(NGINX!, ['-c', path.join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
    for (let tries = 0; (await fetch(`${base}/healthz`).then((r) => r.status, () => 0)) !== 200; tries++) {
      if (tries > 100) throw new Error(`nginx did not come up: ${await readFile(path.join(dir, 'error.log'), 'utf8').catch(() => '')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    nginx?.kill('SIGTERM');
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
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
    const { interim, status, headers } = await new Promise<{ interim: number[]; status: number; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
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
    });
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
