/**
 * WSPSocketBatch between real processes (agents), with real TCP connections to a loopback echo
 * peer: a batch of protocol infos imports each socket as WSPSocket would (single use, its bytes, its
 * claim reaching the source), bad items fail alone with WSPSocket's own codes, and nothing leaks.
 */
import type { ProtocolInfo } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { startAgent, type Agent } from './helpers/agent-runner.js';
import { useRuntimeDirAndEchoPeer } from './helpers/runtime-dir-and-peer.js';
import { fdCount } from './helpers/temp-dir.js';
import { waitUntil } from './helpers/wait-until.js';

type BatchResult = { protocolInfo: ProtocolInfo; error?: undefined } | { protocolInfo?: undefined; error: { code: string; message: string } };

/** What socket i sends to the echo peer, and what is left of the echo once the source read 2 bytes. */
const sent = (i: number): string => `sock-${i}|`;
const rest = (i: number): string => sent(i).slice(2);

async function connectedWithReadAhead(a: Agent, port: number, count: number): Promise<number[]> {
  const ss = await a.call<number[]>('connectMany', { address: '127.0.0.1', port, count });
  await a.call('sendEach', { ss, prefix: 'sock-', suffix: '|' });
  await a.call<string[]>('recvEach', { ss, lengths: ss.map(() => 2) });
  return ss;
}

/** Protocol infos of `ss` duplicated for `pid` (one WSPDuplicateSocketBatch). */
async function duplicated(a: Agent, ss: readonly number[], pid: number): Promise<ProtocolInfo[]> {
  const results = await a.call<BatchResult[]>('duplicateBatch', { items: ss.map((s) => ({ s })), pid });
  expect(results.filter((r) => r.error !== undefined)).toEqual([]);
  return results.map((r) => r.protocolInfo as ProtocolInfo);
}

/** Waits until the source heard `count` settlements; returns their outcomes. */
async function settlementsOf(a: Agent, count: number): Promise<string[]> {
  let settled: Array<{ outcome: string }> = [];
  for (let i = 0; i < 3000; i++) {
    settled = await a.call<Array<{ outcome: string }>>('settlements');
    if (settled.length >= count) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return settled.map((s) => s.outcome);
}

describe('WSPSocketBatch between processes', () => {
  const fx = useRuntimeDirAndEchoPeer();

  it('should import 253 sockets in one call, each with its read-ahead, single use, claimed at its source', { timeout: 120_000 }, async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const ss = await connectedWithReadAhead(a, fx.peer.port, 253);
    const infos = await duplicated(a, ss, b.pid);
    const imported = await b.call<Array<number | string>>('importBatch', { infos });
    expect(imported.filter((d) => typeof d !== 'number')).toEqual([]);
    const ds = imported as number[];
    expect(new Set(ds).size).toBe(253);
    // Byte for byte what each source socket had read ahead, in the right socket.
    expect(await b.call<string[]>('recvEach', { ss: ds, lengths: ss.map((_s, i) => rest(i).length) })).toEqual(ss.map((_s, i) => rest(i)));
    // Single use: a second batch of the same infos, and a single import, are refused.
    expect(await b.call('importBatch', { infos: infos.slice(0, 3) })).toEqual(['WSAEINVAL', 'WSAEINVAL', 'WSAEINVAL']);
    await expect(b.call('import', { info: infos[0] })).rejects.toMatchObject({ code: 'WSAEINVAL' });
    // Every claim reached the source before the call returned (the source hears them all).
    expect(await settlementsOf(a, 253)).toEqual(ss.map(() => 'claimed'));
    // The connections work in the target, and live on when the source closes its descriptors.
    await a.call('closeMany', { ss });
    await b.call('sendEach', { ss: ds, prefix: 'moved-', suffix: ';' });
    expect(await b.call<string[]>('recvEach', { ss: ds, lengths: ds.map((_d, at) => `moved-${at};`.length) })).toEqual(ds.map((_d, at) => `moved-${at};`));
    expect(fx.peer.connections.filter((c) => c.gotFin)).toEqual([]);
  });

  it('should reject only what makes every item impossible: not an array, more than 253 items', { timeout: 30_000 }, async () => {
    const b = await startAgent({ runtimeDir: fx.dir });
    await expect(b.call('importBatch', { infos: 'not an array' })).rejects.toMatchObject({ code: 'WSAEINVAL' });
    await expect(b.call('importBatch', { infos: { length: 1 } })).rejects.toMatchObject({ code: 'WSAEINVAL' });
    await expect(b.call('importBatch', { infos: new Array(254).fill(null) })).rejects.toMatchObject({ code: 'WSAEINVAL' });
    expect(await b.call('importBatch', { infos: [] })).toEqual([]);
  });

  it('should fail each bad item alone with WSPSocket\'s code (repeated, forged, foreign, expired, not an info) and import the others, leaking nothing', { timeout: 60_000 }, async () => {
    // Imports in B expire after 4 s: long enough for a batch, short enough to wait one out.
    const [a, b, c] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir, importTimeoutMs: 4000 }), startAgent({ runtimeDir: fx.dir })]);
    const ss = await connectedWithReadAhead(a, fx.peer.port, 6);
    // A channel from A to B first, so that B's descriptor count below is its steady state.
    const [warm] = await duplicated(a, [ss[0] as number], b.pid);
    const warmS = await b.call<number>('import', { info: warm });
    // An import left to expire in B: its source hears that it lapsed.
    const [expired] = await duplicated(a, [ss[1] as number], b.pid);
    expect(await settlementsOf(a, 2)).toEqual(['claimed', 'lapsed']);
    const bBefore = fdCount(b.pid);
    const { s: listener } = await a.call<{ s: number; port: number }>('listen');
    const [good0, good1, good2] = await duplicated(a, ss.slice(2, 5), b.pid);
    const listenerInfo = await a.call<ProtocolInfo>('duplicate', { s: listener, pid: b.pid });
    // Duplicated for C: B is the wrong process for it.
    const [foreign] = await duplicated(a, [ss[5] as number], c.pid);
    const g1 = good1 as ProtocolInfo;
    const forged: ProtocolInfo = { ...g1, exportContext: { ...(g1.exportContext as NonNullable<ProtocolInfo['exportContext']>), nonce: new Uint8Array(16) } };
    // A catalog entry's info (no duplicate named): WSPSocket makes a fresh socket of it.
    const { exportContext: _context, ...withoutContext } = g1;
    const catalogInfo: ProtocolInfo = { ...withoutContext, dwProviderReserved: 0 };
    const infos = [good0, good0, forged, foreign, expired, null, listenerInfo, catalogInfo, good1, good2];
    const out = await b.call<Array<number | string>>('importBatch', { infos });
    const codes = out.map((r) => (typeof r === 'number' ? 'ok' : r));
    expect(codes).toEqual(['ok', 'WSAEINVAL', 'WSAEINVAL', 'WSAEINVAL', 'WSAEINVAL', 'WSAEAFNOSUPPORT', 'ok', 'ok', 'ok', 'ok']);
    // The forged copy did not use up the import it named (good1 came after it and went).
    const [d0, , , , , , dl, fresh, d1, d2] = out as number[];
    expect(await b.call<string[]>('recvEach', { ss: [d0, d1, d2], lengths: [rest(2).length, rest(3).length, rest(4).length] })).toEqual([rest(2), rest(3), rest(4)]);
    // The listener accepts in B.
    expect(typeof dl).toBe('number');
    // The foreign info is still good where it was meant to go.
    expect(typeof (await c.call<number>('import', { info: foreign }))).toBe('number');
    // Five claims more at A (good0..2, the listener, the foreign one at C).
    expect((await settlementsOf(a, 7)).slice(2).sort()).toEqual(['claimed', 'claimed', 'claimed', 'claimed', 'claimed']);
    // Nothing leaked in B: closing what the batch made brings it back to its count before.
    await b.call('closeMany', { ss: [d0, d1, d2, dl, fresh, warmS] });
    await waitUntil(() => fdCount(b.pid) === bBefore - 1);
    expect(fdCount(b.pid)).toBe(bBefore - 1);
    const { open } = await b.call<{ open: number[] }>('upcalls');
    expect(open).toEqual([]);
  });
});
