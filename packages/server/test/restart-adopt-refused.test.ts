/**
 * A successor whose attached server cannot adopt a connection it receives (its adapter throws, as
 * `ConnectionAdapter.adopt` may: a state of another kind, a malformed one, an application's
 * `restoreState` that throws): that connection is ended and told as a warning; the successor itself
 * serves on, takes over, and the restart completes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEchoWithClients } from './support/echo-generation.js';
import { LineClient } from './support/line-client.js';
import { isAlive, ServerProcess, until } from './support/server-process.js';

const CLIENTS = 6;

describe('a successor that cannot adopt the connections it receives', () => {
  let dir: string;
  const servers: ServerProcess[] = [];
  const clients: LineClient[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-adopt-'));
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) s.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should end those connections with an ERR_BAD_STATE warning, and take over and serve on', async () => {
    writeFileSync(join(dir, 'wrong'), '');
    const { server, pid, port } = await startEchoWithClients({ dir, env: { WRONG_ADAPTER_FILE: join(dir, 'wrong') }, count: CLIENTS, servers, clients });

    process.kill(pid, 'SIGHUP');
    const successorReady = await server.waitFor('generation 2 ready', (e) => e.ev === 'ready' && e['generation'] === 2);
    const successor = successorReady.pid;
    const takenOver = await server.waitFor('the successor has taken over', (e) => e.ev === 'taken-over' && e.pid === successor, 20_000);
    expect(takenOver['report']).toMatchObject({ predecessorPid: pid, received: 0, predecessorDied: false });
    const warnings = server.events.filter((e) => e.ev === 'warning' && e.pid === successor);
    expect(warnings).toHaveLength(CLIENTS);
    for (const w of warnings) {
      expect(w['code']).toBe('ERR_BAD_STATE');
      expect(String(w['message'])).toMatch(/^a connection moved in for 'echo' could not be adopted, and was ended: /);
    }
    await server.waitFor('the old process handed over', (e) => e.ev === 'upgraded' && e.pid === pid);
    // Ended, not left hanging: each client sees its connection close.
    await until('every client connection ended', () => clients.every((c) => c.closed));
    expect(isAlive(successor)).toBe(true);
    // The successor serves the listener.
    const fresh = new LineClient(port);
    clients.push(fresh);
    await until('a new client answered by generation 2', () => fresh.answered >= 2);
    expect(fresh.tags).toEqual([`${successor}/v1`]);
  });
});
