import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startChildServer } from '../helpers/childServer.js';

describe('graceful shutdown', () => {
  it('on SIGTERM stops accepting, cuts a hanging request after SHUTDOWN_TIMEOUT and exits 0', async () => {
    const child = await startChildServer({ STORAGE_DIR: mkdtempSync(path.join(tmpdir(), 'dropline-stop-')), PORT: '0', HOST: '127.0.0.1', SHUTDOWN_TIMEOUT: '1s', SEED_USERS: '' });
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
});
