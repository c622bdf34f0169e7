import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startChildServer, type ChildServer } from './childServer.js';
import { Api } from './testServer.js';

export const HOSTILE_USER = { email: 'hostile@example.com', password: 'hostile-password' };

export interface HostileServer {
  child: ChildServer;
  api: Api;
  url: string;
  port: number;
  storageDir: string;
  token: string;
  /** Resident memory of the server process now, in bytes (from /proc). */
  rss(): Promise<number>;
  /** True while the process has not exited. */
  alive(): boolean;
  stop(): Promise<void>;
}

/**
 * A real server in a process of its own, so a crash shows as a dead process rather than taking the
 * test runner with it, and its memory can be read without the runner's own in the figure.
 */
export async function startHostileServer(env: Record<string, string> = {}): Promise<HostileServer> {
  const storageDir = await mkdtemp(path.join(tmpdir(), 'dropline-hostile-'));
  const port = await freePort();
  const child = await startChildServer(
    {
      NODE_ENV: 'test',
      STORAGE_DIR: storageDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      SEED_USERS: `${HOSTILE_USER.email}:${HOSTILE_USER.password}:user`,
      CLIENT_DIR: path.join(storageDir, 'no-client'),
      AUTH_RATE_LIMIT: '100000',
      // Hostile suites send hundreds of requests a minute as one user; RATE_LIMIT has tests of its own.
      RATE_LIMIT: '100000',
      ...env,
    },
    'src/main.ts',
    'Dropline is listening',
  );
  const api = new Api(child.url);
  const token = await api.login(HOSTILE_USER.email, HOSTILE_USER.password);
  let exited = false;
  void child.exited.then(() => (exited = true));
  return {
    child,
    api,
    url: child.url,
    port,
    storageDir,
    token,
    rss: () => rssOf(child.process.pid!),
    alive: () => !exited,
    stop: async () => {
      if (!exited) {
        child.process.kill('SIGKILL');
        await child.exited;
      }
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}

export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!kib) throw new Error(`no VmRSS for ${pid}`);
  return Number(kib[1]) * 1024;
}

/** Resident memory of a process and all its descendants (the server and the decoders it runs). */
export async function treeRssOf(pid: number): Promise<number> {
  let total = await rssOf(pid).catch(() => 0);
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  for (const child of children.split(' ').filter(Boolean)) total += await treeRssOf(Number(child));
  return total;
}

/** Samples `sample` every `everyMs` until stopped; returns the highest value seen. */
export function sampleMax(sample: () => Promise<number>, everyMs = 50): { stop(): Promise<number> } {
  let max = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      max = Math.max(max, await sample().catch(() => 0));
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return max;
    },
  };
}

/** CPU time (user + system) the process has used so far, in seconds. */
export async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** SHA-256 of every stored upload, by name: what "no stored byte changed" compares. */
export async function storedHashes(storageDir: string): Promise<Record<string, string>> {
  const dir = path.join(storageDir, 'uploads');
  const hashes: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    // A clean-up may remove a file between the listing and the read: then it is not stored.
    const bytes = await readFile(path.join(dir, name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (bytes) hashes[name] = createHash('sha256').update(bytes).digest('hex');
  }
  return hashes;
}

export interface RawReply {
  /** The status line's code, or null when the server closed without answering. */
  status: number | null;
  raw: string;
}

/**
 * Writes `head` and `body` to a fresh socket; with `cutAt`, only that many body bytes are sent and
 * then the connection is dropped (`hangUp`: closed for writing, still reading; else destroyed).
 */
export function rawRequest(
  port: number,
  head: string,
  body: Buffer = Buffer.alloc(0),
  options: { cutAt?: number; destroy?: boolean; timeoutMs?: number } = {},
): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const finish = () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      resolve({ status: status ? Number(status[1]) : null, raw });
    };
    const timer = setTimeout(() => socket.destroy(), options.timeoutMs ?? 10_000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', finish);
    socket.on('connect', () => {
      const cut = options.cutAt ?? body.length;
      socket.write(head);
      socket.write(body.subarray(0, cut), () => {
        if (cut >= body.length) return;
        // Half a second for the server to act on what it got, then the connection drops.
        setTimeout(() => (options.destroy ? socket.destroy() : socket.end()), 100);
      });
    });
  });
}

export const BOUNDARY = 'hostile-boundary';

export function multipartHead(port: number, token: string, length: number | null, boundary = BOUNDARY): string {
  return (
    `POST /api/files HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\n` +
    `Content-Type: multipart/form-data; boundary=${boundary}\r\n` +
    (length === null ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${length}\r\n`) +
    'Connection: close\r\n\r\n'
  );
}

export function filePart(filename: string, data: Buffer, name = 'file', boundary = BOUNDARY): Buffer {
  return Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    data,
    Buffer.from('\r\n'),
  ]);
}

export const fieldPart = (name: string, value: string, boundary = BOUNDARY) =>
  Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);

export const closing = (boundary = BOUNDARY) => Buffer.from(`--${boundary}--\r\n`);
