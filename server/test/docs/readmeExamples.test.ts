import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer.js';
import { sha256 } from '../helpers/tus.js';

/** The README's curl examples, in order, as a new user would paste them (the install block aside). */
async function readmeCurlBlocks(): Promise<string[]> {
  const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
  return [...readme.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => m[1]!).filter((block) => block.includes('curl '));
}

function runBash(script: string, cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const hasTool = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

describe.skipIf(!hasTool('curl') || !hasTool('jq'))('README curl examples', () => {
  let s: TestServer;
  let dir: string;
  beforeAll(async () => {
    s = await startTestServer();
    dir = await mkdtemp(path.join(tmpdir(), 'dropline-readme-'));
    await writeFile(path.join(dir, 'big.iso'), randomBytes(3 * 1024 * 1024 + 17));
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#3366cc' } })
      .jpeg()
      .toFile(path.join(dir, 'photo.jpg'));
  });
  afterAll(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('all run as written against a real server, each request succeeding', async () => {
    const blocks = await readmeCurlBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    // Every curl fails the script on an HTTP error, so a missing -X POST (404) cannot pass.
    const script = [
      'set -euo pipefail',
      'curl() { command curl --fail-with-body "$@"; }',
      ...blocks.map((b) => b.replaceAll('localhost:3000', s.url.replace('http://', ''))),
      'echo; echo "ID=$ID"',
    ].join('\n');
    // Not spawnSync: the server answers from this very process.
    const run = await runBash(script, dir);
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);

    const id = /^ID=(\S+)$/m.exec(run.stdout)?.[1];
    expect(id).toMatch(/^[\w-]{10,}$/);
    expect(sha256(await readFile(path.join(dir, 'big-copy.iso')))).toBe(sha256(await readFile(path.join(dir, 'big.iso'))));
    expect(run.stdout).toContain('"displayName":"Ada Lovelace"');
    expect(run.stdout).toMatch(/upload-offset: 3145745/i);
    expect(run.stdout).toContain('"title":"Holiday"');
  });
});
