import { defineConfig } from 'tsup';
import { sharedBuildOptions } from '../../tsup.shared.js';

export default defineConfig({
  // `wire/index` is the `./wire` subpath: the strict protobuf reader the other packages decode with.
  entry: { index: 'src/index.ts', 'wire/index': 'src/wire/index.ts' },
  ...sharedBuildOptions,
});
