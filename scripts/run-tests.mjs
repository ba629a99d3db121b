// The whole suite, as the README's second command runs it: build, type checks, package checks and
// every package's tests through turbo, then one closing line that counts the tests of every package
// ("Tests: N passed, N failed"), read from the JSON report each vitest run writes.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const reports = ['packages', 'apps'].flatMap((group) =>
  readdirSync(join(root, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(root, group, entry.name, '.vitest', 'report.json')),
);
// A report left from an earlier run must not be counted as this run's.
for (const report of reports) rmSync(report, { force: true });

// Colour codes only for a terminal: in a CI log or a file they are noise. NO_COLOR is what vitest
// (tinyrainbow) and most tools honour; FORCE_COLOR=0 covers chalk/supports-color and Node's own
// inspect; turbo has its own flag (and passes both variables through to the tasks it runs).
const plain = !process.stdout.isTTY;
const env = plain ? { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } : process.env;

const turbo = spawnSync(
  'turbo',
  [
    'run',
    'build',
    'typecheck',
    'lint',
    'test',
    '--concurrency=1',
    // One failing package must not hide the others' results: every task whose dependencies built runs,
    // and the closing line counts them all (turbo still exits non-zero).
    '--continue=dependencies-successful',
    ...(plain ? ['--no-color'] : []),
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit', env },
);

if (turbo.error) console.error(`could not run turbo: ${turbo.error.message} (run this through \`pnpm test\`)`);

let passed = 0;
let failed = 0;
let skipped = 0;
let packagesReported = 0;
for (const report of reports) {
  if (!existsSync(report)) continue;
  const result = JSON.parse(readFileSync(report, 'utf8'));
  passed += result.numPassedTests;
  failed += result.numFailedTests;
  skipped += result.numPendingTests + result.numTodoTests;
  packagesReported += 1;
}
const status = turbo.status ?? 1;
// A task that failed before its tests ran (build, typecheck, lint) leaves no report: count it as a failure.
if (status !== 0 && failed === 0) failed = 1;
console.log(`\n${packagesReported} packages reported tests; turbo exited ${status}.`);
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(status);
