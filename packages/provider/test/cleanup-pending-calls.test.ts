/**
 * WSPCleanup while calls wait: each of them ends with WSAENETDOWN (the provider is down), as a waiting
 * WSPReceiveDuplicate does and as every later call does, not with what cleaning up did to its socket
 * or channel on the way ("the descriptor was closed", "the target is not reachable"), which blames the
 * application or the target for the provider's own shutdown. Nothing is left open.
 */
import { describe, expect, it } from 'vitest';
import { expectCode, startAgent } from './helpers/agent-runner.js';
import { fdCount } from './helpers/temp-dir.js';
import { useRuntimeDirAndEchoPeer } from './helpers/runtime-dir-and-peer.js';
import { waitUntil } from './helpers/wait-until.js';

describe('WSPCleanup during waiting calls', () => {
  const fx = useRuntimeDirAndEchoPeer();

  it('should end a waiting WSPRecv and a waiting WSPAccept with WSAENETDOWN', async () => {
    const a = await startAgent({ runtimeDir: fx.dir });
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    const { s: listener } = await a.call<{ s: number }>('listen');
    const fdsBefore = fdCount(a.pid);
    // The echo peer sends nothing unasked and nobody connects to the listener: both calls wait.
    const recv = expectCode(a.call('recv', { s }), 'WSAENETDOWN');
    const accept = expectCode(a.call('accept', { s: listener }), 'WSAENETDOWN');
    // The agent runs commands in order: once `fdCount` answers, both calls are waiting inside the provider.
    await a.call('fdCount');
    await a.call('cleanup');
    const [recvError, acceptError] = await Promise.all([recv, accept]);
    expect(recvError.message).toMatch(/WSPCleanup/);
    expect(acceptError.message).toMatch(/WSPCleanup/);
    // The connected socket, the listener (its descriptor and its accepting one) and the endpoint are closed.
    await waitUntil(() => fdCount(a.pid) <= fdsBefore - 4);
    expect(fdCount(a.pid)).toBe(fdsBefore - 4);
  });

  it('should end a WSPDuplicateSocket waiting for its target with WSAENETDOWN, not blame the target', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    const fdsBefore = fdCount(a.pid);
    // A stopped target: the kernel accepts the channel on its endpoint, but it never answers.
    process.kill(b.pid, 'SIGSTOP');
    try {
      const duplicate = expectCode(a.call('duplicate', { s, pid: b.pid }), 'WSAENETDOWN');
      // The channel is open (one more descriptor): the export waits for the target's reply.
      await waitUntil(() => fdCount(a.pid) > fdsBefore);
      await a.call('cleanup');
      const error = await duplicate;
      expect(error.message).toMatch(/WSPCleanup/);
      expect(error.message).not.toMatch(/not reachable/);
      // The socket, the channel and the endpoint are closed.
      await waitUntil(() => fdCount(a.pid) <= fdsBefore - 2);
      expect(fdCount(a.pid)).toBe(fdsBefore - 2);
    } finally {
      process.kill(b.pid, 'SIGCONT');
    }
  });
});
