// Writes the skeleton files of one workspace package (used once per package; kept for new packages).
// Usage: node scripts/new-package.mjs <dir> "<description>" [--private]
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [dir, description, flag] = process.argv.slice(2);
if (!dir || !description) throw new Error('usage: new-package.mjs <dir> <description> [--private]');
const name = `@sanshare/${dir.split('/').pop()}`;
const isPrivate = flag === '--private';
mkdirSync(join(dir, 'src'), { recursive: true });

const pkg = {
  name,
  version: '0.0.0',
  description,
  ...(isPrivate ? { private: true } : {}),
  // No `repository`: the public URL is not known yet, and a made-up one is worse than none.
  license: 'MIT',
  type: 'module',
  sideEffects: false,
  engines: { node: '>=20.11' },
  exports: {
    '.': {
      import: { types: './dist/index.d.ts', default: './dist/index.js' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    },
    './package.json': './package.json',
  },
  main: './dist/index.cjs',
  module: './dist/index.js',
  types: './dist/index.d.cts',
  files: ['dist'],
  scripts: {
    build: 'tsup',
    typecheck: 'tsc --noEmit',
    lint: isPrivate ? 'node -e ""' : 'publint --strict && attw --pack . --profile node16',
    test: 'vitest run',
  },
  ...(isPrivate ? {} : { publishConfig: { access: 'public' } }),
};
const write = (file, text) => { if (!existsSync(join(dir, file))) writeFileSync(join(dir, file), text); };
write('package.json', JSON.stringify(pkg, null, 2) + '\n');
write('tsconfig.json', JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src', 'test', 'bench', '*.config.ts'] }, null, 2) + '\n');
write('tsup.config.ts', `import { defineConfig } from 'tsup';
import { sharedBuildOptions } from '../../tsup.shared.js';

export default defineConfig({
  ...sharedBuildOptions,
  entry: ['src/index.ts'],
});
`);
write('vitest.config.ts', `import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Real processes and sockets: generous per-test bound, never a timing assertion.
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
`);
