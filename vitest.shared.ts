/**
 * The test settings every package shares; each package's `vitest.config.ts` passes them to
 * `defineConfig`, adding only what is its own. (Not published: a dev-time file of the repository.)
 */
export const sharedTestOptions = {
  // The JSON report feeds the suite's closing 'N passed, N failed' line (scripts/run-tests.mjs).
  reporters: ['default', ['json', { outputFile: '.vitest/report.json' }]] as ['default', ['json', { outputFile: string }]],
  include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  // Real processes and sockets: generous per-test bound, never a timing assertion.
  testTimeout: 60_000,
  hookTimeout: 30_000,
};
