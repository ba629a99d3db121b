import { defineConfig } from 'tsup';
import { sharedBuildOptions } from '../../tsup.shared.js';

export default defineConfig({
  entry: ['src/index.ts'],
  ...sharedBuildOptions,
  // load-binding.ts finds the package root from import.meta.url; the shim provides it in the CJS build.
  shims: true,
});
