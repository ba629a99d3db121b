import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LineClient } from './support/line-client.js';
import { ServerProcess, isAlive, tsxCommand, until } from './support/server-process.js';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const ECHO = fileURLToPath(new URL('./fixtures/echo-server.ts', import.meta.url));

describe('sanshare-server supervise -- a wrapper that stays the parent (npm start, sh -c)', () => {
  let dir: string;
  let supervisor: ServerProcess | undefined;
  let client: LineClient | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-supwrap-'));
  });

  afterEach(() => {
    client?.close();
    client = undefined;
    supervisor?.kill();
    supervisor = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it("should restart on a generation's upgrade(): the SIGHUP goes to the supervisor, not to the wrapper, and the successor joins the server process", async () => {
    const run = join(dir, 'run');
    // The shell stays between the supervisor and the server process (`; exit` keeps it from exec'ing), as npm does.
    const wrapped = ['sh', '-c', '"$@"; exit $?', 'sh', ...tsxCommand(ECHO)];
    const s = new ServerProcess([CLI, 'supervise', '--listen', 'echo=127.0.0.1:0', '--runtime-dir', run, '--', ...wrapped], { RUNTIME_DIR: run, READY_MS: '10000' });
    supervisor = s;
    const first = await s.waitFor('generation 1 ready', (e) => e.ev === 'ready' && e['generation'] === 1);
    const c = new LineClient(first['port'] as number);
    client = c;
    await until('the client answered', () => c.answered >= 3);
    // The application upgrades (its SIGHUP handler calls restarter.upgrade()).
    process.kill(first.pid, 'SIGHUP');
    const outcome = await s.waitFor('the upgrade settled', (e) => (e.ev === 'upgraded' || e.ev === 'upgrade-failed') && e.pid === first.pid, 30_000);
    expect(outcome.ev, `${JSON.stringify(outcome)}\n${s.stderr}`).toBe('upgraded');
    const second = await s.waitFor('generation 2 ready', (e) => e.ev === 'ready' && e['generation'] === 2);
    await until('the client answered by generation 2', () => c.tags.at(-1) === `${second.pid}/v1`);
    expect(c.errors).toEqual([]);
    await until('generation 1 exited', () => !isAlive(first.pid));
    expect(s.stderr).not.toMatch(/exited \(SIGHUP\)/);
  }, 60_000);
});
