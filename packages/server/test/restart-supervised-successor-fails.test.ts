/**
 * Under a supervisor, the successor is started by the supervisor, not by the old process (no child
 * to kill). When it is not ready within readyTimeoutMs, docs/server.md says the old process serves
 * on and the successor is SIGKILLed: left alive, it would go on to listen on the same listeners and
 * say READY=1, and two generations would serve side by side, the old one for good.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LineClient } from './support/line-client.js';
import { isAlive, ServerProcess, tsxCommand, until, type FixtureEvent } from './support/server-process.js';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const ECHO = fileURLToPath(new URL('./fixtures/echo-server.ts', import.meta.url));

describe('supervise: a successor that is not ready in time', () => {
  let dir: string;
  const servers: ServerProcess[] = [];
  const clients: LineClient[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-supslow-'));
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) s.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const isReady = (generation: number) => (e: FixtureEvent) => e.ev === 'ready' && e['generation'] === generation;

  it('should be killed, and the old generation serve on alone', async () => {
    const run = join(dir, 'run');
    // Generation 2 waits 60 s before ready(); the old generation gives it 4 s.
    writeFileSync(join(dir, 'slow'), '60000');
    const supervisor = new ServerProcess([CLI, 'supervise', '--listen', 'echo=127.0.0.1:0', '--runtime-dir', run, '--', ...tsxCommand(ECHO)], {
      RUNTIME_DIR: run,
      READY_MS: '4000',
      SLOW_READY_FILE: join(dir, 'slow'),
    });
    servers.push(supervisor);
    const first = await supervisor.waitFor('generation 1 ready', isReady(1));
    const port = first['port'] as number;
    for (let i = 0; i < 4; i++) clients.push(new LineClient(port));
    await until('every client answered', () => clients.every((c) => c.answered >= 3));

    process.kill(supervisor.child.pid as number, 'SIGHUP');
    const slow = await supervisor.waitFor('generation 2 waits before ready()', (e) => e.ev === 'slow-ready');
    const failed = await supervisor.waitFor(
      'the handover fails',
      (e) => e.pid === first.pid && e.ev === 'progress' && (e['progress'] as { phase: string }).phase === 'failed',
    );
    expect((failed['progress'] as { reason: string }).reason).toContain('did not get there in time (readyTimeoutMs)');
    await until('the successor was killed', () => !isAlive(slow.pid));
    await until('the supervisor saw it exit', () => supervisor.stderr.includes(`generation 2 (pid ${slow.pid}) exited (SIGKILL)`));
    const marks = clients.map((c) => c.answered);
    await until('the clients answered by generation 1 again', () => clients.every((c, i) => c.answered >= (marks[i] as number) + 3));
    for (const c of clients) {
      expect(c.errors).toEqual([]);
      expect(c.tags).toEqual([`${first.pid}/v1`]);
    }
  });
});
