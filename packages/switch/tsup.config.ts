import { defineConfig } from 'tsup';
import { sharedBuildOptions } from '../../tsup.shared.js';

export default defineConfig({
  entry: ['src/index.ts'],
  ...sharedBuildOptions,
});
