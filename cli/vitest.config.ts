import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Each file starts a real server and runs the built bin as child processes: few at a time on two cores.
    maxWorkers: 2,
  },
});
