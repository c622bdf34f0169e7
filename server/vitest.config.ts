import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Workspace packages are read from their TypeScript source, so a change to the contract needs no rebuild.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // The cluster suite runs the built server on its own: `pnpm test:cluster`.
    exclude: ['test/cluster/**', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: test files each start real servers, so run few at a time.
    maxWorkers: 2,
  },
});
