import type { ProtocolInfo } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { startAgent, warmUp, type Agent } from './helpers/agent-runner.js';
import { useRuntimeDir } from './helpers/runtime-dir-and-peer.js';
import { fdCount } from './helpers/temp-dir.js';
import { waitUntil } from './helpers/wait-until.js';

interface PumpState {
  downNext: number;
  partial: Uint8Array;
  upNext: number;
}

/** A deterministic pseudo-random sequence, so a failure replays the same hand-off pattern. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 0x1_0000_0000;
  };
}

describe('hand-offs under continuous streaming', () => {
  const fx = useRuntimeDir();

  /**
   * 1,000 hand-offs between two agents while the peer streams counters down and the holder sends
   * counters up; `handOff` moves the socket from `holder` to `other` (round `i`) and returns the
   * descriptor in `other`.
   */
  async function streamAcrossHandOffs(handOff: (holder: Agent, other: Agent, s: number, i: number) => Promise<number>): Promise<void> {
    const peer = await fx.startPeer('sequence');
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    await warmUp(a, b, peer.port);
    const fdsBefore = [fdCount(a.pid), fdCount(b.pid)];
    const accepted = peer.nextConnection();
    let s = await a.call<number>('connect', { address: '127.0.0.1', port: peer.port });
    const conn = await accepted;
    const random = lcg(20261125);
    let state: PumpState = { downNext: 0, partial: new Uint8Array(0), upNext: 0 };
    let [holder, other] = [a, b];
    for (let i = 0; i < 1000; i++) {
      // Read a varying amount (the peer keeps streaming, so the stream buffer holds a varying
      // read-ahead at each hand-off), then send a varying number of counters upstream.
      state = await holder.call<PumpState>('pump', {
        s,
        state,
        minBytes: 1 + Math.floor(random() * 24_000),
        upCount: Math.floor(random() * 400),
      });
      s = await handOff(holder, other, s, i);
      [holder, other] = [other, holder];
    }
    state = await holder.call<PumpState>('pump', { s, state, minBytes: 100_000, upCount: 1 });
    // Wait (bounded) for the peer to read the last upstream bytes before closing: closing the last
    // descriptor while the peer's stream still arrives makes the kernel send RST, which discards them.
    await waitUntil(() => conn.upstreamCount >= state.upNext);
    await holder.call('close', { s });
    expect(conn.upstreamError).toBeUndefined();
    expect(conn.upstreamCount).toBe(state.upNext);
    expect(state.downNext).toBeGreaterThan(1000);
    expect([fdCount(a.pid), fdCount(b.pid)]).toEqual(fdsBefore);
  }

  it('should lose, duplicate or reorder no byte in either direction across 1,000 hand-offs', { timeout: 180_000 }, async () => {
    await streamAcrossHandOffs(async (holder, other, s) => {
      const info = await holder.call<ProtocolInfo>('duplicate', { s, pid: other.pid });
      await holder.call('close', { s });
      return other.call<number>('import', { info });
    });
  });

  it('should do the same when each socket travels with its protocol info and a message (WSPDuplicateSocketWithMessage)', { timeout: 180_000 }, async () => {
    await streamAcrossHandOffs(async (holder, other, s, i) => {
      const sent = await holder.call<ProtocolInfo>('duplicateWithMessage', { s, pid: other.pid, message: new TextEncoder().encode(`hand-off ${i}`) });
      await holder.call('close', { s });
      const delivery = await other.call<{ protocolInfo: ProtocolInfo; message: Uint8Array; sourcePid: number }>('receiveDuplicate', { timeoutMs: 10_000 });
      expect(new TextDecoder().decode(delivery.message)).toBe(`hand-off ${i}`);
      expect(delivery.sourcePid).toBe(holder.pid);
      expect(delivery.protocolInfo.exportContext?.exportId).toBe(sent.exportContext?.exportId);
      return other.call<number>('import', { info: delivery.protocolInfo });
    });
  });
});
