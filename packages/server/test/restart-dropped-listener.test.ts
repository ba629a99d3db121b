/**
 * A new version that no longer has one of the old version's listeners: the successor inherits it
 * (every listening descriptor is passed) and never listens on it. Once the old process is done, that
 * port must refuse connects, not take them into a backlog nobody accepts from (the inherited
 * descriptor kept the kernel socket listening): its clients would hang instead of failing at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LineClient } from './support/line-client.js';
import { ServerProcess, until } from './support/server-process.js';

const ECHO = fileURLToPath(new URL('./fixtures/echo-server.ts', import.meta.url));

/** How a connect to `port` on loopback ends: 'connected' (the kernel took it), or the error's code. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.destroy();
      resolve(error.code ?? 'error');
    });
  });
}

describe('a listener the successor does not listen on', () => {
  let dir: string;
  const servers: ServerProcess[] = [];
  const clients: LineClient[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-droplisten-'));
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) s.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should be closed once the successor has taken over, so that its port refuses connects, with a warning', async () => {
    const server = new ServerProcess(ECHO, { RUNTIME_DIR: join(dir, 'run'), READY_MS: '8000', DROP_EXTRA: '1' });
    servers.push(server);
    const ready = await server.waitFor('generation 1 ready', (e) => e.ev === 'ready' && e['generation'] === 1);
    const extraPort = ready['extraPort'] as number;
    expect(await tryConnect(extraPort)).toBe('connected');
    const client = new LineClient(ready['port'] as number);
    clients.push(client);
    await until('the client answered', () => client.answered >= 3);

    process.kill(ready.pid, 'SIGHUP');
    const taken = await server.waitFor('the successor has taken over', (e) => e.ev === 'taken-over' && e.pid !== ready.pid);
    // The old process closed its duplicate of the listener before it said it had exited.
    await server.waitFor('the old process exited', (e) => e.ev === 'exited' && e.pid === ready.pid);
    expect(await tryConnect(extraPort)).toBe('ECONNREFUSED');
    const warning = server.events.find((e) => e.ev === 'warning' && e.pid === taken.pid && e['code'] === 'ERR_LISTENER');
    expect(String(warning?.['message'])).toMatch(/^listener 'extra' was inherited and never listened on; closed/);
    // The listener it does have serves on.
    await until('the client answered by the successor', () => client.tags.at(-1) === `${taken.pid}/v1`);
  });
});
