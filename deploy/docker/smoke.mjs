// Run by deploy/docker/ci.sh against the compose stack it started (DROPLINE_URL is nginx): a socket
// through nginx hears uploads made on each node, and a tus upload through nginx survives a
// `docker-compose restart` of both nodes, resuming where it was, and is processed by the worker.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';

// The clients are the server package's test dependencies.
const require = createRequire(new URL('../../server/package.json', import.meta.url));
const tus = require('tus-js-client');
const { io } = require('socket.io-client');

const base = process.env.DROPLINE_URL;
const compose = (...args) => promisify(execFile)('docker-compose', ['--env-file', process.env.COMPOSE_ENV_FILE, ...args]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const MiB = 1024 * 1024;

function check(ok, message) {
  if (!ok) throw new Error(message);
  console.log(`ok: ${message}`);
}

async function until(what, test, timeoutMs = 60_000) {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(250)) {
    if (await test()) return;
  }
  throw new Error(`timed out waiting until ${what}`);
}

const login = await fetch(`${base}/api/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: 'ci-admin@example.com', password: 'ci-admin-password-1' }),
});
check(login.status === 200, `signed in through nginx (${login.status})`);
const token = (await login.json()).accessToken;
const auth = { authorization: `Bearer ${token}` };
const fileOf = async (id) => (await fetch(`${base}/api/files/${id}`, { headers: auth })).json();

// A socket through nginx lands on one node; uploads made on each node in turn must all reach it.
const socket = io(base, { auth: { token }, transports: ['websocket'] });
const created = new Set();
socket.on('file:created', (file) => created.add(file.id));
await until('the socket connected', () => socket.connected, 15_000);
const onNode = async (service) => {
  const script = `const body = 'made on ' + process.env.NODE_NAME + '\\n';
    fetch('http://127.0.0.1:3000/api/uploads/', { method: 'POST', body, headers: {
    authorization: 'Bearer ' + process.env.TOKEN, 'tus-resumable': '1.0.0', 'upload-length': String(Buffer.byteLength(body)),
    'upload-metadata': 'filename ' + Buffer.from(process.env.NODE_NAME + '.txt').toString('base64'), 'content-type': 'application/offset+octet-stream' } })
    .then((r) => { if (r.status !== 201 || r.headers.get('upload-offset') !== String(Buffer.byteLength(body))) process.exit(1); console.log(r.headers.get('location').split('/').pop()); })`;
  const { stdout } = await compose('exec', '-T', '-e', `TOKEN=${token}`, '-e', `NODE_NAME=${service}`, service, 'node', '-e', script);
  return stdout.trim();
};
const made = [await onNode('server'), await onNode('server-2')];
await until('the socket heard both uploads', () => made.every((id) => created.has(id)), 15_000);
check(true, 'a socket through nginx heard file:created for uploads made on each of the two nodes');

// A tus upload through nginx, sent slowly enough (about 25 s) for both nodes to be restarted under it.
const data = randomBytes(48 * MiB);
const throttled = {
  openFile: async (buffer) => ({
    size: buffer.length,
    slice: async (start, end) => {
      const part = buffer.subarray(start, Math.min(end, buffer.length));
      const value = Object.assign(
        Readable.from(
          (async function* () {
            for (let at = 0; at < part.length; at += 64 * 1024) {
              await sleep(32); // about 2 MiB/s
              yield part.subarray(at, at + 64 * 1024);
            }
          })(),
        ),
        { size: part.length },
      );
      return { value, done: start + part.length >= buffer.length };
    },
    close: () => {},
  }),
};
let progress = 0;
let restart;
const id = await new Promise((resolve, reject) => {
  const upload = new tus.Upload(data, {
    endpoint: `${base}/api/uploads/`,
    chunkSize: 4 * MiB,
    metadata: { filename: 'across-restart.bin' },
    headers: auth,
    fileReader: throttled,
    retryDelays: [0, 1000, 2000, 3000, 5000, 5000, 5000, 10000, 10000, 10000, 10000],
    onProgress: (sent) => (progress = sent),
    onError: reject,
    onSuccess: () => resolve(upload.url.split('/').pop()),
  });
  upload.start();
  restart = until('an eighth was sent', () => progress > data.length / 8).then(async () => {
    const before = progress;
    await compose('restart', 'server', 'server-2');
    // In flight from before the restart until both nodes were back: what it had stored survived it.
    check(
      progress < data.length,
      `docker-compose restart of both nodes while the upload went from ${Math.round((100 * before) / data.length)}% to ${Math.round((100 * progress) / data.length)}%`,
    );
  });
  restart.catch(reject);
});
await restart;
const content = Buffer.from(await (await fetch(`${base}/api/files/${id}/content`, { headers: auth })).arrayBuffer());
check(sha256(content) === sha256(data), 'downloaded through nginx byte-exact');
await until('the worker processed it', async () => (await fileOf(id)).status === 'processed');
check((await fileOf(id)).sha256 === sha256(data), 'processed by the worker, with the right sha256');
socket.close();
