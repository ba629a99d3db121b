import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkPackedFiles } from './support/check-packed-files.js';
import { createConsumerProject, nodeIn, npmIn } from './support/consumer-project.js';
import { packPackage, type PackedPackage } from './support/pack-package.js';
import { describeResult, killRunningCommands, runCommand } from './support/run-command.js';
import { makeTempDir, removeTempDir } from './support/temp-dir.js';
import { makeToolFreePath } from './support/tool-free-path.js';
import { progress } from './support/progress.js';
import { listPublicPackages, workspaceRoot, type Manifest } from './support/workspace.js';

// Issue 3: the checks a user would otherwise hit. Each public package is packed exactly as it is
// published, installed with plain npm into a fresh project outside the workspace, then loaded the
// two ways users load it and type-checked the three ways users resolve it.

const publicPackages = listPublicPackages();
const say = progress('pack');

/** Prints what a package exposes, loaded with `import`, plus a cross-check against its `require` copy. */
const esmProbe = (name: string): string => `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const m = await import(${JSON.stringify(name)});
const report = { keys: Object.keys(m).sort(), version: require(${JSON.stringify(`${name}/package.json`)}).version };
if (${JSON.stringify(name)} === '@sanshare/protocol-info') {
  const error = new m.WsaError('WSAEINVAL', 'probe');
  // A WsaError made by the ESM copy must be recognised by the CJS copy (dual-package hazard).
  report.wsa = { code: error.code, errno: error.errno, own: m.isWsaError(error, 'WSAEINVAL'), crossCopy: require(${JSON.stringify(name)}).isWsaError(error) };
}
console.log(JSON.stringify(report));
`;

/** The same report, loaded with `require`. */
const cjsProbe = (name: string): string => `
const m = require(${JSON.stringify(name)});
const report = { keys: Object.keys(m).sort(), version: require(${JSON.stringify(`${name}/package.json`)}).version };
if (${JSON.stringify(name)} === '@sanshare/protocol-info') {
  const error = new m.WsaError('WSAEINVAL', 'probe');
  report.wsa = { code: error.code, errno: error.errno, own: m.isWsaError(error, 'WSAEINVAL'), crossCopy: true };
}
console.log(JSON.stringify(report));
`;

interface ProbeReport {
  keys: string[];
  version: string;
  wsa?: { code: string; errno: number; own: boolean; crossCopy: boolean };
}

describe('published tarballs', () => {
  let tempDir: string | undefined;
  let consumerDir = '';
  const packed = new Map<string, PackedPackage>();

  beforeAll(async () => {
    tempDir = await makeTempDir('pack');
    const tarballDir = join(tempDir, 'tarballs');
    await mkdir(tarballDir);
    for (const pkg of publicPackages) {
      say(`packing ${pkg.name}`);
      packed.set(pkg.name, await packPackage(pkg, tarballDir));
    }

    // Every @sanshare/* is pinned to its tarball, also where one package depends on another, so
    // that npm never looks for a sanshare package on the public registry.
    const local = Object.fromEntries([...packed.values()].map((p) => [p.name, `file:${p.tarball}`]));
    consumerDir = join(tempDir, 'consumer');
    await createConsumerProject(consumerDir, { dependencies: local, overrides: local });
    // A user's machine: no compiler, make or python on PATH, so a native addon must come prebuilt.
    const toolFreePath = await makeToolFreePath(join(tempDir, 'bin'));
    say('installing the tarballs with npm, no build tools on PATH');
    const installed = await npmIn(consumerDir, ['install'], { PATH: toolFreePath });
    expect(installed.code, describeResult(installed)).toBe(0);
    say('installed; checking each package');
  }, 300_000);

  afterEach(() => {
    killRunningCommands();
  });

  afterAll(async () => {
    killRunningCommands();
    await removeTempDir(tempDir);
  });

  it('should find the five public packages', () => {
    expect(publicPackages.map((pkg) => pkg.name).sort()).toEqual([
      '@sanshare/protocol-info',
      '@sanshare/provider',
      '@sanshare/server',
      '@sanshare/switch',
      '@sanshare/transport-uds',
    ]);
  });

  describe.each(publicPackages.map((pkg) => [pkg.name]))('%s', (name) => {
    it('should pack only what users need', () => {
      const tarball = packed.get(name);
      expect(tarball).toBeDefined();
      expect(checkPackedFiles(tarball?.files ?? [])).toEqual([]);
    });

    it('should ship a prebuilt linux-x64 binary when it has a native addon, and compile nothing at install', () => {
      const files = packed.get(name)?.files ?? [];
      if (!files.includes('binding.gyp')) return;
      expect(files.filter((file) => /^prebuilds\/linux-x64\/[^/]+\.node$/.test(file))).not.toEqual([]);
      expect(existsSync(join(consumerDir, 'node_modules', name, 'build')), 'node-gyp ran at install').toBe(false);
    });

    it('should publish a manifest with engines and license, no made-up repository and no workspace: ranges', async () => {
      const installed = JSON.parse(
        await readFile(join(consumerDir, 'node_modules', name, 'package.json'), 'utf8'),
      ) as Manifest & Record<string, unknown>;
      expect(installed.engines?.['node']).toMatch(/^>=\s*20/);
      expect(installed.license).toBe('MIT');
      // No public URL is known yet: no `repository` until there is one, never a placeholder.
      expect(installed.repository).toBeUndefined();
      expect(JSON.stringify(installed)).not.toContain('example.invalid');
      expect(JSON.stringify(installed)).not.toContain('workspace:');
    });

    it('should load with import and with require in a fresh project', async () => {
      const esm = await nodeIn(consumerDir, ['--input-type=module', '-e', esmProbe(name)]);
      expect(esm.code, describeResult(esm)).toBe(0);
      const cjs = await nodeIn(consumerDir, ['--input-type=commonjs', '-e', cjsProbe(name)]);
      expect(cjs.code, describeResult(cjs)).toBe(0);
      const fromImport = JSON.parse(esm.stdout) as ProbeReport;
      const fromRequire = JSON.parse(cjs.stdout) as ProbeReport;
      expect(fromImport.keys.length).toBeGreaterThan(0);
      expect(fromRequire.keys).toEqual(fromImport.keys);
      expect(fromImport.version).toBe(packed.get(name)?.version);
      if (name === '@sanshare/protocol-info') {
        const expected = { code: 'WSAEINVAL', errno: 10022, own: true, crossCopy: true };
        expect(fromImport.wsa).toEqual(expected);
        expect(fromRequire.wsa).toEqual(expected);
      }
    });

    it('should pass are-the-types-wrong on the packed tarball: every entry point, node10 included', async () => {
      const tarball = packed.get(name)?.tarball ?? '';
      // No --profile: node10, node16 (from CJS and from ESM) and bundler resolution are all checked,
      // for every subpath of the exports map (node10 sees subpaths through typesVersions only).
      say(`are-the-types-wrong: ${name}`);
      const attw = await runCommand(
        join(workspaceRoot, 'node_modules', '.bin', 'attw'),
        [tarball, '--format', 'table-flipped'],
        { cwd: workspaceRoot, env: { ...process.env, NO_COLOR: '1' }, timeoutMs: 120_000 },
      );
      expect(attw.code, describeResult(attw)).toBe(0);
    });
  });

  it('should resolve the types for node16 ESM, node16 CJS and bundler consumers', async () => {
    const names = publicPackages.map((pkg) => pkg.name);
    const imports = names.map((name, i) => `import * as m${i} from '${name}';`).join('\n');
    const uses = `export const all: object[] = [${names.map((_, i) => `m${i}`).join(', ')}];\n`;
    // A real typed use, so that an `any` fallback would not pass unnoticed.
    const typed = `import { WsaError, isWsaError } from '@sanshare/protocol-info';
export const errno: number = new WsaError('WSAEINVAL', 'probe').errno;
export const guard: (value: unknown) => boolean = isWsaError;
`;
    const source = `${imports}\n${typed}${uses}`;
    await writeFile(join(consumerDir, 'esm.mts'), source);
    await writeFile(join(consumerDir, 'cjs.cts'), source);
    await writeFile(join(consumerDir, 'bundled.ts'), source);
    const common = {
      strict: true,
      noEmit: true,
      // The consumer's own libraries are checked too: a broken .d.ts must fail here.
      skipLibCheck: false,
      types: ['node'],
      typeRoots: [join(workspaceRoot, 'node_modules', '@types')],
      target: 'ES2022',
    };
    const configs = {
      'tsconfig.node16.json': { compilerOptions: { ...common, module: 'node16', moduleResolution: 'node16' }, files: ['esm.mts', 'cjs.cts'] },
      'tsconfig.bundler.json': { compilerOptions: { ...common, module: 'esnext', moduleResolution: 'bundler' }, files: ['bundled.ts'] },
    };
    for (const [file, config] of Object.entries(configs)) {
      say(`tsc -p ${file} in the consumer project`);
      await writeFile(join(consumerDir, file), JSON.stringify(config, null, 2));
      const tsc = await runCommand(
        process.execPath,
        [join(workspaceRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', file],
        { cwd: consumerDir, timeoutMs: 120_000 },
      );
      expect(tsc.code, `${file}\n${describeResult(tsc)}`).toBe(0);
    }
  });
});
