import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start real servers and child processes; on two cores, too many at once starve each other.
    maxWorkers: 2,
    // The JSON report feeds the plain closing line .ci/run prints (scripts/test-summary.mjs).
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest/results.json' },
  },
});
