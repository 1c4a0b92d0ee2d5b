import { defineConfig } from 'vitest/config';

export default defineConfig({
  // TypeScript's CommonJS modules (.cts: the executable and what it loads first) are TypeScript too.
  oxc: { include: /\.(c|m)?tsx?$/ },
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Bounds for a hang, not expectations of speed: every test waits on events, and on a busy 2-core machine a
    // test that starts servers and processes can take many times its quiet-machine time.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration tests start real servers and child processes; on two cores, too many at once starve each other.
    maxWorkers: 2,
    // The JSON report feeds the plain closing line .ci/run prints (scripts/test-summary.mjs).
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest/results.json' },
  },
});
