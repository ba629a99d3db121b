/**
 * WSPDuplicateSocketWithMessage into a target that stays silent past the source's hand-off timeout:
 * the source gives up (WSAEINVAL), closes the channel and reads the socket again. When the target wakes
 * it still finds the export in the channel, but its reply cannot reach the source any more, so the
 * import must never be delivered (WSPReceiveDuplicate) to an application there: the socket would then
 * be read by both processes. Batches already work so (docs/provider.md, "The target"); this is the
 * single export.
 */
import { describe, expect, it } from 'vitest';
import { expectCode, startAgent } from './helpers/agent-runner.js';
import { useRuntimeDirAndEchoPeer } from './helpers/runtime-dir-and-peer.js';
import { fdCount } from './helpers/temp-dir.js';
import { waitUntil } from './helpers/wait-until.js';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('WSPDuplicateSocketWithMessage whose source gave up', () => {
  const fx = useRuntimeDirAndEchoPeer();

  it('should never deliver the export to the target, and leave the socket to the source alone', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir, handoffTimeoutMs: 300 }), startAgent({ runtimeDir: fx.dir })]);
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    const fdsBefore = fdCount(b.pid);
    process.kill(b.pid, 'SIGSTOP');
    try {
      // The export is written into B's endpoint (the kernel accepts the channel for it); B says nothing.
      await expectCode(a.call('duplicateWithMessage', { s, pid: b.pid, message: new TextEncoder().encode('take it') }), 'WSAEINVAL');
    } finally {
      process.kill(b.pid, 'SIGCONT');
    }
    // B reads the export and the channel's end. Nothing may be delivered: a receive waits in vain.
    await expectCode(b.call('receiveDuplicate', { timeoutMs: 3000 }), 'WSAETIMEDOUT');
    // The channel and the socket it brought are closed.
    await waitUntil(() => fdCount(b.pid) === fdsBefore);
    expect(fdCount(b.pid)).toBe(fdsBefore);
    // The socket is A's alone, reading on.
    await a.call('send', { s, data: new TextEncoder().encode('still here') });
    expect(text(await a.call<Uint8Array>('recvExactly', { s, bytes: 10 }))).toBe('still here');
  });
});
