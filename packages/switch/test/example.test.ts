import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

describe('examples/handoff.mjs (the README example, against the built package)', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  it('should hand the connection to a second process and back', async () => {
    const proc = spawn(process.execPath, [join(import.meta.dirname, '../examples/handoff.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    child = proc;
    let out = '';
    proc.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const [code] = (await once(proc, 'exit')) as [number | null];
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines.map((l) => l.replace(/pid \d+/, 'pid N'))).toEqual([
      'peer got: hello from the source, pid N',
      'peer got: hello from the destination, pid N',
      'peer got: hello again from the source, pid N',
      'source got: bye',
    ]);
    // The destination's pid differs from the source's: two processes served one connection.
    const pids = new Set(lines.slice(0, 3).map((l) => /pid (\d+)/.exec(l)?.[1]));
    expect(pids.size).toBe(2);
  });
});
