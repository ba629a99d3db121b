import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { consumerEnv } from './support/consumer-env.js';
import { linkWorkspacePackages } from './support/link-workspace-packages.js';
import { progress } from './support/progress.js';
import { readmeBlocks, type CodeBlock } from './support/readme-blocks.js';
import { describeResult, killRunningCommands, runCommand } from './support/run-command.js';
import { makeTempDir, removeTempDir } from './support/temp-dir.js';
import { workspaceRoot } from './support/workspace.js';

// Issue 12: every code example of every README runs as written. Each TypeScript block is
// type-checked with the repository's strict base options and run with tsx; each JavaScript block is
// run with node. Each runs alone in a fresh directory outside the workspace, where `@sanshare/*`
// resolves to the workspace packages' built dist (run `pnpm build` first). No marker exempts a
// block: a fragment or a signature list belongs in a ```text fence. Shell, text, proto and other
// fences are not run (the root README's commands are checked by apps/handoff's readme-command test).

/** The file each runnable fence is written to: its extension decides how Node and tsc read it. */
const FILE_OF_LANG: Readonly<Record<string, string>> = {
  // `.mts`/`.mjs`: ES modules whatever package.json says, so top-level await works, as users expect.
  ts: 'example.mts',
  typescript: 'example.mts',
  mts: 'example.mts',
  cts: 'example.cts',
  js: 'example.mjs',
  javascript: 'example.mjs',
  mjs: 'example.mjs',
  cjs: 'example.cjs',
};

/** What the runnable blocks of a README must print, where the README's text promises it. */
const PROMISED_OUTPUT: Readonly<Record<string, RegExp>> = {
  'README.md': /^hello from pid \d+, on the source's connection$/m,
};

/** Upper bounds (not assertions): a block that hangs is killed, its whole process group with it. */
const TYPECHECK_BOUND_MS = 90_000;
const RUN_BOUND_MS = 60_000;

interface Example extends CodeBlock {
  /** The README, relative to the repository root. */
  readonly readme: string;
  readonly file: string;
}

/** README.md, packages/<name>/README.md and apps/<name>/README.md, those that exist. */
function listReadmes(): string[] {
  const nested = ['packages', 'apps'].flatMap((group) =>
    readdirSync(join(workspaceRoot, group), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(group, entry.name, 'README.md')),
  );
  return ['README.md', ...nested].filter((readme) => existsSync(join(workspaceRoot, readme)));
}

const readmes = listReadmes();
const examples: Example[] = readmes.flatMap((readme) =>
  readmeBlocks(readFileSync(join(workspaceRoot, readme), 'utf8')).flatMap((block) => {
    const file = FILE_OF_LANG[block.lang];
    return file === undefined ? [] : [{ ...block, readme, file }];
  }),
);

const tsc = join(workspaceRoot, 'node_modules', 'typescript', 'bin', 'tsc');
const tsxPackage = createRequire(join(workspaceRoot, 'package.json')).resolve('tsx/package.json');
const tsx = join(tsxPackage, '..', (JSON.parse(readFileSync(tsxPackage, 'utf8')) as { bin: string }).bin);
const say = progress('readme-examples');

/** Type-checks `file` in `dir` under the repository's base tsconfig (strict and the rest). */
async function typecheck(dir: string, file: string, where: string): Promise<void> {
  const config = {
    extends: join(workspaceRoot, 'tsconfig.base.json'),
    // The base says types: ['node']; the directory is outside the workspace, so say where they are.
    compilerOptions: { typeRoots: [join(workspaceRoot, 'node_modules', '@types')] },
    files: [file],
  };
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(config, null, 2));
  const result = await runCommand(process.execPath, [tsc, '-p', 'tsconfig.json'], {
    cwd: dir,
    env: consumerEnv(),
    timeoutMs: TYPECHECK_BOUND_MS,
  });
  expect(result.code, `${where}: tsc --noEmit (strict)\n${describeResult(result)}`).toBe(0);
}

/**
 * The environment of a run: a user's, with the OS temp dir inside `dir`, so that whatever an example
 * puts there (a provider's default runtime directory among them) is removed with it.
 */
function runEnv(dir: string): NodeJS.ProcessEnv {
  const env = consumerEnv({ TMPDIR: dir });
  delete env['XDG_RUNTIME_DIR'];
  return env;
}

describe('README examples', () => {
  afterEach(() => {
    killRunningCommands();
  });

  it('should find the TypeScript example of the root README', () => {
    expect(readmes).toContain('README.md');
    expect(examples.filter((example) => example.readme === 'README.md' && example.file === 'example.mts')).toHaveLength(1);
  });

  describe.each(readmes.filter((readme) => examples.some((example) => example.readme === readme)))('%s', (readme) => {
    for (const example of examples.filter((candidate) => candidate.readme === readme)) {
      const typescript = example.file.endsWith('ts');
      it(`should ${typescript ? 'type-check under strict and ' : ''}run the \`\`\`${example.lang} block at line ${example.line} as written`, async () => {
        const where = `${readme}:${example.line}`;
        say(`${where} (${example.lang})`);
        const dir = await makeTempDir('readme');
        try {
          await linkWorkspacePackages(dir);
          await writeFile(join(dir, example.file), example.code);
          if (typescript) await typecheck(dir, example.file, where);
          const run = await runCommand(process.execPath, typescript ? [tsx, example.file] : [example.file], {
            cwd: dir,
            env: runEnv(dir),
            timeoutMs: RUN_BOUND_MS,
          });
          expect(run.code, `${where}\n${describeResult(run)}`).toBe(0);
          const promised = PROMISED_OUTPUT[readme];
          if (promised) expect(run.stdout, `${where}\n${describeResult(run)}`).toMatch(promised);
        } finally {
          await removeTempDir(dir);
        }
      }, TYPECHECK_BOUND_MS + RUN_BOUND_MS + 30_000);
    }
  });
});
