/**
 * WSPCloseSocket, or WSPCleanup, while WSPConnect waits for the peer: the connection attempt ends
 * there (its kernel socket closed, the WSPConnect failing at once), instead of going on for the
 * kernel's SYN timeout (about two minutes) with a descriptor nobody can close, keeping the process
 * alive, and connecting a socket that is then dropped if the peer answers late.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket as NetSocket } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { expectCode, startAgent } from './helpers/agent-runner.js';
import { fdCount } from './helpers/temp-dir.js';
import { useRuntimeDir } from './helpers/runtime-dir-and-peer.js';
import { waitUntil } from './helpers/wait-until.js';

/**
 * A TCP listener that never accepts: a process that listens with a backlog of 1 and stops itself
 * (SIGSTOP). Linux queues backlog + 1 connections; two fillers take those places, so the kernel drops
 * every later SYN and a connect to it waits.
 */
async function unansweredListener(): Promise<{ port: number; child: ChildProcess; fillers: NetSocket[] }> {
  const code =
    "const s = require('node:net').createServer(() => {});" +
    "s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => process.stdout.write(s.address().port + '\\n', () => process.kill(process.pid, 'SIGSTOP')));";
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const [chunk] = (await once(child.stdout as NonNullable<ChildProcess['stdout']>, 'data')) as [Buffer];
  const port = Number(String(chunk).trim());
  const fillers: NetSocket[] = [];
  for (let i = 0; i < 2; i++) {
    const filler = connect(port, '127.0.0.1');
    fillers.push(filler);
    await once(filler, 'connect');
  }
  return { port, child, fillers };
}

const children = new Set<ChildProcess>();

describe('WSPConnect ended by WSPCloseSocket or WSPCleanup', () => {
  const fx = useRuntimeDir();
  const sockets: NetSocket[] = [];

  afterEach(() => {
    for (const child of children) child.kill('SIGKILL');
    children.clear();
    for (const socket of sockets.splice(0)) socket.destroy();
  });

  it('should fail a waiting WSPConnect with WSAENOTSOCK at WSPCloseSocket and close its kernel socket', async () => {
    const listener = await unansweredListener();
    sockets.push(...listener.fillers);
    const a = await startAgent({ runtimeDir: fx.dir });
    const fdsBefore = fdCount(a.pid);
    const s = await a.call<number>('socket');
    const connecting = expectCode(a.call('connectSocket', { s, address: '127.0.0.1', port: listener.port }), 'WSAENOTSOCK');
    // The connect is under way once its socket is open.
    await waitUntil(() => fdCount(a.pid) === fdsBefore + 1);
    expect(fdCount(a.pid)).toBe(fdsBefore + 1);
    await a.call('close', { s });
    expect((await connecting).message).toMatch(/closed while connecting/);
    await waitUntil(() => fdCount(a.pid) === fdsBefore);
    expect(fdCount(a.pid)).toBe(fdsBefore);
  });

  it('should fail a waiting WSPConnect with WSAENETDOWN at WSPCleanup and close its kernel socket', async () => {
    const listener = await unansweredListener();
    sockets.push(...listener.fillers);
    const a = await startAgent({ runtimeDir: fx.dir });
    const fdsBefore = fdCount(a.pid);
    const s = await a.call<number>('socket');
    const connecting = expectCode(a.call('connectSocket', { s, address: '127.0.0.1', port: listener.port }), 'WSAENETDOWN');
    await waitUntil(() => fdCount(a.pid) === fdsBefore + 1);
    expect(fdCount(a.pid)).toBe(fdsBefore + 1);
    await a.call('cleanup');
    await connecting;
    // The connecting socket and the endpoint are closed.
    await waitUntil(() => fdCount(a.pid) === fdsBefore - 1);
    expect(fdCount(a.pid)).toBe(fdsBefore - 1);
  });
});
