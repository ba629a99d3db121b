/**
 * The build settings every published package shares; each package's `tsup.config.ts` spreads them
 * and adds its entries and what is its own. (Not published: a dev-time file of the repository.)
 */
import type { Options } from 'tsup';

export const sharedBuildOptions = {
  // ESM and CJS, each with its declarations, for Node 20 and later.
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // @sanshare/internal is private (never published): its helpers are bundled into each package.
  noExternal: ['@sanshare/internal'],
} satisfies Options;
