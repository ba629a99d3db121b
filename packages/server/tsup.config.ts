import { defineConfig } from 'tsup';
import { sharedBuildOptions } from '../../tsup.shared.js';

export default defineConfig([
  {
    ...sharedBuildOptions,
    entry: ['src/index.ts'],
    // The ws adapter resolves its optional peer `ws` from import.meta.url; the shim provides it in the CJS build.
    shims: true,
  },
  {
    // The `sanshare-server` command: ESM only (a bin is run, never imported), its shebang kept. No
    // `clean`: both builds write to dist/ at once, and the first one cleans.
    entry: ['src/cli.ts'],
    format: ['esm'],
    sourcemap: sharedBuildOptions.sourcemap,
    target: sharedBuildOptions.target,
    noExternal: sharedBuildOptions.noExternal,
  },
]);
