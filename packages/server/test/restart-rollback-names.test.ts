/**
 * Who is named as the serving process after a failed restart: the service manager's MAINPID, and
 * the pid file. The old process names its successor `MAINPID` once the successor is ready (systemd then watches the successor as the service's main
 * process), and the successor writes the pid file at its `ready()`. The old process names its successor
 * `MAINPID` once the successor is ready (systemd then watches the successor as the service's main
 * process); when the successor dies after that and the old process serves on, it must name itself
 * `MAINPID` again: otherwise systemd takes the dead successor for the service's main process, and the
 * service for dead, and stops it, the old process with it. Likewise the pid file must name the old
 * process again: `kill -HUP $(cat pidfile)` would otherwise signal a dead pid, and `close()` would
 * leave the stale file behind (it removes only a file that names its own process).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEchoWithClients } from './support/echo-generation.js';
import { LineClient } from './support/line-client.js';
import type { ServerProcess } from './support/server-process.js';

const CLIENTS = 12;

describe('the serving process named again after a failed restart', () => {
  let dir: string;
  const servers: ServerProcess[] = [];
  const clients: LineClient[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-notify-'));
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) s.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should name the old process MAINPID again when a successor it named dies mid-move', async () => {
    writeFileSync(join(dir, 'kill'), 'received:6');
    const { server, pid } = await startEchoWithClients({ dir, env: { KILL_FILE: join(dir, 'kill'), NOTIFY_EVENTS: '1' }, count: CLIENTS, servers, clients });
    process.kill(pid, 'SIGHUP');
    const dying = await server.waitFor('the successor dies mid-move', (e) => e.ev === 'dying');
    await server.waitFor('the upgrade fails', (e) => e.ev === 'upgrade-failed' && e.pid === pid);
    const told = server.events.filter((e) => e.ev === 'notify' && e.pid === pid).map((e) => e['state'] as Record<string, unknown>);
    const mainPids = told.filter((state) => state['MAINPID'] !== undefined).map((state) => state['MAINPID']);
    // Ready (itself), the successor once it was ready, and itself again after the rollback.
    expect(mainPids).toEqual([pid, dying.pid, pid]);
  });

  it('should write its own pid to the pid file again when a successor that wrote it dies mid-move', async () => {
    writeFileSync(join(dir, 'kill'), 'received:6');
    const pidFile = join(dir, 'server.pid');
    const { server, pid } = await startEchoWithClients({ dir, env: { KILL_FILE: join(dir, 'kill'), PID_FILE: pidFile }, count: CLIENTS, servers, clients });
    expect(readFileSync(pidFile, 'utf8')).toBe(`${pid}\n`);
    process.kill(pid, 'SIGHUP');
    // The successor dies after its ready(), which wrote its pid there.
    await server.waitFor('the successor dies mid-move', (e) => e.ev === 'dying');
    await server.waitFor('the upgrade fails', (e) => e.ev === 'upgrade-failed' && e.pid === pid);
    expect(readFileSync(pidFile, 'utf8')).toBe(`${pid}\n`);
  });
});
