import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

describe('graceful shutdown', () => {
  it('on SIGTERM stops accepting, cuts a hanging request after SHUTDOWN_TIMEOUT and exits 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: { PATH: process.env.PATH, STORAGE_DIR: mkdtempSync(path.join(tmpdir(), 'dropline-stop-')), PORT: '0', HOST: '127.0.0.1', SHUTDOWN_TIMEOUT: '1s', SEED_USERS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk;
        const match = /"url":"(http:[^"]+)"/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited early (${code}): ${output}`)));
    });
    // A request whose body never finishes keeps its connection busy until the server cuts it.
    const hanging = request(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '100' } });
    hanging.on('error', () => {});
    hanging.write('{"email":');
    await new Promise((r) => setTimeout(r, 200));

    const started = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(output).toContain('SIGTERM received');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
