/**
 * Restarts where the successor is NOT started by the old process, so it inherits nothing: the
 * supervisor starts every generation, and the application opens its listener itself (no
 * `--listen`), so the listener moves through the switch (listener-transfer.ts). A client connecting
 * in a tight loop during the restart gets every connect answered by a server process: none
 * refused, none left unanswered. A successor killed before or after it took the listener: the old
 * process listens again on the duplicate it kept, every connect still gets an answer, nothing leaks.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tightConnectLoop } from '@sanshare/internal/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LineClient } from './support/line-client.js';
import { isAlive, openDescriptors, ServerProcess, tsxCommand, until, type FixtureEvent } from './support/server-process.js';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const ECHO = fileURLToPath(new URL('./fixtures/echo-server.ts', import.meta.url));

/** One connection, one line: the tag (pid/version) that answered it, or the error it ended with. */
function connectOnce(port: number): Promise<{ tag: string } | { error: string }> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let text = '';
    socket.setEncoding('latin1');
    socket.on('connect', () => socket.write('0\n'));
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.endsWith('\n')) {
        socket.destroy();
        const line = text.trim();
        resolve(line.endsWith(':0') ? { tag: line.slice(0, -2) } : { error: `bad reply ${JSON.stringify(line)}` });
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    socket.on('close', () => resolve({ error: `closed after ${JSON.stringify(text)}` }));
  });
}

describe('a restart whose successor the old process did not start (the listener moves through the switch)', () => {
  let dir: string;
  const servers: ServerProcess[] = [];
  const clients: LineClient[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-listener-'));
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) s.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const isReady = (generation: number) => (e: FixtureEvent) => e.ev === 'ready' && e['generation'] === generation;

  function supervise(env: NodeJS.ProcessEnv = {}): ServerProcess {
    const run = join(dir, 'run');
    // No --listen: the application listens itself, so no generation inherits its listener.
    const supervisor = new ServerProcess([CLI, 'supervise', '--runtime-dir', run, '--', ...tsxCommand(ECHO)], { RUNTIME_DIR: run, ...env });
    servers.push(supervisor);
    return supervisor;
  }

  it('should move the listener and every connection, answering every connect of a tight loop', { timeout: 90_000 }, async () => {
    const supervisor = supervise();
    const first = await supervisor.waitFor('generation 1 ready', isReady(1));
    const port = first['port'] as number;
    for (let i = 0; i < 8; i++) clients.push(new LineClient(port));
    await until('every client answered', () => clients.every((c) => c.answered >= 3));
    const load = tightConnectLoop(() => connectOnce(port), 4);
    await until('the loop is answered by generation 1', () => load.outcomes.length >= 20);

    process.kill(supervisor.child.pid as number, 'SIGHUP');
    const second = await supervisor.waitFor('generation 2 ready', isReady(2));
    await supervisor.waitFor('generation 1 handed over and exited', (e) => e.ev === 'exited' && e.pid === first.pid);
    expect(second['port']).toBe(port);
    const tag2 = `${second.pid}/v1`;
    await until('every client answered by generation 2', () => clients.every((c) => c.tags.at(-1) === tag2));
    const after = load.outcomes.length;
    await until('the loop is answered by generation 2', () => load.outcomes.slice(after).filter((o) => 'tag' in o && o.tag === tag2).length >= 20);
    await load.stop();

    expect(load.outcomes.filter((o) => 'error' in o)).toEqual([]);
    const tags = new Set(load.outcomes.map((o) => ('tag' in o ? o.tag : '')));
    expect([...tags].sort()).toEqual([`${first.pid}/v1`, tag2].sort());
    for (const c of clients) expect(c.errors).toEqual([]);
    // The move went through the switch: generation 2 reported nothing unserved.
    const takenOver = await supervisor.waitFor('generation 2 took over', (e) => e.ev === 'taken-over' && e.pid === second.pid);
    expect(takenOver['report']).toMatchObject({ predecessorPid: first.pid, predecessorDied: false, unrouted: 0 });
  });

  // joined: killed before it took the listener (it never imports it); listening: killed once it listens on it.
  it.each(['joined', 'listening'])('should listen again in the old process when the successor is killed at %s', { timeout: 90_000 }, async (point) => {
    writeFileSync(join(dir, 'kill'), point);
    const supervisor = supervise({ KILL_FILE: join(dir, 'kill') });
    const first = await supervisor.waitFor('generation 1 ready', isReady(1));
    const port = first['port'] as number;
    const tag1 = `${first.pid}/v1`;
    for (let i = 0; i < 4; i++) clients.push(new LineClient(port));
    await until('every client answered', () => clients.every((c) => c.answered >= 3));
    const descriptorsBefore = openDescriptors(first.pid);
    const load = tightConnectLoop(() => connectOnce(port), 2);

    process.kill(supervisor.child.pid as number, 'SIGHUP');
    const dying = await supervisor.waitFor(`the successor dies at ${point}`, (e) => e.ev === 'dying' && e['at'] === point);
    await supervisor.waitFor('generation 1 reports the failed restart', (e) => e.ev === 'progress' && e.pid === first.pid && (e['progress'] as { phase: string }).phase === 'failed');
    await until('the successor is gone', () => !isAlive(dying.pid));
    const after = load.outcomes.length;
    await until('the loop is answered by generation 1 again', () => load.outcomes.slice(after).filter((o) => 'tag' in o && o.tag === tag1).length >= 20);
    await load.stop();

    // Every connect was answered, by generation 1 (the successor died before accepting any).
    expect(load.outcomes.filter((o) => 'error' in o)).toEqual([]);
    expect(new Set(load.outcomes.map((o) => ('tag' in o ? o.tag : '')))).toEqual(new Set([tag1]));
    for (const c of clients) expect(c.errors).toEqual([]);
    expect(clients.every((c) => c.tags.at(-1) === tag1)).toBe(true);
    // Nothing leaks in the old process: its listener (on the duplicate it kept), its clients, and nothing more.
    await until('the old process holds no stray descriptor', () => openDescriptors(first.pid) === descriptorsBefore);
  });
});
