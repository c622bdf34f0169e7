// Runs every bench/*.bench.mjs and *.bench.ts (or those named on the command line) one after
// another, so their numbers don't compete for the machine's two cores. TypeScript ones run with tsx
// from server/, whose test helpers they reuse.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.mjs') || f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
let failed = 0;
for (const bench of benches) {
  console.log(`\n=== ${bench} ===`);
  const typescript = bench.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const result = spawnSync(process.execPath, ['--expose-gc', ...typescript, path.join(dir, bench)], {
    stdio: 'inherit',
    cwd: path.join(dir, '..', 'server'),
  });
  if (result.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
