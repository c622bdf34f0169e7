import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, startChildServer } from '../helpers/childServer.js';
import { openSocket } from '../helpers/sockets.js';
import { Api } from '../helpers/testServer.js';
import { TUS_RESUMABLE, createUpload, patchUpload, randomData, uploadFile } from '../helpers/tus.js';

const MiB = 1024 * 1024;

describe('graceful shutdown', () => {
  it('on SIGTERM stops accepting, cuts a hanging request after SHUTDOWN_TIMEOUT and exits 0', async () => {
    const child = await startChildServer({
      STORAGE_DIR: mkdtempSync(path.join(tmpdir(), 'dropline-stop-')),
      PORT: '0',
      HOST: '127.0.0.1',
      SHUTDOWN_TIMEOUT: '1s',
      SEED_USERS: '',
    });
    const url = child.url;
    // A request whose body never finishes keeps its connection busy until the server cuts it.
    const hanging = request(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '100' } });
    hanging.on('error', () => {});
    hanging.write('{"email":');
    await new Promise((r) => setTimeout(r, 200));

    const started = Date.now();
    child.process.kill('SIGTERM');
    const code = await child.exited;
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(child.output()).toContain('SIGTERM received');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('drains on SIGTERM: readiness fails, a download finishes, a PATCH stops at a consistent offset, sockets are closed to reconnect elsewhere, exit 0', async () => {
    const env = {
      STORAGE_DIR: mkdtempSync(path.join(tmpdir(), 'dropline-drain-')),
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      // Long, so that everything below is seen to end by draining, not by being cut at the timeout.
      SHUTDOWN_TIMEOUT: '60s',
      SEED_USERS: 'drain@example.com:drain-password:user',
    };
    const child = await startChildServer(env);
    const api = new Api(child.url);
    const token = await api.login('drain@example.com', 'drain-password');
    const big = randomData(16 * MiB);
    const fileId = await uploadFile(api, token, big, { filename: 'big.bin' });

    // A PATCH that has sent a quarter of its bytes and stalls, holding the upload's lock.
    const data = randomData(MiB);
    const upload = await createUpload(api, token, { length: data.length, metadata: { filename: 'half.bin' } });
    const patch = request(`${child.url}${upload.path}`, {
      method: 'PATCH',
      headers: {
        ...TUS_RESUMABLE,
        authorization: `Bearer ${token}`,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': '0',
        'content-length': String(data.length),
      },
    });
    const patchAnswer = new Promise<{ status?: number; offset?: string }>((resolve) => {
      patch.on('response', (res) => {
        res.resume();
        resolve({ status: res.statusCode, offset: res.headers['upload-offset'] as string });
      });
      patch.on('error', () => resolve({}));
    });
    patch.write(data.subarray(0, MiB / 4));

    const socket = await openSocket(child.url, token);
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));

    // A download in progress on a connection the client is slow to read.
    const raw = net.connect(Number(env.PORT), '127.0.0.1');
    raw.pause();
    raw.write(`GET /api/files/${fileId}/content HTTP/1.1\r\nHost: drain\r\nAuthorization: Bearer ${token}\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 500));

    child.process.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    // The next request on that busy connection is answered by a draining node.
    raw.write('GET /readyz HTTP/1.1\r\nHost: drain\r\n\r\n');
    const received: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => received.push(chunk));
    const rawClosed = new Promise((resolve) => raw.once('close', resolve));
    raw.resume();

    expect(await disconnected).toBe('transport close');
    expect(await patchAnswer).toEqual({ status: 204, offset: String(MiB / 4) });
    await rawClosed;
    const all = Buffer.concat(received);
    expect(all.subarray(0, 15).toString()).toBe('HTTP/1.1 200 OK');
    const second = all.lastIndexOf('HTTP/1.1 ');
    expect(second).toBeGreaterThan(big.length);
    const readyz = all.subarray(second).toString();
    expect(readyz).toMatch(/^HTTP\/1\.1 503 /);
    expect(readyz).toMatch(/connection: close/i);
    expect(JSON.parse(readyz.slice(readyz.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 'draining' });
    expect(await child.exited).toBe(0);

    // The upload goes on, after a restart, from exactly the bytes the drained PATCH stored.
    const again = await startChildServer(env);
    try {
      const api2 = new Api(again.url);
      const token2 = await api2.login('drain@example.com', 'drain-password');
      const head = await api2.request('HEAD', upload.path, { token: token2, headers: TUS_RESUMABLE });
      expect(head.headers.get('upload-offset')).toBe(String(MiB / 4));
      expect((await patchUpload(api2, token2, upload.path, MiB / 4, data.subarray(MiB / 4))).status).toBe(204);
      const content = await fetch(`${again.url}/api/files/${upload.id}/content`, { headers: { authorization: `Bearer ${token2}` } });
      expect(Buffer.from(await content.arrayBuffer()).equals(data)).toBe(true);
    } finally {
      again.process.kill('SIGTERM');
      await again.exited;
    }
  }, 120_000);
});
