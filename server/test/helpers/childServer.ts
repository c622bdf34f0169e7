import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REDIS_URL } from './services.js';

const SERVER_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** A port that was free a moment ago, so a restarted server can come back on the same URL. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export interface ChildServer {
  process: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  /** Everything the process has written to stdout and stderr so far. */
  output(): string;
}

/**
 * Runs `node --import tsx src/main.ts` (or another entry point; a built `dist/*.js` one runs
 * without tsx) as its own process, as production would (a .ts entry reads workspace packages from
 * source, as the tests do), and waits for the line that says it is ready.
 */
export function startChildServer(env: Record<string, string>, entry = 'src/main.ts', ready = 'Dropline is listening'): Promise<ChildServer> {
  const child = spawn(process.execPath, entry.endsWith('.ts') ? ['--conditions=source', '--import', 'tsx', entry] : [entry], {
    cwd: SERVER_DIR,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
    child.stderr!.on('data', (chunk) => (output += chunk));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      for (const line of chunk.toString().split('\n')) {
        if (!line.includes(ready)) continue;
        clearTimeout(timer);
        resolve({ process: child, url: JSON.parse(line).url ?? '', exited, output: () => output });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
}

/**
 * The environment of a production node that shares PostgreSQL, Redis and one STORAGE_DIR with
 * others behind a local proxy, processing left to separate workers: the cluster suite's and the
 * cluster benchmark's nodes. Add PORT (and SEED_USERS) per use.
 */
export function clusterNodeEnv(shared: { databaseUrl: string; storageDir: string; redisPrefix: string }): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    JWT_SECRET: randomBytes(32).toString('base64url'),
    DATABASE_URL: shared.databaseUrl,
    REDIS_URL,
    REDIS_PREFIX: shared.redisPrefix,
    STORAGE_DIR: shared.storageDir,
    CLIENT_DIR: path.join(shared.storageDir, 'no-client'),
    SEED_USERS: '',
    RUN_WORKERS: 'false',
    TRUST_PROXY: 'loopback',
    // The suite's readers and uploads come from one user at one address; limits have tests of their own.
    AUTH_RATE_LIMIT: '100000',
    RATE_LIMIT: '100000',
    LOG_LEVEL: 'info',
  };
}
