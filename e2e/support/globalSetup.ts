import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FullConfig } from '@playwright/test';
import { browserAvailable, browserRequired, CHROMIUM_PATH, SKIP_NOTICE } from './browser.js';
import { BASE_URL_ENV } from './env.js';
import { SEED_USERS } from './users.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER_ENTRY = path.join(ROOT, 'server/dist/main.js');
const CLIENT_INDEX = path.join(ROOT, 'client/dist/index.html');
const RESULTS_DIR = fileURLToPath(new URL('../test-results/', import.meta.url));
const START_TIMEOUT_MS = 30_000;

/**
 * Starts the built server (`node server/dist/main.js`) once for the whole run, on a free port
 * (PORT=0) and a fresh temporary STORAGE_DIR, and returns the teardown that stops it and deletes
 * the directory. The server's log goes to test-results/server.log.
 */
export default async function globalSetup(_config: FullConfig): Promise<(() => Promise<void>) | undefined> {
  if (!browserAvailable) {
    if (browserRequired) {
      throw new Error(`REQUIRE_BROWSER=1 but Chromium is missing at ${CHROMIUM_PATH}: the e2e suite cannot run.`);
    }
    console.warn(`\n${SKIP_NOTICE}\n`);
    return undefined;
  }
  for (const [file, what] of [
    [SERVER_ENTRY, 'server'],
    [CLIENT_INDEX, 'client'],
  ] as const) {
    if (!existsSync(file)) {
      throw new Error(
        `The ${what} is not built (${path.relative(ROOT, file)} is missing): run \`pnpm test:e2e\` at the repository root, which builds first.`,
      );
    }
  }

  mkdirSync(RESULTS_DIR, { recursive: true });
  const logFile = path.join(RESULTS_DIR, 'server.log');
  const log = createWriteStream(logFile);
  const storageDir = mkdtempSync(path.join(tmpdir(), 'dropline-e2e-'));

  // Only what the server needs: nothing from the developer's shell (REDIS_URL, DATABASE_URL,
  // NODE_ENV=production…) may change which server is under test.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    HOST: '127.0.0.1',
    PORT: '0',
    STORAGE_DIR: storageDir,
    LOG_LEVEL: 'info',
    SEED_USERS,
    SHUTDOWN_TIMEOUT: '2s',
    // As behind a proxy with a body limit: the web client must learn it (Upload-Limit) and send less.
    MAX_CHUNK_SIZE: '6MiB',
  };
  const child = spawn(process.execPath, [SERVER_ENTRY], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.pipe(log, { end: false });

  const stop = async () => {
    await stopChild(child);
    log.end();
    rmSync(storageDir, { recursive: true, force: true });
  };

  try {
    const url = await waitForUrl(child, log);
    process.env[BASE_URL_ENV] = url;
    console.log(`Dropline under test at ${url} (log: ${path.relative(process.cwd(), logFile)})`);
  } catch (err) {
    await stop();
    const tail = readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
    throw new Error(`${(err as Error).message}\nLast lines of ${logFile}:\n${tail}`);
  }
  return stop;
}

/** Reads the JSON log lines until "Dropline is listening", copying every line to the log file. */
function waitForUrl(child: ChildProcess, log: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The server did not start within ${START_TIMEOUT_MS / 1000} s.`)), START_TIMEOUT_MS);
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(new Error(`The server exited before listening (code ${code}, signal ${signal}).`));
    };
    child.once('exit', onExit);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      log.write(`${line}\n`);
      let entry: { msg?: unknown; url?: unknown };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (entry.msg === 'Dropline is listening' && typeof entry.url === 'string') {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(entry.url);
      }
    });
  });
}

/** SIGTERM (the server's own graceful shutdown), then SIGKILL if it is still there after 10 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
