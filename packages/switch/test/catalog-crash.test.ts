import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCatalog } from '../src/index.js';
import { tsxNode } from './helpers/spawn-script.js';

describe('catalog file (crash)', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switch-crash-'));
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    child = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('should hold a whole committed catalog after its writer is killed mid-write', async () => {
    const file = join(dir, 'catalog.json');
    const states: string[] = [];
    const proc = spawn(...tsxNode(join(import.meta.dirname, 'fixtures/catalog-writer.ts'), [file]), { stdio: ['ignore', 'pipe', 'inherit'] });
    child = proc;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    let buffered = '';
    await new Promise<void>((resolve) => {
      proc.stdout?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        states.push(...lines);
        // Killed while it keeps writing: most likely between open and rename of a temporary file.
        if (states.length >= 40) resolve();
      });
    });
    proc.kill('SIGKILL');
    await exited;
    const reopened = await createCatalog({ file });
    const ids = JSON.stringify(reopened.list().map((e) => e.catalogEntryId));
    // The file holds the last state the writer reported, or the next one it was committing.
    expect(states.slice(-1)[0] === ids || !states.includes(ids)).toBe(true);
    expect(reopened.list().length).toBeGreaterThan(0);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
