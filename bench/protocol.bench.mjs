// The upload protocol's three promises, each measured against its baseline in the same run, on the
// built server started exactly as `pnpm start` starts it:
//
// 1. Last byte -> processed, for 1 GiB and 4 GiB binary uploads. After: the server as it is, which
//    hashes while receiving, so processing reads only the file's head. Before: the same stored file
//    processed as it was before (processFile re-reading every byte for the SHA-256), timed directly,
//    plus the same server's queue overhead. Target: under 1 s for 4 GiB.
// 2. Upload throughput over an emulated long link: tus-js-client in one stream against
//    parallelUploads: 4, through a TCP proxy (in this file) that delays each direction by 25 ms and
//    allows each connection at most 1 MiB in flight, as a window-limited WAN path does (this
//    machine's kernel has no netem). Target: parallel >= 2x single.
// 3. The server's CPU seconds per GiB with Upload-Checksum (sha256, verified per request) on and off.
//
// Timings on a shared two-core machine are noisy: each pair alternates order and the best of the
// repeats counts.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GiB, MiB, benchToken, builtServer, createUpload, cpuSeconds, dataFile, request, serverDir, startBenchServer } from './common.mjs';

const CHUNK = 64 * MiB;
const tus = createRequire(path.join(serverDir, 'package.json'))('tus-js-client');

async function startServer() {
  const storageDir = await mkdtemp(path.join(tmpdir(), 'dropline-bench-protocol-'));
  const { child, url } = await startBenchServer(storageDir, {
    ACCESS_TOKEN_TTL: '2h',
  });
  const token = await benchToken(url);
  return {
    child,
    url,
    storageDir,
    auth: { Authorization: `Bearer ${token}` },
    token,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}

/** Raw tus upload of a file in 64 MiB PATCHes; returns the upload id and when the last byte was acknowledged. */
async function rawUpload(server, file, size, { checksum = false } = {}) {
  const tusHeaders = { 'Tus-Resumable': '1.0.0', ...server.auth };
  const location = await createUpload(server.url, tusHeaders, size);
  const handle = await open(file, 'r');
  try {
    for (let offset = 0; offset < size; offset += CHUNK) {
      const length = Math.min(CHUNK, size - offset);
      const headers = {
        ...tusHeaders,
        'Upload-Offset': String(offset),
        'Content-Type': 'application/offset+octet-stream',
        'Content-Length': String(length),
      };
      let body;
      if (checksum) {
        // The client's own hashing is done before the request, outside the server's CPU time.
        body = Buffer.allocUnsafe(length);
        await handle.read(body, 0, length, offset);
        headers['Upload-Checksum'] = `sha256 ${createHash('sha256').update(body).digest('base64')}`;
      } else {
        body = createReadStream(file, { start: offset, end: offset + length - 1, highWaterMark: MiB });
      }
      const res = await request(server.url, 'PATCH', location, headers, body);
      if (res.status !== 204) throw new Error(`PATCH at ${offset} failed: ${res.status} ${res.text}`);
    }
  } finally {
    await handle.close();
  }
  return { id: location.split('/').pop(), lastByteAt: performance.now() };
}

async function waitProcessed(server, id) {
  for (;;) {
    const res = await request(server.url, 'GET', `/api/files/${id}`, server.auth);
    const file = JSON.parse(res.text);
    if (file.status === 'processed') return { at: performance.now(), file };
    if (file.status === 'failed') throw new Error(`processing failed: ${file.error}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function removeFile(server, id) {
  const res = await request(server.url, 'DELETE', `/api/files/${id}`, server.auth);
  if (res.status !== 204) throw new Error(`delete failed: ${res.status}`);
}

async function lastByteToProcessed(server, processFile) {
  const rows = [];
  for (const size of [1 * GiB, 4 * GiB]) {
    const file = await dataFile(size);
    let after = Infinity;
    let before = Infinity;
    for (let repeat = 0; repeat < 2; repeat++) {
      const { id, lastByteAt } = await rawUpload(server, file, size);
      const { at, file: processed } = await waitProcessed(server, id);
      after = Math.min(after, (at - lastByteAt) / 1000);
      // Before: the same stored bytes processed the old way, re-reading all of them for the hash.
      const stored = path.join(server.storageDir, 'uploads', id);
      const started = performance.now();
      const reread = await processFile({
        path: stored,
        size,
        claimedType: null,
        filename: 'bench.bin',
        derivedDir: path.join(server.storageDir, 'bench-derived'),
      });
      const rereadSeconds = (performance.now() - started) / 1000;
      if (reread.sha256 !== processed.sha256) throw new Error('the incremental SHA-256 differs from a full re-read');
      // The old path also had the queue's overhead, which the measured "after" includes.
      before = Math.min(before, rereadSeconds + (at - lastByteAt) / 1000);
      await removeFile(server, id);
      process.stdout.write(
        `  ${size / GiB} GiB: last byte -> processed ${((at - lastByteAt) / 1000).toFixed(3)} s; full re-read ${rereadSeconds.toFixed(2)} s\n`,
      );
    }
    rows.push({
      size: `${size / GiB} GiB`,
      'before (re-read) s': before.toFixed(2),
      'after (incremental) s': after.toFixed(3),
      'speed-up': `${(before / after).toFixed(0)}x`,
    });
  }
  return rows;
}

/**
 * A TCP proxy that behaves like a long, window-limited path: every byte reaches the other side
 * 25 ms after it was read, and a connection may have at most 1 MiB read but not yet "acknowledged"
 * (acknowledgements take another 25 ms back), so each connection alone gets about 1 MiB per 50 ms.
 */
function wanProxy(target, { delayMs = 25, windowBytes = MiB } = {}) {
  const { hostname, port } = new URL(target);
  const pipeSlowly = (from, to) => {
    let inFlight = 0;
    from.on('data', (chunk) => {
      inFlight += chunk.length;
      if (inFlight >= windowBytes) from.pause();
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
        setTimeout(() => {
          inFlight -= chunk.length;
          if (inFlight < windowBytes && from.isPaused()) from.resume();
        }, delayMs);
      }, delayMs);
    });
    from.on('end', () => setTimeout(() => to.end(), delayMs));
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    for (const socket of [client, upstream]) socket.on('error', () => (socket === client ? upstream : client).destroy());
    pipeSlowly(client, upstream);
    pipeSlowly(upstream, client);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() })),
  );
}

function tusJsUpload(data, endpoint, token, parallelUploads) {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(data, {
      endpoint,
      chunkSize: 64 * MiB,
      parallelUploads,
      metadata: { filename: 'wan.bin' },
      headers: { Authorization: `Bearer ${token}` },
      retryDelays: [],
      onSuccess: () => resolve(upload.url),
      onError: reject,
    });
    upload.start();
  });
}

async function wanThroughput(server) {
  const size = 192 * MiB;
  const data = randomBytes(size);
  const proxy = await wanProxy(server.url);
  const best = { 1: Infinity, 4: Infinity };
  try {
    for (let repeat = 0; repeat < 2; repeat++) {
      for (const parallel of repeat % 2 === 0 ? [1, 4] : [4, 1]) {
        const started = performance.now();
        const url = await tusJsUpload(data, `${proxy.url}/api/uploads/`, server.token, parallel);
        const seconds = (performance.now() - started) / 1000;
        best[parallel] = Math.min(best[parallel], seconds);
        await removeFile(server, new URL(url).pathname.split('/').pop());
        process.stdout.write(`  WAN, ${parallel === 1 ? 'single stream' : 'parallelUploads: 4'}: ${(size / 1e6 / seconds).toFixed(1)} MB/s\n`);
      }
    }
  } finally {
    proxy.close();
  }
  return [
    { upload: 'single stream', 'MB/s': (size / 1e6 / best[1]).toFixed(1) },
    { upload: 'parallelUploads: 4', 'MB/s': (size / 1e6 / best[4]).toFixed(1), 'vs single': `${(best[1] / best[4]).toFixed(2)}x` },
  ];
}

async function checksumCpu(server) {
  const size = 1 * GiB;
  const file = await dataFile(size);
  const best = { off: Infinity, on: Infinity };
  for (let repeat = 0; repeat < 2; repeat++) {
    for (const mode of repeat % 2 === 0 ? ['off', 'on'] : ['on', 'off']) {
      const before = cpuSeconds(server.child.pid);
      const { id } = await rawUpload(server, file, size, { checksum: mode === 'on' });
      const cpu = cpuSeconds(server.child.pid) - before;
      await waitProcessed(server, id);
      await removeFile(server, id);
      best[mode] = Math.min(best[mode], cpu);
      process.stdout.write(`  checksums ${mode}: ${cpu.toFixed(2)} CPU s for 1 GiB\n`);
    }
  }
  return [
    { checksums: 'off', 'server CPU s/GiB': best.off.toFixed(2) },
    { checksums: 'on (sha256 per 64 MiB PATCH)', 'server CPU s/GiB': best.on.toFixed(2), 'vs off': `${(best.on / best.off).toFixed(2)}x` },
  ];
}

async function main() {
  if (!existsSync(builtServer)) throw new Error('server/dist/main.js is missing: run `pnpm bench` (it builds first).');
  const { processFile } = await import(pathToFileURL(path.join(serverDir, 'dist/jobs/processors/index.js')).href);
  const wanted = (name) => process.argv.length <= 2 || process.argv.includes(name);
  const server = await startServer();
  try {
    if (wanted('processed')) {
      console.log('last byte -> processed');
      console.table(await lastByteToProcessed(server, processFile));
    }
    if (wanted('wan')) {
      console.log('throughput over a 50 ms RTT link with a 1 MiB window per connection');
      console.table(await wanThroughput(server));
    }
    if (wanted('checksum')) {
      console.log('server CPU per GiB, Upload-Checksum on and off');
      console.table(await checksumCpu(server));
    }
  } finally {
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
