import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/main.ts'],
  format: ['esm'],
  // Roles are imported on demand (one chunk each): the plain TCP peer never loads sanshare.
  splitting: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
