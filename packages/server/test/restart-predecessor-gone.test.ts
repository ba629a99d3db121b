/**
 * A successor whose predecessor dies after welcoming it and before sending it a listener (the
 * predecessor did not start it, so nothing was inherited): the listening socket died with the
 * predecessor, so the successor listens anew on the options it was given, says why, and serves. This
 * test process plays the predecessor through the real control channel: Welcome names a listener,
 * then the channel closes, as a killed process's does.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONTROL_PROTOCOL_VERSION, ENV } from '../src/constants.js';
import { listenControl, type ControlListener } from '../src/control-channel.js';
import { LineClient } from './support/line-client.js';
import { ServerProcess, until } from './support/server-process.js';

const ECHO = fileURLToPath(new URL('./fixtures/echo-server.ts', import.meta.url));

describe('a successor whose predecessor died before sending its listener', () => {
  let dir: string;
  let control: ControlListener | undefined;
  const servers: ServerProcess[] = [];
  const clients: LineClient[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-gone-'));
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) s.kill();
    await control?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should listen anew on its options, warn why, and serve', async () => {
    const run = join(dir, 'run');
    mkdirSync(run, { mode: 0o700 });
    control = await listenControl(run);
    const successor = new ServerProcess(ECHO, {
      RUNTIME_DIR: run,
      [ENV.role]: 'successor',
      [ENV.control]: control.path,
      [ENV.controlPid]: String(process.pid),
      [ENV.generation]: '2',
    });
    servers.push(successor);

    const channel = await control.accept({ timeoutMs: 30_000 });
    const hello = await channel.receive({ timeoutMs: 30_000 });
    expect(hello).toMatchObject({ kind: 'hello', role: 'successor', listenersHeld: [] });
    await channel.send({ kind: 'welcome', version: CONTROL_PROTOCOL_VERSION, pid: process.pid, generation: 1, listeners: ['echo'] });
    // Gone without sending the listener.
    await channel.close();

    const warning = await successor.waitFor('the successor warns about the listener', (e) => e.ev === 'warning' && e['code'] === 'ERR_LISTENER');
    expect(String(warning['message'])).toMatch(/listener 'echo' did not arrive from the previous generation: pid \d+ died before sending it; listening anew/);
    const ready = await successor.waitFor('the successor is ready', (e) => e.ev === 'ready');
    expect(ready['generation']).toBe(2);
    const client = new LineClient(ready['port'] as number);
    clients.push(client);
    await until('a client answered by the successor', () => client.answered >= 2);
    expect(client.tags).toEqual([`${ready.pid}/v1`]);
    expect(client.errors).toEqual([]);
  });
});
