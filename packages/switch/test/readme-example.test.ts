import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('README example', () => {
  it('should run as written (ESM, against the built package) and print what it says', async () => {
    const readme = await readFile(join(import.meta.dirname, '../README.md'), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toContain("from '@sanshare/switch'");
    const code = ts.transpileModule(block ?? '', { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    // Run from the package directory: '@sanshare/switch' resolves to this package (self-reference).
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: join(import.meta.dirname, '..'), timeout: 60_000, killSignal: 'SIGKILL' });
    expect(stdout.trim()).toBe('WSAEACCES hello');
  });
});
