import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../../scripts/s3-gateway.sh', import.meta.url));

declare module 'vitest' {
  export interface ProvidedContext {
    /** S3_* variables of the run's gateway (bucket excluded: each test server makes its own). */
    s3Env: Record<string, string>;
  }
}

/**
 * globalSetup of the S3 test matrix (vitest.s3.config.ts): one throw-away Ceph gateway for the
 * whole run, in its own directory on its own port, stopped at the end. TEST_S3_ENDPOINT (with
 * TEST_S3_ACCESS_KEY_ID and TEST_S3_SECRET_ACCESS_KEY) points the run at a running S3 server instead.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.TEST_S3_ENDPOINT) {
    project.provide('s3Env', {
      S3_ENDPOINT: process.env.TEST_S3_ENDPOINT,
      S3_REGION: process.env.TEST_S3_REGION ?? 'us-east-1',
      S3_ACCESS_KEY_ID: process.env.TEST_S3_ACCESS_KEY_ID ?? '',
      S3_SECRET_ACCESS_KEY: process.env.TEST_S3_SECRET_ACCESS_KEY ?? '',
      S3_FORCE_PATH_STYLE: 'true',
    });
    return async () => {};
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'dropline-s3-gateway-'));
  const stop = async () => void (await run(SCRIPT, ['stop', dir]).catch(() => {}));
  try {
    await run(SCRIPT, ['start', dir], { timeout: 180_000 });
    const env = Object.fromEntries(
      (await readFile(path.join(dir, 's3.env'), 'utf8'))
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    project.provide('s3Env', env);
  } catch (err) {
    await stop();
    throw err;
  }
  return stop;
}
