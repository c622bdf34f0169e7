import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';
import { STORAGE_SUITES } from './vitest.matrix.js';

/**
 * `pnpm test:encrypted`: the storage-dependent suites again with ENCRYPTION_KEY set on every test
 * server (test/helpers/testServer.ts), so uploads, files, processing, shares and requests are
 * shown to work unchanged over encrypted storage. `ENCRYPTION=on pnpm test:s3` does the same on S3.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: STORAGE_SUITES,
      env: { ENCRYPTION: 'on' },
    },
  }),
);
