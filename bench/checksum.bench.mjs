// Checksum throughput of processFile against sha256sum, and its peak memory on a 4 GiB file.
//
//   cd server && pnpm run build && cd .. && node bench/checksum.bench.mjs
//
// Test files are kept in bench/.data/ and reused between runs.

import { execFile, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const dataDir = join(here, '.data');
const modulePath = join(here, '../server/dist/jobs/processors/index.js');

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const BLOCK_BYTES = 64 * MiB;
const RUNS = 3;

if (!existsSync(modulePath)) {
  console.error(`Built module not found at ${modulePath}; run \`cd server && pnpm run build\` first.`);
  process.exit(1);
}
const { processFile } = await import(pathToFileURL(modulePath).href);

await mkdir(dataDir, { recursive: true });
// Random data would take longer to generate than to hash; a repeated random
// block looks just as incompressible to SHA-256 and to the page cache.
let block;
const oneGiB = await ensureFile(join(dataDir, 'random-1g.bin'), GiB);
const fourGiB = await ensureFile(join(dataDir, 'random-4g.bin'), 4 * GiB);

const input = { path: oneGiB, size: GiB, claimedType: null, filename: 'random-1g.bin', derivedDir: join(dataDir, 'derived') };
const ours = () => processFile(input).then((result) => result.sha256);
const sha256sum = () => run('sha256sum', [oneGiB]).then(({ stdout }) => stdout.split(' ')[0]);
const openssl = () => run('openssl', ['dgst', '-sha256', '-r', oneGiB]).then(({ stdout }) => stdout.split(' ')[0]);
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

// Untimed pass so every timed run reads from the page cache, not the disk.
const expected = await ours();

const contenders = [['sha256sum', sha256sum], ['processFile', ours], ...(hasOpenssl ? [['openssl dgst', openssl]] : [])];
const timings = new Map(contenders.map(([name]) => [name, []]));
for (let i = 0; i < RUNS; i++) {
  // Interleaved so cache or CPU-frequency drift affects all of them alike.
  for (const [name, hash] of contenders) {
    const started = performance.now();
    const digest = await hash();
    timings.get(name).push((performance.now() - started) / 1000);
    if (digest !== expected) throw new Error(`${name} digest ${digest} differs from ${expected}`);
  }
}

const memory = measureChildMemory(fourGiB);

const stats = (seconds) => {
  const sorted = [...seconds].sort((a, b) => a - b);
  return { best: sorted[0], median: sorted[Math.floor(sorted.length / 2)] };
};
const mbps = (seconds) => GiB / 1e6 / seconds;
const pad = (value, width) => String(value).padStart(width);

console.log(`\n1 GiB file (${GiB} bytes), ${RUNS} timed runs each from a warm page cache; all digests agree.\n`);
console.log(`${'tool'.padEnd(14)}${pad('best s', 9)}${pad('median s', 10)}${pad('best MB/s', 11)}${pad('median MB/s', 13)}`);
for (const [name] of contenders) {
  const { best, median } = stats(timings.get(name));
  console.log(
    `${name.padEnd(14)}${pad(best.toFixed(3), 9)}${pad(median.toFixed(3), 10)}${pad(mbps(best).toFixed(0), 11)}${pad(mbps(median).toFixed(0), 13)}`,
  );
}
const ourStats = stats(timings.get('processFile'));
const theirStats = stats(timings.get('sha256sum'));
console.log(
  `\nratio processFile / sha256sum time: best ${(ourStats.best / theirStats.best).toFixed(2)}, ` +
    `median ${(ourStats.median / theirStats.median).toFixed(2)} (target <= 1.20)`,
);

console.log(
  `\nChild node process, processFile on a 4 GiB file (${memory.seconds.toFixed(1)} s, ${((4 * GiB) / 1e6 / memory.seconds).toFixed(0)} MB/s):`,
);
console.log(`  RSS before processFile   ${pad((memory.rssBeforeKiB / 1024).toFixed(1), 7)} MiB`);
console.log(`  peak RSS (VmHWM)         ${pad((memory.vmHwmKiB / 1024).toFixed(1), 7)} MiB`);
console.log(`  growth during the run    ${pad(((memory.vmHwmKiB - memory.rssBeforeKiB) / 1024).toFixed(1), 7)} MiB\n`);

async function ensureFile(path, size) {
  const existing = await stat(path).catch(() => null);
  if (existing?.size === size) return path;
  process.stdout.write(`creating ${path} (${size / MiB} MiB)... `);
  block ??= randomFillSync(Buffer.allocUnsafe(BLOCK_BYTES));
  const handle = await open(path, 'w');
  try {
    for (let written = 0; written < size; written += BLOCK_BYTES) await handle.write(block, 0, BLOCK_BYTES);
  } finally {
    await handle.close();
  }
  console.log('done');
  return path;
}

// A separate process so the peak reflects processFile alone, not this script.
// VmHWM rather than resourceUsage().maxRSS: a spawned child's maxRSS also
// counts the parent's memory image it was forked from before exec.
function measureChildMemory(path) {
  const script = `
    import { readFileSync } from 'node:fs';
    const { processFile } = await import(${JSON.stringify(pathToFileURL(modulePath).href)});
    const rssBeforeKiB = process.memoryUsage().rss / 1024;
    const started = performance.now();
    await processFile(${JSON.stringify({ path, size: 4 * GiB, claimedType: null, filename: 'random-4g.bin', derivedDir: join(dataDir, 'derived') })});
    const seconds = (performance.now() - started) / 1000;
    const vmHwmKiB = Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
    console.log(JSON.stringify({ rssBeforeKiB, vmHwmKiB, seconds }));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`child process failed: ${child.stderr}`);
  return JSON.parse(child.stdout);
}
