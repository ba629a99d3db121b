/**
 * src/gen/ is generated from proto/ by `pnpm generate` (protobufjs-cli) and committed, so that the
 * build needs no code generator. This test regenerates it into a temp dir with the exact command of
 * the `generate` script and fails if anything differs: an edited .proto without a regenerate, or a
 * hand edit of generated code.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const pbjs = createRequire(import.meta.url).resolve('protobufjs-cli/bin/pbjs');
const children = new Set<import('node:child_process').ChildProcess>();
let tempDir: string | undefined;

afterEach(async () => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
  tempDir = undefined;
});

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [pbjs, ...args], { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      children.delete(child);
      if (code === 0) resolve(stderr);
      else reject(new Error(`pbjs exited with ${code}: ${stderr}`));
    });
  });
}

describe('src/gen', () => {
  it('should be exactly what the generate script produces from the .proto', async () => {
    const manifest = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const args = (manifest.scripts['generate'] ?? '').split(' ').filter((a) => a !== '');
    expect(args[0]).toBe('pbjs');
    const out = args.indexOf('-o');
    expect(args[out + 1]).toBe('src/gen/protocol-info.js');
    tempDir = await mkdtemp(path.join(os.tmpdir(), 'protocol-info-gen-'));
    args[out + 1] = path.join(tempDir, 'protocol-info.js');
    await run(args.slice(1));
    for (const file of ['protocol-info.js', 'protocol-info.d.ts']) {
      const fresh = await readFile(path.join(tempDir, file), 'utf8');
      const committed = await readFile(path.join(packageDir, 'src/gen', file), 'utf8');
      expect(fresh, `src/gen/${file} differs from a fresh pnpm generate`).toBe(committed);
    }
  });
});
