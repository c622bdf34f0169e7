#!/usr/bin/env node
// The installed `dropline` command: runs the compiled client (built by `pnpm --filter @dropline/cli build`,
// and on `pnpm install` by the package's prepare script).
import('../dist/main.js').catch((err) => {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/main.js')) {
    process.stderr.write('dropline: not built yet. Run `pnpm --filter @dropline/cli build` first.\n');
    process.exit(1);
  }
  throw err;
});
