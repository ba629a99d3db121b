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
  // The shared helpers (deadlines, the error guard) are bundled in: @sanshare/internal is private
  // and never installed by users.
  noExternal: ['@sanshare/internal'],
});
