import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const PACKAGE_DIR = join(import.meta.dirname, '..');

/** The README's fenced blocks: language and code. */
async function readmeBlocks(): Promise<{ lang: string; code: string }[]> {
  const readme = await readFile(join(PACKAGE_DIR, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```(\S*)[^\n]*\n([\s\S]*?)^```/gm)].map((m) => ({ lang: m[1] ?? '', code: m[2] ?? '' }));
}

/** What a block says it prints: the comment after each `console.log(...)`, in order. */
function expectedOutput(code: string): string[] {
  return [...code.matchAll(/^\s*console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1] ?? '');
}

/** The repository's strict compiler options (tsconfig.base.json), as the packages themselves use them. */
function strictOptions(): ts.CompilerOptions {
  const base = join(PACKAGE_DIR, '../../tsconfig.base.json');
  const { config } = ts.readConfigFile(base, (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, PACKAGE_DIR);
  return { ...options, noEmit: true, strict: true };
}

describe('README examples', () => {
  it('should only use fences the suite knows: ts (type-checked and run) and sh', async () => {
    const langs = (await readmeBlocks()).map((b) => b.lang);
    expect(langs.filter((lang) => lang !== 'ts' && lang !== 'sh')).toEqual([]);
    expect(langs.filter((lang) => lang === 'ts').length).toBeGreaterThanOrEqual(2);
  });

  it('should type-check every TypeScript block under strict, against the built package', async () => {
    const blocks = (await readmeBlocks()).filter((b) => b.lang === 'ts');
    // Inside the package, so that '@sanshare/switch' resolves to it (self-reference) and the file is ESM.
    const dir = await mkdtemp(join(PACKAGE_DIR, '.readme-check-'));
    try {
      const files = await Promise.all(
        blocks.map(async (block, i) => {
          const file = join(dir, `block-${i}.ts`);
          await writeFile(file, block.code);
          return file;
        }),
      );
      const program = ts.createProgram(files, strictOptions());
      const problems = ts.getPreEmitDiagnostics(program).map((d) => {
        const where = d.file === undefined || d.start === undefined ? '' : `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: `;
        return `${where}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
      expect(problems).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('should run every TypeScript block as written (ESM, against the built package) and print what it says', async () => {
    const blocks = (await readmeBlocks()).filter((b) => b.lang === 'ts');
    for (const block of blocks) {
      const expected = expectedOutput(block.code);
      expect(expected.length, block.code).toBeGreaterThan(0);
      const code = ts.transpileModule(block.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
      // Run from the package directory: '@sanshare/switch' resolves to this package (self-reference).
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: PACKAGE_DIR, timeout: 60_000, killSignal: 'SIGKILL' });
      expect(stdout.trim().split('\n')).toEqual(expected);
    }
  });
});
