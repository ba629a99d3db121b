import type { ProtocolInfo } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { expectCode, startAgent, warmUp, type Agent } from './helpers/agent-runner.js';
import { useRuntimeDir } from './helpers/runtime-dir-and-peer.js';
import type { PeerConnection } from './helpers/sequence-peer.js';
import { fdCount } from './helpers/temp-dir.js';
import type { SettlementSeen } from './helpers/test-upcalls.js';
import { waitUntil } from './helpers/wait-until.js';

interface PumpState {
  downNext: number;
  partial: Uint8Array;
  upNext: number;
}

type Settled = SettlementSeen & { providerSocket: number };

const START: PumpState = { downNext: 0, partial: new Uint8Array(0), upNext: 0 };

/** Waits (bounded) until `agent` was told how the duplication `info` ended, and returns that settlement. */
async function settlementOf(agent: Agent, info: ProtocolInfo): Promise<Settled | undefined> {
  for (let i = 0; i < 500; i++) {
    const found = (await agent.call<Settled[]>('settlements')).find((x) => x.dwProviderReserved === info.dwProviderReserved);
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return undefined;
}

/** Waits (bounded) until `agent` was told of `count` settlements, and returns them. */
async function settlements(agent: Agent, count: number): Promise<Settled[]> {
  let seen: Settled[] = [];
  for (let i = 0; i < 500 && seen.length < count; i++) {
    seen = await agent.call<Settled[]>('settlements');
    if (seen.length < count) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return seen;
}

/**
 * After a lapse the source reads on, every record exactly once and in order (the agent's `pump`
 * fails on a gap or a repeat), the read-ahead the hand-off had taken first, and sends on (the peer
 * checks the upstream records the same way).
 */
async function readsOnWithNothingLost(a: Agent, s: number, state: PumpState, conn: PeerConnection): Promise<void> {
  const after = await a.call<PumpState>('pump', { s, state, minBytes: 200_000, upCount: 100 });
  expect(after.downNext).toBeGreaterThan(state.downNext + 40_000);
  await waitUntil(() => conn.upstreamCount >= after.upNext);
  expect(conn.upstreamError).toBeUndefined();
  expect(conn.upstreamCount).toBe(after.upNext);
}

describe('a duplication settles: claimed, or lapsed and given back', () => {
  const fx = useRuntimeDir();

  it('should report claimed once the target imports, and never lapsed when the target is killed after importing', async () => {
    const peer = await fx.startPeer('echo');
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: peer.port });
    const info = await a.call<ProtocolInfo>('duplicate', { s, pid: b.pid });
    await b.call<number>('import', { info });
    // The claim was written before B's WSPSocket returned: A is told without B doing anything more.
    const [claimed] = await settlements(a, 1);
    expect(claimed).toMatchObject({ outcome: 'claimed', dwProcessId: b.pid, dwProviderReserved: info.dwProviderReserved, providerSocket: s });
    expect(claimed?.reason).toContain(`process ${b.pid} imported it`);
    const fdsWithChannel = fdCount(a.pid);
    b.child.kill('SIGKILL');
    await b.exited;
    // A saw the channel end (and closed its end of it): still nothing but the claim.
    await waitUntil(() => fdCount(a.pid) < fdsWithChannel);
    expect(fdCount(a.pid)).toBeLessThan(fdsWithChannel);
    expect(await a.call<Settled[]>('settlements')).toHaveLength(1);
  });

  it('should give the socket back when the import expires unclaimed, read-ahead first, nothing lost or repeated', { timeout: 60_000 }, async () => {
    const peer = await fx.startPeer('sequence');
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir, importTimeoutMs: 1000 })]);
    const accepted = peer.nextConnection();
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: peer.port });
    const conn = await accepted;
    // Read part of the stream: the socket's buffer holds more (the read-ahead the hand-off carries).
    const state = await a.call<PumpState>('pump', { s, state: START, minBytes: 50_000, upCount: 300 });
    const info = await a.call<ProtocolInfo>('duplicate', { s, pid: b.pid });
    const [lapsed] = await settlements(a, 1);
    expect(lapsed).toMatchObject({ outcome: 'lapsed', dwProcessId: b.pid, dwProviderReserved: info.dwProviderReserved, providerSocket: s });
    expect(lapsed?.reason).toMatch(/expired/);
    await expectCode(b.call('import', { info }), 'WSAEINVAL');
    await readsOnWithNothingLost(a, s, state, conn);
  });

  it('should give the socket back when the target is SIGKILLed before importing, nothing lost or repeated', { timeout: 60_000 }, async () => {
    const peer = await fx.startPeer('sequence');
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const accepted = peer.nextConnection();
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: peer.port });
    const conn = await accepted;
    const state = await a.call<PumpState>('pump', { s, state: START, minBytes: 50_000, upCount: 300 });
    const info = await a.call<ProtocolInfo>('duplicate', { s, pid: b.pid });
    b.child.kill('SIGKILL');
    await b.exited;
    const [lapsed] = await settlements(a, 1);
    expect(lapsed).toMatchObject({ outcome: 'lapsed', dwProcessId: b.pid, dwProviderReserved: info.dwProviderReserved, providerSocket: s });
    expect(lapsed?.reason).toMatch(/closed its end of the channel/);
    await readsOnWithNothingLost(a, s, state, conn);
  });

  it('should give the socket back when the target is out of descriptors after granting a credit, nothing lost', { timeout: 60_000 }, async () => {
    // The peer streams only once told: nothing is read ahead when A duplicates, so the export goes on a credit.
    const peer = await fx.startPeer('sequence', '127.0.0.1', { autoStart: false });
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir }, { nofile: 128 })]);
    await warmUp(a, b, peer.port);
    const accepted = peer.nextConnection();
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: peer.port });
    const conn = await accepted;
    await b.call<number>('fillFds');
    const info = await a.call<ProtocolInfo>('duplicate', { s, pid: b.pid });
    // Records reach the socket while nobody reads it: they wait in the kernel for whoever has it next.
    conn.startStreaming();
    const lapsed = await settlementOf(a, info);
    expect(lapsed).toMatchObject({ outcome: 'lapsed', dwProcessId: b.pid, dwProviderReserved: info.dwProviderReserved, providerSocket: s });
    expect(lapsed?.reason).toMatch(/refused it: .*out of file descriptors/);
    await b.call('releaseFds');
    await expectCode(b.call('import', { info }), 'WSAEINVAL');
    await readsOnWithNothingLost(a, s, START, conn);
  });

  it('should tell nothing about a descriptor closed before its duplication settled, and keep nothing for it', async () => {
    const peer = await fx.startPeer('echo');
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir, importTimeoutMs: 500 })]);
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: peer.port });
    const t = await a.call<number>('connect', { address: '127.0.0.1', port: peer.port });
    await a.call('duplicate', { s, pid: b.pid });
    await a.call('close', { s });
    // A second duplication whose lapse is reported shows the first one's had time to be.
    await a.call('duplicate', { s: t, pid: b.pid });
    const seen = await settlements(a, 1);
    expect(seen.map((x) => [x.outcome, x.providerSocket])).toEqual([['lapsed', t]]);
  });
});
