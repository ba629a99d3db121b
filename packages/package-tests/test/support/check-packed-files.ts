/**
 * What a published tarball may hold: only what a user's `import`/`require`, type checker or
 * install step needs. Anything else (tests, sources of TS, configs, benchmarks, build trees) is a
 * leak that bloats installs or exposes internals.
 */
const ALLOWED: readonly RegExp[] = [
  /^package\.json$/,
  /^README\.md$/,
  /^CHANGELOG\.md$/,
  /^LICEN[CS]E(\.md|\.txt)?$/,
  // tsup output: JS, CJS, their declarations and source maps; never a compiled test.
  /^dist\/(?!.*\.test\.)[\w./-]+\.(js|cjs|mjs|d\.ts|d\.cts|d\.mts|map)$/,
  // A command's entry file (package.json `bin`), outside dist/ so that it exists before a build.
  /^bin\/[\w.-]+\.(js|cjs|mjs)$/,
  // protobuf schemas shipped next to the generated code, for users of other languages.
  /^proto\/[\w./-]+\.proto$/,
  // The native addon: what node-gyp needs to build from source, and the prebuilt binaries.
  /^binding\.gyp$/,
  /^(src|native)\/[\w./-]+\.(cc|cpp|c|h|hpp)$/,
  /^prebuilds\/[\w.-]+\/[\w.+@-]+\.node$/,
];

/** Files every public package must ship. */
const REQUIRED: readonly string[] = [
  'package.json',
  'README.md',
  // MIT asks that the notice travel with every copy; pnpm packs the workspace root's LICENSE.
  'LICENSE',
  'dist/index.js',
  'dist/index.cjs',
  'dist/index.d.ts',
  'dist/index.d.cts',
];

/**
 * Returns one human-readable problem per unexpected or missing file of a packed tarball; an empty
 * list means the tarball holds exactly what users need.
 */
export function checkPackedFiles(files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    if (!ALLOWED.some((pattern) => pattern.test(file))) problems.push(`unexpected file in tarball: ${file}`);
  }
  for (const file of REQUIRED) {
    if (!files.includes(file)) problems.push(`missing from tarball: ${file}`);
  }
  return problems;
}
