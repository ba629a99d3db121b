import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // load-binding.ts finds the package root from import.meta.url; the shim provides it in the CJS build.
  shims: true,
});
