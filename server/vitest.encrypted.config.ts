import { defineConfig } from 'vitest/config';
import { STORAGE_SUITES, matrixConfig } from './vitest.matrix.js';

/**
 * `pnpm test:encrypted`: the storage-dependent suites again with ENCRYPTION_KEY set on every test
 * server (test/helpers/testServer.ts), so uploads, files, processing, shares and requests are
 * shown to work unchanged over encrypted storage. `pnpm test:s3:encrypted` does the same on S3.
 */
export default matrixConfig(STORAGE_SUITES, defineConfig({ test: { env: { ENCRYPTION: 'on' } } }));
