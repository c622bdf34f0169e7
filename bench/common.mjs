// What the benchmarks share: where things are, the server's start command, test files, a child
// process that announces its URL, raw HTTP requests and a process's CPU time and memory.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MiB = 2 ** 20;
export const GiB = 2 ** 30;

export const benchDir = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(benchDir, '..');
export const dataDir = path.join(benchDir, '.data');
export const serverDir = path.join(root, 'server');
export const builtServer = path.join(serverDir, 'dist', 'main.js');

/** The node arguments of the server's start script (`node <flags> dist/main.js`), paths made absolute. */
export function startArguments() {
  const [command, ...args] = JSON.parse(readFileSync(path.join(serverDir, 'package.json'), 'utf8')).scripts.start.split(/\s+/);
  if (command !== 'node') throw new Error('the server start script is expected to run node');
  return args.map((arg) => (arg.startsWith('-') ? arg : path.join(serverDir, arg)));
}

/** A file of `size` bytes made by repeating one random 64 MiB block; made once, then reused. */
export async function dataFile(size) {
  const file = path.join(dataDir, `${size / GiB}GiB.bin`);
  if (existsSync(file) && statSync(file).size === size) return file;
  await mkdir(dataDir, { recursive: true });
  const block = randomBytes(64 * MiB);
  const out = createWriteStream(file);
  for (let written = 0; written < size; written += block.length) {
    if (!out.write(block.subarray(0, Math.min(block.length, size - written)))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return file;
}

/** Starts a child process and waits for the JSON line that carries its URL. */
export function startChild(args, env, find) {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code} before listening`)));
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) {
        const url = find(line);
        if (url) resolve({ child, url });
      }
    });
  });
}

/**
 * Starts the built server as a bench uses it: production mode, a fresh secret, its own storage,
 * an ephemeral port on 127.0.0.1, the bench user seeded and no web client; `env` adds or overrides,
 * `nodeArgs` go before the start script's (e.g. --cpu-prof, which NODE_OPTIONS may not carry).
 */
export function startBenchServer(storageDir, env = {}, nodeArgs = []) {
  return startChild(
    [...nodeArgs, ...startArguments()],
    {
      NODE_ENV: 'production',
      JWT_SECRET: randomBytes(32).toString('base64url'),
      STORAGE_DIR: storageDir,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      SEED_USERS: 'bench@example.com:bench-password:user',
      CLIENT_DIR: path.join(storageDir, 'no-client'),
      ...env,
    },
    (line) => (line.includes('Dropline is listening') ? JSON.parse(line).url : null),
  );
}

/** Signs in the user `startBenchServer` seeds; resolves with its access token. */
export async function benchToken(base) {
  const login = await request(
    base,
    'POST',
    '/api/auth/login',
    { 'content-type': 'application/json' },
    JSON.stringify({ email: 'bench@example.com', password: 'bench-password' }),
  );
  if (login.status !== 200) throw new Error(`bench login failed: ${login.status} ${login.text}`);
  return JSON.parse(login.text).accessToken;
}

/** Creates a tus upload of `size` bytes named `filename`; resolves with its URL's path. */
export async function createUpload(base, headers, size, filename = 'bench.bin') {
  const created = await request(base, 'POST', '/api/uploads/', {
    ...headers,
    'Upload-Length': String(size),
    'Upload-Metadata': `filename ${Buffer.from(filename).toString('base64')}`,
  });
  if (created.status !== 201) throw new Error(`tus create failed: ${created.status} ${created.text}`);
  return new URL(created.headers.location, base).pathname;
}

/** A download streamed and thrown away; resolves with its byte count. */
export function drain(base, pathname, headers) {
  return new Promise((resolve, reject) => {
    http
      .get(new URL(pathname, base), { headers }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`GET ${pathname}: ${res.statusCode}`));
        let bytes = 0;
        res.on('data', (chunk) => (bytes += chunk.length));
        res.on('end', () => resolve(bytes));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

export function request(base, method, pathname, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(pathname, base), { method, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    if (body instanceof Object && typeof body.pipe === 'function') body.pipe(req);
    else req.end(body);
  });
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid) {
  // Fields after the ")" that ends the command name; utime and stime are the 12th and 13th of them.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticksPerSecond = 100; // USER_HZ, which Linux fixes at 100 for /proc
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/**
 * Peak VmRSS of a process, read from /proc every 100 ms between start and stop (each sample also
 * goes to `onSample`, in bytes).
 */
export function rssSampler(pid, onSample = () => {}) {
  let peak = 0;
  const sample = () => {
    let status;
    try {
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      // The process has exited (a child that ran to its end): its peak was sampled while it ran.
      return;
    }
    const bytes = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    peak = Math.max(peak, bytes);
    onSample(bytes);
  };
  sample();
  const timer = setInterval(sample, 100);
  return () => {
    clearInterval(timer);
    sample();
    return peak;
  };
}
