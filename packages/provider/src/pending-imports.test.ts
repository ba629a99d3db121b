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
    ...overrides,
  };
}

function info(e: PendingImport, handoff: Partial<NonNullable<ProtocolInfo['handoff']>> | null = {}): ProtocolInfo {
  const base = {
    dwServiceFlags1: 0, dwServiceFlags2: 0, dwServiceFlags3: 0, dwServiceFlags4: 0, dwProviderFlags: 0,
    ProviderId: '00000000-0000-0000-0000-000000000000', dwCatalogEntryId: 1, ProtocolChain: { chainLen: 1, chainEntries: [1] },
    iVersion: 2, iAddressFamily: 2, iMaxSockAddr: 16, iMinSockAddr: 16, iSocketType: 1, iProtocol: 6,
    iProtocolMaxOffset: 0, iNetworkByteOrder: 0, iSecurityScheme: 0, dwMessageSize: 0, dwProviderReserved: e.exportId, szProtocol: 't',
  };
  if (handoff === null) return base;
  return {
    ...base,
    handoff: {
      exportId: e.exportId, sourcePid: e.sourcePid, targetPid: PID, socketCookie: e.socketCookie.toString(),
      nonce: e.nonce, expiresAtMs: e.expiresAtMs, ...handoff,
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
});
