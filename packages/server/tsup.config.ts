import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    // The ws adapter resolves its optional peer `ws` from import.meta.url; the shim provides it in the CJS build.
    shims: true,
    // @sanshare/internal is private (never published): its deadline and error guard are bundled in.
    noExternal: ['@sanshare/internal'],
  },
  {
    // The `sanshare-server` command: ESM only (a bin is run, never imported), its shebang kept. No
    // `clean`: both builds write to dist/ at once, and the first one cleans.
    entry: ['src/cli.ts'],
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    noExternal: ['@sanshare/internal'],
  },
]);
