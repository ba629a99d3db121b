import { defineConfig } from 'tsup';
import { sharedBuildOptions } from '../../tsup.shared.js';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    // The `./testing` subpath: the compliance suite.
    'testing/index': 'src/testing/index.ts',
    // Not an export: the program `startPeerProvider` runs in the second process (found next to
    // `testing/index`, by file URL).
    'testing/peer-process': 'src/testing/peer-process.ts',
  },
  ...sharedBuildOptions,
  // `import.meta.url` in the CJS build too (the testing entry finds its peer program with it).
  shims: true,
});
