import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseListen } from '../src/supervisor.js';
import { LineClient } from './support/line-client.js';
import { isAlive, ServerProcess, tsxCommand, until, type FixtureEvent } from './support/server-process.js';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const ECHO = fileURLToPath(new URL('./fixtures/echo-server.ts', import.meta.url));

describe('sanshare-server supervise', () => {
  let dir: string;
  const servers: ServerProcess[] = [];
  const clients: LineClient[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-sup-'));
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) s.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const isReady = (generation: number) => (e: FixtureEvent) => e.ev === 'ready' && e['generation'] === generation;

  it('should restart generations on SIGHUP with the listener it holds, replace a generation that dies, and stop on SIGTERM', async () => {
    const run = join(dir, 'run');
    const supervisor = new ServerProcess([CLI, 'supervise', '--listen', 'echo=127.0.0.1:0', '--runtime-dir', run, '--', ...tsxCommand(ECHO)], { RUNTIME_DIR: run });
    servers.push(supervisor);
    const first = await supervisor.waitFor('generation 1 ready', isReady(1));
    const port = first['port'] as number;
    for (let i = 0; i < 12; i++) clients.push(new LineClient(port));
    await until('every client answered', () => clients.every((c) => c.answered >= 3));

    // SIGHUP: the supervisor starts generation 2, which takes the connections over from generation 1.
    const supervisorPid = supervisor.child.pid as number;
    process.kill(supervisorPid, 'SIGHUP');
    const second = await supervisor.waitFor('generation 2 ready', isReady(2));
    await supervisor.waitFor('generation 1 handed over and exited', (e) => e.ev === 'exited' && e.pid === first.pid);
    expect(second['port']).toBe(port);
    await until('every client answered by generation 2', () => clients.every((c) => c.tags.at(-1) === `${second.pid}/v1`));
    for (const c of clients) expect(c.errors).toEqual([]);

    // A generation that dies is replaced; the listener never closed, so new connects are served.
    process.kill(second.pid, 'SIGKILL');
    const third = await supervisor.waitFor('generation 3 ready', isReady(3));
    const fresh = new LineClient(port);
    clients.push(fresh);
    await until('a new client answered by generation 3', () => fresh.answered >= 2);
    expect(fresh.tags).toEqual([`${third.pid}/v1`]);

    // SIGTERM stops every generation, then the supervisor.
    const exit = new Promise<number | null>((resolve) => supervisor.child.once('exit', (code) => resolve(code)));
    process.kill(supervisorPid, 'SIGTERM');
    expect(await exit).toBe(0);
    await until('generation 3 exited', () => !isAlive(third.pid));
    expect(supervisor.stderr).toContain('generation 2 (pid');
  });
});

describe('parseListen', () => {
  it('should read name=port, name=host:port and name=[v6]:port', () => {
    expect(parseListen('http=8080')).toEqual({ name: 'http', port: 8080 });
    expect(parseListen('http=127.0.0.1:80')).toEqual({ name: 'http', host: '127.0.0.1', port: 80 });
    expect(parseListen('h.2=[::1]:0')).toEqual({ name: 'h.2', host: '::1', port: 0 });
  });

  it.each(['8080', 'http=', 'http=host', 'http=70000', 'bad name=80'])('should refuse %s with a first line that says the expected form', (text) => {
    expect(() => parseListen(text)).toThrow(/^(--listen .*: expected name=\[host:\]port|listener name)/);
  });
});
