import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The JSON report feeds the suite's closing 'N passed, N failed' line (scripts/run-tests.mjs).
    reporters: ['default', ['json', { outputFile: '.vitest/report.json' }]],
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Real processes and sockets: generous per-test bound, never a timing assertion.
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
