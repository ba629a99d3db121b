import { defineConfig } from 'vitest/config';
import { sharedTestOptions } from '../../vitest.shared.js';

export default defineConfig({
  test: {
    ...sharedTestOptions,
    // Both files pack, install and build whole packages: run them one after the other so that they
    // do not fight over the CPU (each test sets its own bound for the slow steps).
    fileParallelism: false,
  },
});
