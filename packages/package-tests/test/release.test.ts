import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { copyWorkspace } from './support/copy-workspace.js';
import { consumerEnv } from './support/consumer-env.js';
import { createConsumerProject, nodeIn, npmIn } from './support/consumer-project.js';
import {
  createRegistryUser,
  registryVersions,
  startLocalRegistry,
  type LocalRegistry,
} from './support/local-registry.js';
import { readmeExample, readmeInstall } from './support/readme-example.js';
import { describeResult, killRunningCommands, runCommand, type CommandResult } from './support/run-command.js';
import { makeTempDir, removeTempDir } from './support/temp-dir.js';
import { makeToolFreePath, reachableBuildTools } from './support/tool-free-path.js';
import { pnpmCommand } from './support/pnpm-command.js';
import { heartbeat, progress } from './support/progress.js';
import { listPublicPackages, readManifest, type PublicPackage } from './support/workspace.js';

// Issue 8: the release path proven against a real registry. Verdaccio runs as a separate process
// on loopback with its storage in a temp dir; the workspace is copied to a temp dir so that
// `changeset version` and the git tags of `changeset publish` never touch the real tree.

const PROTOCOL_INFO = '@sanshare/protocol-info';
/** The package the registry refuses in the first publish, to make a release fail midway. */
const REFUSED = '@sanshare/switch';

const names = listPublicPackages().map((pkg) => pkg.name);
const say = progress('release');

/** `a > b` for plain x.y.z versions. */
function isNewer(a: string, b: string): boolean {
  const pa = a.split(/[.-]/).map(Number);
  const pb = b.split(/[.-]/).map(Number);
  for (let i = 0; i < 3; i += 1) {
    if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) > (pb[i] ?? 0);
  }
  return false;
}

function bump(version: string, part: 'minor' | 'patch'): string {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number);
  return part === 'minor' ? `${major}.${minor + 1}.0` : `${major}.${minor}.${patch + 1}`;
}

describe('release to a real registry', () => {
  let temp: string | undefined;
  let repo = '';
  let registryDir = '';
  let registry: LocalRegistry | undefined;
  let npmrc = '';
  let toolFreePath = '';
  const before = new Map<string, string>();
  const round1 = new Map<string, string>();

  const packagesOfCopy = (): PublicPackage[] => listPublicPackages(repo);
  const versionsOfCopy = (): Map<string, string> =>
    new Map(packagesOfCopy().map((pkg) => [pkg.name, pkg.manifest.version]));
  const registryUrl = (): string => {
    if (!registry) throw new Error('the registry is not running');
    return registry.url;
  };

  /** `pnpm <script>` in the copy, as a maintainer runs it, with the registry and token of this test. */
  const pnpmRun = async (script: string): Promise<CommandResult> => {
    const [command, ...prefix] = await pnpmCommand();
    say(`pnpm ${script}`);
    const started = Date.now();
    // `pnpm release` builds every package quietly (turbo --output-logs=errors-only) for a minute or more.
    const stop = heartbeat(say, `pnpm ${script}`);
    const result = await runCommand(command, [...prefix, script], {
      cwd: repo,
      // `changeset publish` runs `pnpm publish`: the pnpm running the script must be on PATH, as under npx.
      env: consumerEnv({
        npm_config_registry: registryUrl(),
        npm_config_userconfig: npmrc,
        PATH: `${dirname(command)}${delimiter}${process.env['PATH'] ?? ''}`,
      }),
      timeoutMs: 600_000,
      // The release script's own `release: ...` lines say which phase it is in.
      onLine: (line) => {
        if (line.startsWith('release: ')) say(`  ${line}`);
      },
    }).finally(stop);
    say(`pnpm ${script}: exit ${String(result.code)} after ${Math.round((Date.now() - started) / 1000)}s`);
    return result;
  };

  const publishedVersions = async (name: string): Promise<string[]> =>
    Object.keys((await registryVersions(registryUrl(), name)).versions).sort();

  /** The README of `name` in the copy (the one the tarball ships); empty when there is none. */
  const readmeOf = async (name: string): Promise<string> => {
    const pkg = packagesOfCopy().find((candidate) => candidate.name === name);
    if (!pkg) throw new Error(`${name} is not in the copy`);
    const file = join(pkg.dir, 'README.md');
    return existsSync(file) ? readFile(file, 'utf8') : '';
  };

  /**
   * Follows the README's install line (just `name` when it has none) in a fresh project, from the
   * registry, with no build tools on PATH and no user npmrc.
   */
  const installAlone = async (name: string, dir: string): Promise<CommandResult> => {
    await createConsumerProject(dir, { npmrc: [`registry=${registryUrl()}`] });
    const packages = readmeInstall(await readmeOf(name), name);
    say(`npm install ${packages.join(' ')} from the registry, in a fresh project`);
    return npmIn(dir, ['install', ...packages], { PATH: toolFreePath, npm_config_userconfig: join(dir, 'no-user-npmrc') });
  };

  beforeAll(async () => {
    temp = await makeTempDir('release');
    repo = join(temp, 'repo');
    say('copying the workspace');
    await copyWorkspace(repo);
    for (const [name, version] of versionsOfCopy()) before.set(name, version);

    registryDir = join(temp, 'registry');
    say('starting Verdaccio');
    registry = await startLocalRegistry({ dir: registryDir, refusePublishOf: [REFUSED] });
    const token = await createRegistryUser(registry.url, 'releaser');
    // The maintainer's own npm settings (nodedir for node-gyp, cafile, ...) plus this registry's
    // token: the token lives in the temp dir, never in the repository.
    const userNpmrc = join(process.env['HOME'] ?? '/root', '.npmrc');
    const own = existsSync(userNpmrc) ? await readFile(userNpmrc, 'utf8') : '';
    npmrc = join(temp, 'npmrc');
    await writeFile(npmrc, `${own}\n//127.0.0.1:${registry.port}/:_authToken=${token}\nupdate-notifier=false\n`);

    toolFreePath = await makeToolFreePath(join(temp, 'bin'));

    // The test's own changeset, so that every public package has a release in the first round
    // whatever the repository's pending changesets say.
    await writeFile(
      join(repo, '.changeset', 'release-test-initial.md'),
      `---\n${names.map((name) => `"${name}": minor`).join('\n')}\n---\n\nReleased by the release test.\n`,
    );
  }, 120_000);

  afterEach(() => {
    killRunningCommands();
  });

  afterAll(async () => {
    killRunningCommands();
    await registry?.stop();
    await removeTempDir(temp);
  }, 60_000);

  it('should refuse to release while changesets are pending, and publish nothing', async () => {
    const result = await pnpmRun('release');
    expect(result.code, describeResult(result)).not.toBe(0);
    expect(result.stderr).toContain('have not been turned into versions yet');
    expect(result.stderr).toContain('pnpm version-packages');
    expect(result.stderr).toContain('Nothing was published.');
    for (const name of names) expect(await publishedVersions(name)).toEqual([]);
  }, 120_000);

  it('should turn the changesets into new versions and a CHANGELOG per package', async () => {
    const result = await pnpmRun('version-packages');
    expect(result.code, describeResult(result)).toBe(0);
    for (const pkg of packagesOfCopy()) {
      const previous = before.get(pkg.name) ?? '';
      expect(isNewer(pkg.manifest.version, previous), `${pkg.name}: ${previous} -> ${pkg.manifest.version}`).toBe(true);
      const changelog = await readFile(join(pkg.dir, 'CHANGELOG.md'), 'utf8');
      expect(changelog).toContain(`## ${pkg.manifest.version}`);
      expect(changelog).toContain('Released by the release test.');
      round1.set(pkg.name, pkg.manifest.version);
    }
    const left = (await readdir(join(repo, '.changeset'))).filter((file) => file.endsWith('.md') && file !== 'README.md');
    expect(left).toEqual([]);
  }, 120_000);

  it('should refuse a version that no changeset produced, and publish nothing', async () => {
    const pkg = packagesOfCopy().find((candidate) => candidate.name === PROTOCOL_INFO);
    if (!pkg) throw new Error(`${PROTOCOL_INFO} is not in the copy`);
    const file = join(pkg.dir, 'package.json');
    const original = await readFile(file, 'utf8');
    const handmade = bump(pkg.manifest.version, 'patch');
    await writeFile(file, original.replace(`"version": "${pkg.manifest.version}"`, `"version": "${handmade}"`));
    try {
      const result = await pnpmRun('release');
      expect(result.code, describeResult(result)).not.toBe(0);
      expect(result.stderr).toContain(`no changeset produced ${PROTOCOL_INFO}@${handmade}`);
      expect(result.stderr).toContain('Nothing was published.');
      for (const name of names) expect(await publishedVersions(name)).toEqual([]);
    } finally {
      await writeFile(file, original);
    }
  }, 120_000);

  it('should leave a release that failed midway for the next run to finish', async () => {
    const failed = await pnpmRun('release');
    expect(failed.code, describeResult(failed)).not.toBe(0);
    expect(failed.stderr).toContain(`partial release: ${REFUSED}@${round1.get(REFUSED)}`);
    expect(failed.stderr).toContain('run `pnpm release` again');
    for (const name of names) {
      expect(await publishedVersions(name)).toEqual(name === REFUSED ? [] : [round1.get(name)]);
    }

    // The cause is fixed (the registry accepts the package again); the same command finishes the set.
    const port = registry?.port;
    await registry?.stop();
    registry = undefined;
    say('restarting Verdaccio, now accepting every package');
    registry = await startLocalRegistry({ dir: registryDir, ...(port !== undefined ? { port } : {}) });
    const rerun = await pnpmRun('release');
    expect(rerun.code, describeResult(rerun)).toBe(0);
    expect(rerun.stdout).toContain(`release: to publish: ${REFUSED}@${round1.get(REFUSED)}\n`);
    for (const name of names) {
      expect(await publishedVersions(name)).toEqual([round1.get(name)]);
      expect((await registryVersions(registryUrl(), name)).latest).toBe(round1.get(name));
    }
  }, 600_000);

  it('should say there is nothing to release, and publish nothing, when every version is published', async () => {
    const result = await pnpmRun('release');
    expect(result.code, describeResult(result)).toBe(0);
    expect(result.stdout).toContain('nothing to release');
    expect(result.stdout).toContain('Nothing was published.');
    for (const name of names) expect(await publishedVersions(name)).toEqual([round1.get(name)]);
  }, 120_000);

  it('should have no build tools on the PATH used for user installs', () => {
    expect(reachableBuildTools(toolFreePath)).toEqual([]);
  });

  describe.each(names.map((name) => [name]))('%s', (name) => {
    it('should install from the registry as its README says, without build tools, and run its README example with import and require', async () => {
      const dir = join(temp ?? '', 'consumers', name.replace('/', '__'));
      const installed = await installAlone(name, dir);
      expect(installed.code, describeResult(installed)).toBe(0);
      const pkgDir = join(dir, 'node_modules', name);
      expect(readManifest(pkgDir).version).toBe(round1.get(name));

      if (existsSync(join(pkgDir, 'binding.gyp'))) {
        // A native package: the prebuilt binary must be what loads, with nothing compiled.
        const prebuilds = existsSync(join(pkgDir, 'prebuilds', 'linux-x64'))
          ? await readdir(join(pkgDir, 'prebuilds', 'linux-x64'))
          : [];
        expect(prebuilds.filter((file) => file.endsWith('.node'))).not.toEqual([]);
        expect(existsSync(join(pkgDir, 'build')), 'a source build ran at install time').toBe(false);
        const load = await nodeIn(dir, ['-e', `require('node-gyp-build')(${JSON.stringify(pkgDir)})`], {
          PATH: toolFreePath,
        });
        expect(load.code, describeResult(load)).toBe(0);
      }

      expect(existsSync(join(pkgDir, 'README.md')), `${name} was published without a README.md`).toBe(true);
      const readme = await readFile(join(pkgDir, 'README.md'), 'utf8');
      expect(readme).toBe(await readmeOf(name));
      const example = readmeExample(readme, name);
      if (typeof example === 'string') throw new Error(`${name}: ${example}`);
      await writeFile(join(dir, 'example.mjs'), example.esm);
      await writeFile(join(dir, 'example.cjs'), example.cjs);
      say(`running ${name}'s README example with import and require`);
      const esm = await nodeIn(dir, ['example.mjs'], { PATH: toolFreePath });
      expect(esm.code, `README example (ESM)\n${describeResult(esm)}`).toBe(0);
      const cjs = await nodeIn(dir, ['example.cjs'], { PATH: toolFreePath });
      expect(cjs.code, `README example (CJS)\n${describeResult(cjs)}`).toBe(0);
    }, 240_000);
  });

  it('should bump the dependents of a dependency whose new version leaves their range, and publish them', async () => {
    await writeFile(
      join(repo, '.changeset', 'release-test-second.md'),
      `---\n"${PROTOCOL_INFO}": minor\n---\n\nChanged by the release test's second round.\n`,
    );
    const versioned = await pnpmRun('version-packages');
    expect(versioned.code, describeResult(versioned)).toBe(0);

    const round2 = versionsOfCopy();
    const dependents = packagesOfCopy()
      .filter((pkg) => pkg.manifest.dependencies?.[PROTOCOL_INFO] !== undefined)
      .map((pkg) => pkg.name);
    expect(dependents.length).toBeGreaterThan(0);
    const expected = new Map<string, string>();
    for (const name of names) {
      const first = round1.get(name) ?? '';
      if (name === PROTOCOL_INFO) expected.set(name, bump(first, 'minor'));
      else if (dependents.includes(name)) expected.set(name, bump(first, 'patch'));
      else expected.set(name, first);
    }
    expect(round2).toEqual(expected);

    const released = await pnpmRun('release');
    expect(released.code, describeResult(released)).toBe(0);
    const changed = names.filter((name) => expected.get(name) !== round1.get(name));
    for (const name of names) {
      const versions = await publishedVersions(name);
      expect(versions).toContain(expected.get(name));
      expect(versions.length).toBe(changed.includes(name) ? 2 : 1);
    }
    // The dependents were republished against the new range.
    for (const name of dependents) {
      const manifest = (await registryVersions(registryUrl(), name)).versions[expected.get(name) ?? ''];
      expect(manifest?.dependencies?.[PROTOCOL_INFO]).toBe(`^${expected.get(PROTOCOL_INFO)}`);
    }
  }, 600_000);

  it('should give fresh consumers the new versions', async () => {
    const round2 = versionsOfCopy();
    for (const name of names) {
      const dir = join(temp ?? '', 'consumers-round-2', name.replace('/', '__'));
      const installed = await installAlone(name, dir);
      expect(installed.code, describeResult(installed)).toBe(0);
      expect(readManifest(join(dir, 'node_modules', name)).version).toBe(round2.get(name));
      const infoDir = join(dir, 'node_modules', PROTOCOL_INFO);
      if (existsSync(infoDir)) expect(readManifest(infoDir).version).toBe(round2.get(PROTOCOL_INFO));
    }
  }, 300_000);
});
