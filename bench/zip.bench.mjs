// Download throughput and memory of the streaming ZIP writer (server/src/archive), served over
// HTTP by a child process (zip-server.mjs) and fetched by curl into /dev/null:
// - a ZIP of one 1 GiB file against fs.createReadStream of the same file piped to the response
//   (the baseline, same server, same run). Target: ZIP >= 0.9x the baseline's throughput.
// - a ZIP of 1,000 files of 1 MiB: the server's RSS through the download. Target: flat (the
//   last quarter's peak no higher than the first quarter's, give or take allocator noise).
//
// Runs alternate between ZIP and baseline and repeat; the best run counts, because on a shared
// two-core machine the slower runs measure the neighbours. The server's CPU seconds per GiB (from
// /proc) is the steadier measure of what streaming costs it, and is printed beside throughput.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { link, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { GiB, MiB, benchDir, cpuSeconds, dataDir, dataFile, rssSampler, serverDir, startChild } from './common.mjs';

const REPEATS = 5;
const MANY = 1000;
const TARGET_RATIO = 0.9;
const builtZip = path.join(serverDir, 'dist', 'archive', 'zip.js');

/** A folder holding just the 1 GiB test file (a hard link, so it costs no disk). */
async function oneFileSet() {
  const dir = path.join(dataDir, 'zip-one');
  const target = path.join(dir, 'one-gib.bin');
  if (!existsSync(target)) {
    await mkdir(dir, { recursive: true });
    await link(await dataFile(GiB), target);
  }
  return dir;
}

/** 1,000 files of 1 MiB each (a random block with the file's number at its start), made once. */
async function manyFilesSet() {
  const dir = path.join(dataDir, 'zip-many');
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length === MANY) return dir;
  const block = randomBytes(MiB);
  for (let i = 0; i < MANY; i++) {
    block.writeUInt32LE(i, 0);
    await writeFile(path.join(dir, `file-${String(i).padStart(4, '0')}.bin`), block);
  }
  return dir;
}

/** curl downloads `url` into /dev/null; returns the bytes and the seconds it took. */
function download(url) {
  return new Promise((resolve, reject) => {
    const curl = spawn('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{time_total}', url], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    curl.stdout.on('data', (chunk) => (out += chunk));
    curl.on('error', reject);
    curl.on('close', (code) => {
      const [status, bytes, seconds] = out.trim().split(' ').map(Number);
      if (code !== 0 || status !== 200) reject(new Error(`curl ${url}: exit ${code}, status ${status}`));
      else resolve({ bytes, seconds });
    });
  });
}

const mbps = (bytes, seconds) => bytes / MiB / seconds;
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

async function main() {
  if (!existsSync(builtZip)) throw new Error(`${builtZip} is missing: run \`pnpm bench\` (it builds first).`);
  const one = await oneFileSet();
  const many = await manyFilesSet();
  const { child, url } = await startChild([path.join(benchDir, 'zip-server.mjs'), `one=${one}`, `many=${many}`], {}, (line) =>
    line.startsWith('{') ? JSON.parse(line).url : null,
  );
  try {
    // An untimed pass each, so every timed run reads from the page cache.
    await download(`${url}/plain/one`);
    await download(`${url}/zip/one`);

    const best = { plain: 0, zip: 0 };
    const leastCpu = { plain: Infinity, zip: Infinity };
    for (let run = 1; run <= REPEATS; run++) {
      for (const kind of ['plain', 'zip']) {
        const cpuBefore = cpuSeconds(child.pid);
        const { bytes, seconds } = await download(`${url}/${kind}/one`);
        const cpuPerGiB = (cpuSeconds(child.pid) - cpuBefore) / (bytes / GiB);
        const speed = mbps(bytes, seconds);
        best[kind] = Math.max(best[kind], speed);
        leastCpu[kind] = Math.min(leastCpu[kind], cpuPerGiB);
        const label = kind === 'plain' ? 'fs.createReadStream' : 'ZIP of the file   ';
        console.log(
          `  run ${run} ${label}: ${bytes} bytes in ${seconds.toFixed(2)} s = ${speed.toFixed(0)} MiB/s, server CPU ${cpuPerGiB.toFixed(2)} s/GiB`,
        );
      }
    }
    const ratio = best.zip / best.plain;
    console.log(
      `\n1 GiB, best of ${REPEATS}: fs.createReadStream ${best.plain.toFixed(0)} MiB/s, ZIP ${best.zip.toFixed(0)} MiB/s, ratio ${ratio.toFixed(2)}x (target >= ${TARGET_RATIO}x) ${ratio >= TARGET_RATIO ? 'OK' : 'BELOW TARGET'}`,
    );
    console.log(
      `  server CPU per GiB, least of ${REPEATS}: fs.createReadStream ${leastCpu.plain.toFixed(2)} s, ZIP ${leastCpu.zip.toFixed(2)} s (${(leastCpu.zip / leastCpu.plain).toFixed(2)}x)`,
    );

    // Memory while streaming 1,000 files: samples through the download, by quarter.
    await download(`${url}/zip/many`);
    const idle = rssSampler(child.pid)();
    const samples = [];
    const stop = rssSampler(child.pid, (bytes) => samples.push(bytes));
    const { bytes, seconds } = await download(`${url}/zip/many`);
    const peak = stop();
    const quarter = Math.max(1, Math.floor(samples.length / 4));
    const quarters = [0, 1, 2, 3].map((q) => Math.max(...samples.slice(q * quarter, q === 3 ? samples.length : (q + 1) * quarter)));
    const growth = quarters[3] - quarters[0];
    console.log(`\nZIP of ${MANY} files (${bytes} bytes) in ${seconds.toFixed(2)} s = ${mbps(bytes, seconds).toFixed(0)} MiB/s`);
    console.log(`  server RSS: idle ${mb(idle)}, peak ${mb(peak)}; peak per quarter of the download ${quarters.map(mb).join(', ')}`);
    console.log(`  growth first -> last quarter: ${mb(growth)} (target: flat, under 10 MB) ${growth < 10e6 ? 'OK' : 'NOT FLAT'}`);
  } finally {
    child.kill();
  }
}

await main();
