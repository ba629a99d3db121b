import type { ProtocolInfo } from '@sanshare/protocol-info';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PendingImports, type PendingImport } from './pending-imports.js';

const PID = 4242;

function entry(exportId: number, overrides: Partial<PendingImport> = {}): PendingImport {
  return {
    exportId,
    fd: 100 + exportId,
    nonce: new Uint8Array(16).fill(exportId),
    socketCookie: 77n,
    sourcePid: 1111,
    expiresAtMs: Date.now() + 1000,
    socket: { addressFamily: 2, socketType: 1, protocol: 6, catalogEntryId: 1 },
    options: { rcvtimeoMs: 0, sndtimeoMs: 0 },
    readAhead: new Uint8Array(0),
    appMessage: undefined,
    ...overrides,
  };
}

function info(e: PendingImport, context: Partial<NonNullable<ProtocolInfo['exportContext']>> | null = {}): ProtocolInfo {
  const base = {
    dwServiceFlags1: 0, dwServiceFlags2: 0, dwServiceFlags3: 0, dwServiceFlags4: 0, dwProviderFlags: 0,
    ProviderId: '00000000-0000-0000-0000-000000000000', dwCatalogEntryId: 1, ProtocolChain: { chainLen: 1, chainEntries: [1] },
    iVersion: 2, iAddressFamily: 2, iMaxSockAddr: 16, iMinSockAddr: 16, iSocketType: 1, iProtocol: 6,
    iProtocolMaxOffset: 0, iNetworkByteOrder: 0, iSecurityScheme: 0, dwMessageSize: 0, dwProviderReserved: e.exportId, szProtocol: 't',
  };
  if (context === null) return base;
  return {
    ...base,
    exportContext: {
      exportId: e.exportId, sourcePid: e.sourcePid, targetPid: PID, socketCookie: e.socketCookie.toString(),
      nonce: e.nonce, expiresAtMs: e.expiresAtMs, ...context,
    },
  };
}

describe('PendingImports', () => {
  afterEach(() => vi.useRealTimers());

  it('should find a matching import, with or without the protobuf context', () => {
    const pending = new PendingImports({ maxPending: 4, importTimeoutMs: 1000, closeFd: () => {}, pid: PID });
    const e = entry(5);
    pending.add(e);
    expect(pending.find(info(e))).toBe(e);
    expect(pending.find(info(e, null))).toBe(e);
  });

  it('should be single use: after take, find throws WSAEINVAL', () => {
    const closed: number[] = [];
    const pending = new PendingImports({ maxPending: 4, importTimeoutMs: 1000, closeFd: (fd) => closed.push(fd), pid: PID });
    const e = entry(5);
    pending.add(e);
    pending.find(info(e));
    pending.take(5);
    expect(() => pending.find(info(e))).toThrow(expect.objectContaining({ code: 'WSAEINVAL' }));
    expect(closed).toEqual([]);
  });

  it('should reject another pid, a wrong nonce, cookie or source, and a forged id with WSAEINVAL', () => {
    const pending = new PendingImports({ maxPending: 4, importTimeoutMs: 1000, closeFd: () => {}, pid: PID });
    const e = entry(5);
    pending.add(e);
    const bad: ProtocolInfo[] = [
      info(e, { targetPid: PID + 1 }),
      info(e, { nonce: new Uint8Array(16) }),
      info(e, { nonce: new Uint8Array(3) }),
      info(e, { socketCookie: '78' }),
      info(e, { sourcePid: 1 }),
      info(entry(6)),
      { ...info(e, null), dwProviderReserved: 0 },
      { ...info(e), dwProviderReserved: 6 },
    ];
    for (const i of bad) expect(() => pending.find(i)).toThrow(expect.objectContaining({ code: 'WSAEINVAL' }));
    expect(pending.size).toBe(1);
  });

  it('should close an unclaimed descriptor when it expires, then refuse it', () => {
    vi.useFakeTimers();
    const closed: number[] = [];
    const pending = new PendingImports({ maxPending: 4, importTimeoutMs: 1000, closeFd: (fd) => closed.push(fd), pid: PID });
    const e = entry(5, { expiresAtMs: Date.now() + 1000 });
    pending.add(e);
    vi.advanceTimersByTime(1001);
    expect(closed).toEqual([e.fd]);
    expect(() => pending.find(info(e))).toThrow(expect.objectContaining({ code: 'WSAEINVAL' }));
  });

  it('should report full at its cap and close everything on closeAll', () => {
    const closed: number[] = [];
    const pending = new PendingImports({ maxPending: 2, importTimeoutMs: 1000, closeFd: (fd) => closed.push(fd), pid: PID });
    pending.add(entry(1));
    expect(pending.isFull).toBe(false);
    pending.add(entry(2));
    expect(pending.isFull).toBe(true);
    pending.closeAll();
    expect(closed.sort()).toEqual([101, 102]);
    expect(pending.size).toBe(0);
  });

  it('should hold a reserved id until its import arrives, then let an import waiting for it find it', async () => {
    const pending = new PendingImports({ maxPending: 4, importTimeoutMs: 1000, closeFd: () => {}, pid: PID });
    const id = pending.reserve();
    expect(pending.held).toBe(1);
    expect(pending.has(id)).toBe(true);
    const e = entry(id);
    const arrived = pending.arrival(id, 10_000);
    pending.add(e);
    await arrived;
    expect(pending.isReserved(id)).toBe(false);
    expect(pending.find(info(e))).toBe(e);
    expect(pending.held).toBe(1);
  });

  it('should wake an import waiting for a credit given back, which then finds nothing', async () => {
    const pending = new PendingImports({ maxPending: 4, importTimeoutMs: 1000, closeFd: () => {}, pid: PID });
    const id = pending.reserve();
    const arrived = pending.arrival(id, 10_000);
    pending.unreserve(id);
    await arrived;
    expect(pending.held).toBe(0);
    expect(() => pending.find(info(entry(id)))).toThrow(expect.objectContaining({ code: 'WSAEINVAL' }));
  });

  it('should wake every import waiting for one credit when it arrives, not only the first', async () => {
    vi.useFakeTimers();
    const pending = new PendingImports({ maxPending: 4, importTimeoutMs: 1000, closeFd: () => {}, pid: PID });
    const id = pending.reserve();
    const woken: string[] = [];
    const first = pending.arrival(id, 10_000).then(() => woken.push('first'));
    const second = pending.arrival(id, 10_000).then(() => woken.push('second'));
    pending.add(entry(id));
    await Promise.all([first, second]);
    expect(woken.sort()).toEqual(['first', 'second']);
    // Both waits are over: no timer of theirs is left behind.
    expect(vi.getTimerCount()).toBe(1);
    pending.closeAll();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('should end the wait for a credit that never arrives at the timeout, leaving the credit reserved', async () => {
    vi.useFakeTimers();
    const pending = new PendingImports({ maxPending: 4, importTimeoutMs: 1000, closeFd: () => {}, pid: PID });
    const id = pending.reserve();
    let ended = false;
    const arrived = pending.arrival(id, 500).then(() => {
      ended = true;
    });
    await vi.advanceTimersByTimeAsync(499);
    expect(ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await arrived;
    expect(ended).toBe(true);
    expect(pending.isReserved(id)).toBe(true);
  });
});

describe('PendingImports deliveries', () => {
  afterEach(() => vi.useRealTimers());

  const message = (s: string): Uint8Array => new TextEncoder().encode(s);

  it('should deliver only imports sent with a message, oldest first, each once, an empty message included', () => {
    const pending = new PendingImports({ maxPending: 8, importTimeoutMs: 1000, closeFd: () => {}, pid: PID });
    const first = entry(1, { appMessage: message('first') });
    const plain = entry(2);
    const empty = entry(3, { appMessage: new Uint8Array(0) });
    const last = entry(4, { appMessage: message('last') });
    for (const e of [first, plain, empty, last]) pending.add(e);
    expect([pending.nextDelivery(), pending.nextDelivery(), pending.nextDelivery()]).toEqual([first, empty, last]);
    expect(pending.nextDelivery()).toBeUndefined();
    // Delivered is not claimed: each still waits for its WSPSocket.
    expect(pending.size).toBe(4);
    for (const e of [first, plain, empty, last]) expect(pending.find(info(e))).toBe(e);
  });

  it('should never deliver an import claimed with a protocol info that came another way', () => {
    const pending = new PendingImports({ maxPending: 8, importTimeoutMs: 1000, closeFd: () => {}, pid: PID });
    const claimed = entry(1, { appMessage: message('claimed') });
    const next = entry(2, { appMessage: message('next') });
    pending.add(claimed);
    pending.add(next);
    pending.find(info(claimed));
    pending.take(claimed.exportId);
    expect(pending.nextDelivery()).toBe(next);
    expect(pending.nextDelivery()).toBeUndefined();
  });

  it('should never deliver an expired import, and close its descriptor', () => {
    vi.useFakeTimers();
    const closed: number[] = [];
    const pending = new PendingImports({ maxPending: 8, importTimeoutMs: 1000, closeFd: (fd) => closed.push(fd), pid: PID });
    const e = entry(5, { appMessage: message('too late'), expiresAtMs: Date.now() + 1000 });
    pending.add(e);
    vi.advanceTimersByTime(1001);
    expect(closed).toEqual([e.fd]);
    expect(pending.nextDelivery()).toBeUndefined();
  });

  it('should close an import that expired before the sweep ran instead of delivering it, and deliver the next one', () => {
    const closed: number[] = [];
    const pending = new PendingImports({ maxPending: 8, importTimeoutMs: 1000, closeFd: (fd) => closed.push(fd), pid: PID });
    const expired = entry(1, { appMessage: message('expired'), expiresAtMs: Date.now() - 1 });
    const live = entry(2, { appMessage: message('live') });
    pending.add(expired);
    pending.add(live);
    // No timer ran yet (this is synchronous): nextDelivery itself sees the expiry.
    expect(pending.nextDelivery()).toBe(live);
    expect(closed).toEqual([expired.fd]);
    expect(() => pending.find(info(expired))).toThrow(expect.objectContaining({ code: 'WSAEINVAL' }));
    expect(pending.size).toBe(1);
  });

  it('should wake a waiting caller when an import with a message arrives, not for one without', () => {
    const pending = new PendingImports({ maxPending: 8, importTimeoutMs: 1000, closeFd: () => {}, pid: PID });
    const wakes: string[] = [];
    pending.onDelivery(() => wakes.push('woke'));
    pending.add(entry(1));
    expect(wakes).toEqual([]);
    pending.add(entry(2, { appMessage: new Uint8Array(0) }));
    expect(wakes).toEqual(['woke']);
    // One-shot: a second arrival wakes nobody who did not wait again.
    pending.add(entry(3, { appMessage: new Uint8Array(0) }));
    expect(wakes).toEqual(['woke']);
    expect(pending.nextDelivery()?.exportId).toBe(2);
  });

  it('should not wake a cancelled wait, and leave its delivery for the next caller', () => {
    const pending = new PendingImports({ maxPending: 8, importTimeoutMs: 1000, closeFd: () => {}, pid: PID });
    const wakes: string[] = [];
    const cancel = pending.onDelivery(() => wakes.push('cancelled'));
    cancel();
    pending.onDelivery(() => wakes.push('kept'));
    pending.add(entry(1, { appMessage: message('m') }));
    expect(wakes).toEqual(['kept']);
    expect(pending.nextDelivery()?.exportId).toBe(1);
  });

  it('should wake every waiting caller on closeAll, close undelivered imports and deliver nothing after', () => {
    const closed: number[] = [];
    const pending = new PendingImports({ maxPending: 8, importTimeoutMs: 1000, closeFd: (fd) => closed.push(fd), pid: PID });
    const e = entry(1, { appMessage: message('never') });
    pending.add(e);
    const wakes: string[] = [];
    pending.onDelivery(() => wakes.push('first'));
    pending.onDelivery(() => wakes.push('second'));
    pending.closeAll();
    expect(wakes).toEqual(['first', 'second']);
    expect(closed).toEqual([e.fd]);
    expect(pending.nextDelivery()).toBeUndefined();
  });
});
