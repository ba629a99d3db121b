/**
 * `restarter.close()` in the old process while a restart is moving its connections (the application
 * shuts down on SIGTERM, say): the successor is ready, holds the listener and every connection that
 * moved already. It must be left to serve them, not killed with them, and the closed old process
 * must not listen again.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEchoWithClients } from './support/echo-generation.js';
import { LineClient } from './support/line-client.js';
import { serverReadEverything } from './support/tcp-queues.js';
import { isAlive, ServerProcess, until } from './support/server-process.js';

const CLIENTS = 8;

describe('restarter.close() during a restart', () => {
  let dir: string;
  const servers: ServerProcess[] = [];
  const clients: LineClient[] = [];
  const raw: Socket[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-closeup-'));
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    for (const s of raw.splice(0)) s.destroy();
    for (const s of servers.splice(0)) s.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should leave a ready successor serving the listener and the connections it took, when the old process closes mid-move', async () => {
    // The drain deadline is far: a connection that cannot reach its safe point holds the move open.
    const { server, pid, port } = await startEchoWithClients({ dir, env: { DRAIN_MS: '60000', CLOSE_STAYS: '1' }, count: CLIENTS, servers, clients });
    // A client that sends and never reads: its answers pile up unsent, so it never reaches a safe point.
    const slow = connect({ port, host: '127.0.0.1' });
    raw.push(slow);
    slow.on('error', () => {});
    slow.pause();
    slow.write('0\n'.repeat(1024 * 1024));
    // Every line read by the server (not just with the kernel): its answers wait, unsent, in the process.
    await until('the server read every line of the slow client', () => slow.writableLength === 0 && serverReadEverything(port, slow.localPort as number), 30_000);

    process.kill(pid, 'SIGHUP');
    const successorPid = (await server.waitFor('generation 2 ready', (e) => e.ev === 'ready' && e['generation'] === 2)).pid;
    await server.waitFor('every other connection arrived in the successor', (e) => e.ev === 'progress' && e.pid === successorPid && (e['progress'] as { moved: number }).moved === CLIENTS);
    // The application shuts the old process down: restarter.close(), and it goes on closing its own things.
    process.kill(pid, 'SIGTERM');
    await server.waitFor('the old restarter closed', (e) => e.ev === 'closed' && e.pid === pid);
    const failed = await server.waitFor('the old upgrade() ends', (e) => e.ev === 'upgrade-failed' && e.pid === pid);
    expect(failed['code']).toBe('ERR_CLOSED');

    await server.waitFor('the successor has taken over', (e) => e.ev === 'taken-over' && e.pid === successorPid, 20_000);
    expect(isAlive(successorPid)).toBe(true);
    const marks = clients.map((c) => c.answered);
    await until('the moved clients answered by the successor again', () => clients.every((c, i) => c.answered >= (marks[i] as number) + 3));
    for (const c of clients) {
      expect(c.errors).toEqual([]);
      expect(c.tags.at(-1)).toBe(`${successorPid}/v1`);
    }
    // Only the successor accepts: the closed old process did not listen again.
    const fresh = Array.from({ length: 6 }, () => new LineClient(port));
    clients.push(...fresh);
    await until('the new clients answered', () => fresh.every((c) => c.answered >= 2));
    for (const c of fresh) expect(c.tags).toEqual([`${successorPid}/v1`]);
    expect(isAlive(successorPid)).toBe(true);
  });

  it('should stop a successor that is not ready yet, and say ERR_CLOSED, when the old process closes', async () => {
    writeFileSync(join(dir, 'slow'), '60000');
    const { server, pid } = await startEchoWithClients({ dir, env: { READY_MS: '30000', CLOSE_STAYS: '1', SLOW_READY_FILE: join(dir, 'slow') }, count: CLIENTS, servers, clients });
    process.kill(pid, 'SIGHUP');
    const slowReady = await server.waitFor('the successor waits before ready()', (e) => e.ev === 'slow-ready');
    process.kill(pid, 'SIGTERM');
    const failed = await server.waitFor('the old upgrade() ends', (e) => e.ev === 'upgrade-failed' && e.pid === pid);
    expect(failed['code']).toBe('ERR_CLOSED');
    expect(String(failed['message'])).toMatch(new RegExp(`^the restarter was closed during the restart: the successor \\(pid ${slowReady.pid}\\), not ready yet, was stopped;`));
    await until('the successor was stopped', () => !isAlive(slowReady.pid));
    const marks = clients.map((c) => c.answered);
    await until('the clients answered by the old process again', () => clients.every((c, i) => c.answered >= (marks[i] as number) + 3));
    for (const c of clients) {
      expect(c.errors).toEqual([]);
      expect(c.tags).toEqual([`${pid}/v1`]);
    }
  });
});
