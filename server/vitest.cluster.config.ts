import { defineConfig } from 'vitest/config';

/** `pnpm test:cluster`: real processes of the built server behind nginx; one file, run alone. */
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
