import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Real processes and sockets: generous per-test bound, never a timing assertion.
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
