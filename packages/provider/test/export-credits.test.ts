import type { ProtocolInfo } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { expectCode, startAgent, warmUp } from './helpers/agent-runner.js';
import { useRuntimeDirAndEchoPeer } from './helpers/runtime-dir-and-peer.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => Buffer.from(b).toString();

describe('export credits', () => {
  const fx = useRuntimeDirAndEchoPeer();

  it("should hand a socket to a target on a credit without waiting for the target's reply", async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir, handoffTimeoutMs: 2000 }), startAgent({ runtimeDir: fx.dir })]);
    await warmUp(a, b, fx.peer.port);
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    // A stopped target reads nothing and answers nothing: only a credit lets the hand-off complete.
    b.child.kill('SIGSTOP');
    let info: ProtocolInfo;
    try {
      info = await a.call<ProtocolInfo>('duplicate', { s, pid: b.pid });
    } finally {
      b.child.kill('SIGCONT');
    }
    const d = await b.call<number>('import', { info });
    await b.call('send', { s: d, data: text('via a credit') });
    expect(str(await b.call<Uint8Array>('recvExactly', { s: d, bytes: 12 }))).toBe('via a credit');
    await expectCode(b.call('import', { info }), 'WSAEINVAL');
  });

  it('should make every hand-off wait for the reply when the target grants no credits', async () => {
    const [a, b] = await Promise.all([
      startAgent({ runtimeDir: fx.dir, handoffTimeoutMs: 1500 }),
      startAgent({ runtimeDir: fx.dir, exportCredits: 0 }),
    ]);
    await warmUp(a, b, fx.peer.port);
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    b.child.kill('SIGSTOP');
    try {
      await expectCode(a.call('duplicate', { s, pid: b.pid }), 'WSAEINVAL');
    } finally {
      b.child.kill('SIGCONT');
    }
    await a.call('send', { s, data: text('kept') });
    expect(str(await a.call<Uint8Array>('recvExactly', { s, bytes: 4 }))).toBe('kept');
  });
});
