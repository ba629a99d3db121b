/**
 * WSPDuplicateSocketBatch and WSPReceiveDuplicates between two real processes (agents), with real
 * TCP connections to a loopback echo peer: every socket keeps its read-ahead byte for byte, gets its
 * own single-use protocol info and message, and keeps working in the target; bad items fail alone;
 * a target killed mid-batch gives every socket back to its source with nothing lost or leaked.
 */
import type { DuplicateDelivery, ProtocolInfo } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { startAgent, type Agent } from './helpers/agent-runner.js';
import { useRuntimeDirAndEchoPeer } from './helpers/runtime-dir-and-peer.js';
import { fdCount } from './helpers/temp-dir.js';
import { waitUntil } from './helpers/wait-until.js';

type BatchResult = { protocolInfo: ProtocolInfo; error?: undefined } | { protocolInfo?: undefined; error: { code: string; message: string } };

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => Buffer.from(b).toString();

/** What socket i sends to the echo peer: its own bytes, so a mix-up between sockets shows. */
const sent = (i: number): string => `sock-${i}|`;
/** The echo after the source read its first 2 bytes: what the source holds read ahead (or the kernel still has) when it hands the socket off. */
const rest = (i: number): string => sent(i).slice(2);

/**
 * `count` connections of `a` to the echo peer, each with bytes read ahead: it sends its own bytes,
 * and reads back only the first 2 of the echo (the rest was read with them, and stays in the stream).
 */
async function connectedWithReadAhead(a: Agent, port: number, count: number): Promise<number[]> {
  const ss = await a.call<number[]>('connectMany', { address: '127.0.0.1', port, count });
  await a.call('sendEach', { ss, prefix: 'sock-', suffix: '|' });
  const heads = await a.call<string[]>('recvEach', { ss, lengths: ss.map(() => 2) });
  expect(heads.every((head) => head === 'so')).toBe(true);
  return ss;
}

/** Deliveries in `b` until `count` arrived (each call returns whatever is there, at least one). */
async function receiveAll(b: Agent, count: number): Promise<DuplicateDelivery[]> {
  const all: DuplicateDelivery[] = [];
  while (all.length < count) all.push(...(await b.call<DuplicateDelivery[]>('receiveDuplicates', { max: 5000, timeoutMs: 30_000 })));
  return all;
}

describe('WSPDuplicateSocketBatch between processes', () => {
  const fx = useRuntimeDirAndEchoPeer();

  it.each([1, 253, 254, 2000])('should move a batch of %i sockets, each with its read-ahead, message and single-use protocol info', { timeout: 180_000 }, async (count) => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const ss = await connectedWithReadAhead(a, fx.peer.port, count);
    const results = await a.call<BatchResult[]>('duplicateBatch', { items: ss.map((s, i) => ({ s, message: text(`m${i}`) })), pid: b.pid });
    expect(results).toHaveLength(count);
    expect(results.filter((r) => r.error !== undefined)).toEqual([]);
    // One call hands out every delivery there (at least one), each with its own message.
    const deliveries = await receiveAll(b, count);
    expect(deliveries).toHaveLength(count);
    const indexOf = deliveries.map((d) => Number(str(d.message).slice(1)));
    expect([...indexOf].sort((x, y) => x - y)).toEqual(ss.map((_s, i) => i));
    expect(deliveries.every((d) => d.sourcePid === a.pid)).toBe(true);
    const imported = await b.call<Array<number | string>>('importMany', { infos: deliveries.map((d) => d.protocolInfo) });
    expect(imported.every((d) => typeof d === 'number')).toBe(true);
    const ds = imported as number[];
    // Byte for byte what the source had read ahead (or the kernel still held), in the right socket.
    expect(await b.call<string[]>('recvEach', { ss: ds, lengths: indexOf.map((i) => rest(i).length) })).toEqual(indexOf.map(rest));
    // Each protocol info is good for one import: the source's copies are used up now.
    const again = await b.call<Array<number | string>>('importMany', { infos: results.slice(0, 5).map((r) => r.protocolInfo) });
    expect(again).toEqual(again.map(() => 'WSAEINVAL'));
    // The connections work in the target, both ways.
    await b.call('sendEach', { ss: ds, prefix: 'moved-', suffix: ';' });
    expect(await b.call<string[]>('recvEach', { ss: ds, lengths: ds.map((_d, at) => `moved-${at};`.length) })).toEqual(ds.map((_d, at) => `moved-${at};`));
    // Every export was claimed, and the source heard of each.
    let settled: Array<{ outcome: string }> = [];
    for (let i = 0; i < 1000 && settled.length < count; i++) {
      settled = await a.call<Array<{ outcome: string }>>('settlements');
      if (settled.length < count) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(settled.map((s) => s.outcome)).toEqual(ss.map(() => 'claimed'));
    // The source closes its descriptors; the connections live on in the target (no FIN at the peer).
    await a.call('closeMany', { ss });
    await b.call('sendEach', { ss: ds.slice(0, 1), prefix: 'after-close-', suffix: '' });
    expect(await b.call<string[]>('recvEach', { ss: ds.slice(0, 1), lengths: ['after-close-0'.length] })).toEqual(['after-close-0']);
    expect(fx.peer.connections.filter((c) => c.gotFin)).toEqual([]);
  });

  it('should fail bad items alone, with the spec codes, and keep each failed socket working here', { timeout: 60_000 }, async () => {
    // A target that holds at most 2 unclaimed imports: the third good socket is refused (WSAENOBUFS).
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir, maxPendingExports: 2 })]);
    const [s1, s2, s3, s4] = await connectedWithReadAhead(a, fx.peer.port, 4);
    const fresh = await a.call<number>('socket');
    const items = [
      { s: s1 },
      { s: 424242 },
      null,
      { s: s1 },
      { s: fresh },
      { s: s2, message: new Uint8Array(64 * 1024 + 1) },
      { s: s3, message: text('hello') },
      { s: s4 },
    ];
    const results = await a.call<BatchResult[]>('duplicateBatch', { items, pid: b.pid });
    const codes = results.map((r) => (r.error === undefined ? 'ok' : r.error.code));
    expect(codes).toEqual(['ok', 'WSAENOTSOCK', 'WSAEFAULT', 'WSAEINVAL', 'WSAEINVAL', 'WSAEMSGSIZE', 'ok', 'WSAENOBUFS']);
    expect(results[3]?.error?.message).toMatch(/is item 0 of this batch already/);
    expect(results[7]?.error?.message).toMatch(/maximum of unclaimed imports/);
    // The good ones went, each its own socket with its own bytes.
    const imported = await b.call<number[]>('importMany', { infos: [results[0]?.protocolInfo, results[6]?.protocolInfo] });
    expect(await b.call<string[]>('recvEach', { ss: imported, lengths: [rest(0).length, rest(2).length] })).toEqual([rest(0), rest(2)]);
    // The failed ones are still the source's, reading again with their read-ahead first in line.
    expect(await a.call<string[]>('recvEach', { ss: [s2, s4], lengths: [rest(1).length, rest(3).length] })).toEqual([rest(1), rest(3)]);
    // The call itself rejects only for what makes every item impossible.
    await expect(a.call('duplicateBatch', { items: [{ s: s2 }], pid: 0 })).rejects.toMatchObject({ code: 'WSAEINVAL' });
    await expect(a.call('duplicateBatch', { items: [{ s: s2 }], pid: b.pid, preAborted: true })).rejects.toMatchObject({ code: 'AbortError' });
    expect(await a.call('duplicateBatch', { items: [], pid: b.pid })).toEqual([]);
  });

  // Killed once it holds `held` of the sockets. A source writes a third batch message only after the
  // first one's reply came (two in flight), so past 2 x 253 descriptors held at least 253 went.
  it.each([
    [100, 0],
    [800, 253],
  ])('should give every socket back, with its read-ahead, when the target is killed holding %i sockets mid-batch, and leak no descriptor', { timeout: 180_000 }, async (held, atLeast) => {
    const count = 2000;
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const ss = await connectedWithReadAhead(a, fx.peer.port, count);
    const aBefore = fdCount(a.pid);
    const bBefore = fdCount(b.pid);
    const batch = a.call<BatchResult[]>('duplicateBatch', { items: ss.map((s) => ({ s })), pid: b.pid });
    // Mid-batch: once the target holds some of the sockets (a state, looked at; no time measured).
    for (let i = 0; i < 100_000 && fdCount(b.pid) < bBefore + held; i++) await new Promise((resolve) => setImmediate(resolve));
    b.child.kill('SIGKILL');
    await b.exited;
    const results = await batch;
    const went = results.filter((r) => r.error === undefined).length;
    expect(went).toBeGreaterThanOrEqual(atLeast);
    for (const r of results) if (r.error !== undefined) expect(['WSAEINVAL', 'WSAEMFILE']).toContain(r.error.code);
    // Each socket that went lapsed with its target: the source hears of every one.
    let settled: Array<{ outcome: string }> = [];
    for (let i = 0; i < 3000 && settled.length < went; i++) {
      settled = await a.call<Array<{ outcome: string }>>('settlements');
      if (settled.length < went) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(settled.map((s) => s.outcome)).toEqual(settled.map(() => 'lapsed'));
    expect(settled).toHaveLength(went);
    // Every socket is the source's again, its read-ahead first, then the stream where it left off.
    expect(await a.call<string[]>('recvEach', { ss, lengths: ss.map((_s, i) => rest(i).length) })).toEqual(ss.map((_s, i) => rest(i)));
    await a.call('sendEach', { ss, prefix: 'back-', suffix: ';' });
    expect(await a.call<string[]>('recvEach', { ss, lengths: ss.map((_s, i) => `back-${i};`.length) })).toEqual(ss.map((_s, i) => `back-${i};`));
    // No descriptor leaked in the source (the channel to the dead target is closed), no FIN at the peer.
    await waitUntil(() => fdCount(a.pid) === aBefore);
    expect(fdCount(a.pid)).toBe(aBefore);
    expect(fx.peer.connections.filter((c) => c.gotFin)).toEqual([]);
    console.log(`target killed after ${went} of ${count} sockets went`);
  });

  it("should fail what a silent (stopped) target never answered, give each socket back, and never deliver it there once the target runs again", { timeout: 60_000 }, async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const ss = await connectedWithReadAhead(a, fx.peer.port, 300);
    // A channel first (a stopped target cannot accept one): a batch of one, imported.
    const [warm] = await a.call<BatchResult[]>('duplicateBatch', { items: [{ s: ss[0] }], pid: b.pid });
    await b.call('import', { info: warm?.protocolInfo });
    const bBefore = fdCount(b.pid);
    b.child.kill('SIGSTOP');
    let stopped = true;
    try {
      const back = ss.slice(1);
      const results = await a.call<BatchResult[]>('duplicateBatch', { items: back.map((s, at) => ({ s, message: text(`m${at}`) })), pid: b.pid, timeoutMs: 300 });
      expect(results.map((r) => r.error?.code)).toEqual(results.map(() => 'WSAEINVAL'));
      expect(results[0]?.error?.message).toMatch(/no reply within 300 ms of silence/);
      // Each socket is the source's again, its read-ahead first.
      expect(await a.call<string[]>('recvEach', { ss: back, lengths: back.map((_s, at) => rest(at + 1).length) })).toEqual(back.map((_s, at) => rest(at + 1)));
      // The target runs again and reads the batch the source gave up on: the source closed the
      // channel, so the target cannot answer, and closes every socket of it, delivering none.
      b.child.kill('SIGCONT');
      stopped = false;
      await expect(b.call('receiveDuplicates', { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'WSAETIMEDOUT' });
      // Its descriptors: as before the batch, less the channel the source closed.
      await waitUntil(() => fdCount(b.pid) === bBefore - 1);
      expect(fdCount(b.pid)).toBe(bBefore - 1);
    } finally {
      if (stopped) b.child.kill('SIGKILL');
    }
  });

  it('should fail every item with WSAEMFILE when the target is out of descriptors, over a cached channel and a fresh one, and keep the sockets', { timeout: 60_000 }, async () => {
    const [a, b, c] = await Promise.all([
      startAgent({ runtimeDir: fx.dir }),
      startAgent({ runtimeDir: fx.dir, exportCredits: 0 }, { nofile: 128 }),
      startAgent({ runtimeDir: fx.dir }),
    ]);
    const ss = await connectedWithReadAhead(a, fx.peer.port, 3);
    const us = await c.call<number[]>('connectMany', { address: '127.0.0.1', port: fx.peer.port, count: 3 });
    // A channel from A to B first.
    const [warm] = await a.call<BatchResult[]>('duplicateBatch', { items: [{ s: ss[0] }], pid: b.pid });
    await b.call('import', { info: warm?.protocolInfo });
    expect(await b.call<number>('fillFds')).toBeGreaterThan(0);
    // Over A's channel the kernel drops the descriptors at B (MSG_CTRUNC): every item is refused.
    const cached = await a.call<BatchResult[]>('duplicateBatch', { items: ss.slice(1).map((s) => ({ s })), pid: b.pid, timeoutMs: 2000 });
    expect(cached.map((r) => r.error?.code)).toEqual(['WSAEMFILE', 'WSAEMFILE']);
    // C has no channel, and B cannot accept one: B stays silent, and /proc says why.
    const fresh = await c.call<BatchResult[]>('duplicateBatch', { items: us.map((s) => ({ s })), pid: b.pid, timeoutMs: 300 });
    expect(fresh.map((r) => r.error?.code)).toEqual(['WSAEMFILE', 'WSAEMFILE', 'WSAEMFILE']);
    // The sockets are still the sources', bytes intact.
    const back = ss.slice(1);
    expect(await a.call<string[]>('recvEach', { ss: back, lengths: back.map((_s, at) => rest(at + 1).length) })).toEqual(back.map((_s, at) => rest(at + 1)));
  });
});

