// `pnpm release`: publish every public package whose current version is not on the registry yet.
//
// Steps (docs/releasing.md explains the whole flow):
//   1. refuse while changesets are pending (they have not been turned into versions yet);
//   2. ask the registry which public package versions it lacks; none: say so and stop (exit 0);
//   3. refuse a version that no changeset produced (no "## <version>" in its CHANGELOG.md);
//   4. build and run the package checks (publint, are-the-types-wrong) with turbo;
//   5. `changeset publish` (it skips versions the registry already has, so a rerun resumes a
//      release that failed midway), then ask the registry again and report what is still missing.
//
// Why a script around `changeset publish`: alone, it publishes 0.0.0 or a hand-edited version as
// readily as a versioned one, reports "No unpublished projects" as a warning that is easy to miss,
// and checks the registry named by `npm_config_registry` only (not the one in ~/.npmrc), so the
// check and the publish could look at two different registries.
//
// The registry and its credentials come from the maintainer's npm config (`npm_config_registry`,
// ~/.npmrc, or an npmrc the CI job writes from a secret); never from this repository.
//
// Usage: pnpm release [-- <extra flags for changeset publish, e.g. --otp 123456>]
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

/** Prints a line prefixed with `release:` so it stands out in a CI log. */
const say = (line) => console.log(`release: ${line}`);
const fail = (line) => {
  console.error(`release: ${line}`);
  process.exit(1);
};

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** The workspace packages (from pnpm-workspace.yaml's `packages/*` and `apps/*`) that are not private. */
function publicPackages() {
  const found = [];
  for (const group of ['packages', 'apps']) {
    const groupDir = join(root, group);
    if (!existsSync(groupDir)) continue;
    for (const entry of readdirSync(groupDir)) {
      const dir = join(groupDir, entry);
      if (!existsSync(join(dir, 'package.json'))) continue;
      const manifest = readJson(join(dir, 'package.json'));
      if (manifest.private !== true) found.push({ name: manifest.name, version: manifest.version, dir });
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** Changeset files not yet consumed by `changeset version`. */
function pendingChangesets() {
  const dir = join(root, '.changeset');
  return readdirSync(dir).filter((file) => file.endsWith('.md') && file !== 'README.md');
}

/** The registry npm resolves for this repo (env, ~/.npmrc, the repo's .npmrc), as `npm` sees it. */
function configuredRegistry() {
  const result = spawnSync('npm', ['config', 'get', 'registry'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) fail(`cannot read the npm registry setting:\n${result.stderr}`);
  return result.stdout.trim();
}

/** True when `name@version` is on `registry`; exits on anything but "found" or "not found". */
function isPublished(name, version, registry) {
  const args = ['view', `${name}@${version}`, 'version', '--json', '--no-update-notifier', `--registry=${registry}`];
  return new Promise((resolvePublished) => {
    execFile('npm', args, { cwd: root, encoding: 'utf8' }, (error, stdout, stderr) => {
      // Found: the version as a JSON string (or a one-element array); a missing version of a known
      // package: empty output and exit 0.
      if (!error) return resolvePublished(stdout.trim().length > 0 && [JSON.parse(stdout)].flat().includes(version));
      if (/E404|404 Not Found|is not in this registry/.test(stderr + stdout)) return resolvePublished(false);
      fail(`cannot ask ${registry} about ${name}@${version}; nothing was published.\n${stderr}`);
    });
  });
}

/** The packages of `list` whose current version the registry lacks (asked in parallel). */
async function unpublishedOf(list, registry) {
  const published = await Promise.all(list.map((pkg) => isPublished(pkg.name, pkg.version, registry)));
  return list.filter((_, index) => !published[index]);
}

function run(command, args, env) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.error) fail(`could not start ${command}: ${result.error.message}`);
  return result.status ?? 1;
}

const packages = publicPackages();

const pending = pendingChangesets();
if (pending.length > 0) {
  fail(
    `${pending.length} changeset(s) have not been turned into versions yet (${pending.join(', ')}).\n` +
      '  Run `pnpm version-packages`, review and commit the new versions and CHANGELOGs, then run `pnpm release` again.\n' +
      '  Nothing was published.',
  );
}

// `changeset publish` publishes with `pnpm publish` (it rewrites the workspace: ranges).
if (spawnSync('pnpm', ['--version'], { cwd: root, encoding: 'utf8' }).status !== 0) {
  fail('pnpm is not on PATH; run this as `npx -y pnpm@10.34.9 release`. Nothing was published.');
}

const registry = configuredRegistry();
say(`registry: ${registry}`);
const unpublished = await unpublishedOf(packages, registry);
if (unpublished.length === 0) {
  say(
    `nothing to release: every public package is already on the registry at its current version\n` +
      packages.map((pkg) => `  ${pkg.name}@${pkg.version}`).join('\n') +
      '\n  To release a change: `pnpm changeset`, then `pnpm version-packages`, commit, and `pnpm release`.' +
      '\n  Nothing was published.',
  );
  process.exit(0);
}

const unversioned = unpublished.filter((pkg) => {
  const changelog = join(pkg.dir, 'CHANGELOG.md');
  if (!existsSync(changelog)) return true;
  const heading = new RegExp(`^## ${pkg.version.replace(/[.+]/g, '\\$&')}\\s*$`, 'm');
  return !heading.test(readFileSync(changelog, 'utf8'));
});
if (unversioned.length > 0) {
  fail(
    `no changeset produced ${unversioned.map((pkg) => `${pkg.name}@${pkg.version}`).join(', ')} ` +
      '(its CHANGELOG.md has no entry for that version).\n' +
      '  Add a changeset with `pnpm changeset`, run `pnpm version-packages`, commit, then `pnpm release`.\n' +
      '  Nothing was published.',
  );
}

say(`to publish: ${unpublished.map((pkg) => `${pkg.name}@${pkg.version}`).join(', ')}`);
say('building and running the package checks (publint, are-the-types-wrong)');
const filters = packages.map((pkg) => `--filter=${pkg.name}`);
if (run(bin('turbo'), ['run', 'build', 'lint', ...filters, '--output-logs=errors-only']) !== 0) {
  fail('the build or the package checks failed; nothing was published.');
}

// `changeset publish` reads the registry from npm_config_registry only: pin it to the one above.
// (pnpm may forward a literal `--` separator; changeset would then ignore the flags after it.)
const extra = process.argv.slice(2).filter((arg) => arg !== '--');
const publishStatus = run(bin('changeset'), ['publish', ...extra], { npm_config_registry: registry });

const missing = await unpublishedOf(packages, registry);
if (missing.length > 0) {
  const done = unpublished.filter((pkg) => !missing.includes(pkg));
  fail(
    `partial release: ${missing.map((pkg) => `${pkg.name}@${pkg.version}`).join(', ')} did not reach ${registry}` +
      (done.length > 0 ? ` (published: ${done.map((pkg) => `${pkg.name}@${pkg.version}`).join(', ')})` : '') +
      '.\n  Nothing needs undoing: fix the cause above and run `pnpm release` again; it publishes only the versions the registry lacks.',
  );
}
if (publishStatus !== 0) fail('changeset publish failed after every version reached the registry (see above; usually the git tags).');
say(`released: ${unpublished.map((pkg) => `${pkg.name}@${pkg.version}`).join(', ')}`);
