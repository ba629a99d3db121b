import { defineConfig } from 'tsup';

export default defineConfig({
  // `wire/index` is the `./wire` subpath: the strict protobuf reader the other packages decode with.
  entry: { index: 'src/index.ts', 'wire/index': 'src/wire/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
