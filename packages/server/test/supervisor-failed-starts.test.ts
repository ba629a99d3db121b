import { chmodSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { supervise, type Supervisor } from '../src/supervisor.js';
import { isAlive, until } from './support/server-process.js';

/**
 * Generations that never get to serve: one whose command cannot even be started (no 'exit' event
 * follows a failed spawn, only 'error'), and one that dies before it is ready. The supervisor must
 * neither wait for them forever nor give up on replacing the server.
 */
describe('supervise: generations that never became ready', () => {
  let dir: string;
  let script: string;
  let supervisor: Supervisor | undefined;
  const lines: string[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-supfail-'));
    script = join(dir, 'generation.sh');
    // Ready at once (READY=1 on descriptor 3) and then idle; exits with 3 before that while `<script>.crash` exists.
    writeFileSync(script, '#!/bin/sh\n[ -f "$0.crash" ] && exit 3\necho READY=1 >&3\nexec sleep 600\n');
    chmodSync(script, 0o755);
  });

  afterEach(async () => {
    // Not awaiting `stopped` here: a supervisor that lost track of a generation would never resolve it.
    supervisor?.stop('SIGKILL');
    supervisor = undefined;
    for (const line of lines) {
      const pid = Number(/^generation \d+ started \(pid (\d+)\)/.exec(line)?.[1]);
      if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    lines.length = 0;
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (): Promise<Supervisor> => {
    supervisor = await supervise({ command: script, args: [], runtimeDir: join(dir, 'run'), log: (line) => lines.push(line) });
    return supervisor;
  };
  const logged = (pattern: RegExp): boolean => lines.some((line) => pattern.test(line));
  const pidOf = (generation: number): number => {
    const line = lines.find((l) => l.startsWith(`generation ${generation} started (pid `));
    return Number(/\(pid (\d+)\)/.exec(line ?? '')?.[1]);
  };

  it('should take restarts again after a successor whose command could not be started, and stop', async () => {
    const sup = await start();
    await until('generation 1 ready', () => logged(/^generation 1 \(pid \d+\) is ready$/));
    // The command cannot be executed now (EACCES): the successor fails to spawn.
    chmodSync(script, 0o644);
    sup.restart();
    await until('generation 2 failed to start', () => logged(/^generation 2 could not start: .*EACCES/));
    chmodSync(script, 0o755);
    sup.restart();
    await until('generation 3 ready', () => logged(/^generation 3 \(pid \d+\) is ready$/));
    expect(lines.filter((l) => l.includes('SIGHUP ignored'))).toEqual([]);
    const pids = [pidOf(1), pidOf(3)];
    sup.stop('SIGTERM');
    supervisor = undefined;
    await sup.stopped;
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it('should keep replacing a server whose new generations die before they are ready, backing off, until one serves', async () => {
    const sup = await start();
    await until('generation 1 ready', () => logged(/^generation 1 \(pid \d+\) is ready$/));
    writeFileSync(`${script}.crash`, '');
    process.kill(pidOf(1), 'SIGKILL');
    // Generation 2 (after 100 ms) dies before it is ready; so does generation 3 (after 200 ms more).
    await until('generation 3 exited', () => logged(/^generation 3 \(pid \d+\) exited \(code 3\)$/));
    unlinkSync(`${script}.crash`);
    await until('a later generation ready', () => logged(/^generation (4|5|6) \(pid \d+\) is ready$/));
    expect(lines.filter((l) => l.startsWith('no generation serves: starting a new one in'))).toEqual(
      expect.arrayContaining(['no generation serves: starting a new one in 100 ms', 'no generation serves: starting a new one in 200 ms']),
    );
    sup.stop('SIGTERM');
    supervisor = undefined;
    await sup.stopped;
  });

  it('should replace a first generation whose command could not be started, once it can be', async () => {
    chmodSync(script, 0o644);
    const sup = await start();
    await until('generation 1 failed to start', () => logged(/^generation 1 could not start: .*EACCES/));
    chmodSync(script, 0o755);
    await until('a later generation ready', () => logged(/^generation \d+ \(pid \d+\) is ready$/));
    sup.stop('SIGTERM');
    supervisor = undefined;
    await sup.stopped;
  });
});
