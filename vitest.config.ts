import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Native modules (Temporal's core bridge, argon2) are happiest in child processes, not worker threads.
    pool: 'forks',
    maxWorkers: 2,
    // Vitest's own output, then one plain closing line (see the reporter) that CI logs are read by.
    reporters: ['default', './test/support/closing-line-reporter.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    include: ['test/**/*.test.ts', 'server/**/*.test.ts', 'workflows/**/*.test.ts', 'activities/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
  },
});
