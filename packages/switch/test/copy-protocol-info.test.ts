import { tcpProtocolInfo, type ProtocolInfo } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { copyProtocolInfo } from '../src/copy-protocol-info.js';

const duplicated = (): ProtocolInfo => ({
  ...tcpProtocolInfo({ catalogEntryId: 1001, providerId: '11111111-2222-3333-4444-555555555555', szProtocol: 'test TCP' }),
  ProtocolChain: { chainLen: 2, chainEntries: [1001, 1002] },
  exportContext: { exportId: 7, sourcePid: 10, targetPid: 20, socketCookie: '4096', nonce: Uint8Array.from({ length: 16 }, (_, i) => i), expiresAtMs: 1_000 },
  dwProviderReserved: 7,
});

describe('copyProtocolInfo', () => {
  it('should copy every field, nested ones included, as structuredClone does', () => {
    const info = duplicated();
    expect(copyProtocolInfo(info)).toEqual(structuredClone(info));
    const catalog = tcpProtocolInfo({ catalogEntryId: 1001, providerId: '11111111-2222-3333-4444-555555555555', szProtocol: 'test TCP' });
    expect(copyProtocolInfo(catalog)).toEqual(structuredClone(catalog));
    expect('exportContext' in copyProtocolInfo(catalog)).toBe('exportContext' in catalog);
  });

  it('should share nothing mutable with the original', () => {
    const info = duplicated();
    const copy = copyProtocolInfo(info);
    copy.dwCatalogEntryId = 5;
    copy.ProtocolChain.chainEntries.push(9);
    copy.ProtocolChain.chainLen = 3;
    const context = copy.exportContext as NonNullable<ProtocolInfo['exportContext']>;
    context.nonce[0] = 255;
    context.exportId = 8;
    expect(info).toEqual(duplicated());
  });

  it('should leave symbol keys and non-enumerable fields out, and read a getter once', () => {
    const marker = Symbol('marker');
    let reads = 0;
    const info = Object.defineProperties({ ...duplicated(), [marker]: { shared: true } }, {
      hidden: { value: { secret: 1 }, enumerable: false },
      szProtocol: { get: () => `read ${++reads}`, enumerable: true },
    }) as unknown as ProtocolInfo;
    const copy = copyProtocolInfo(info) as unknown as Record<string | symbol, unknown>;
    expect(Object.getOwnPropertySymbols(copy)).toEqual([]);
    expect('hidden' in copy).toBe(false);
    expect(copy['szProtocol']).toBe('read 1');
    expect(reads).toBe(1);
    expect(Object.getOwnPropertyDescriptor(copy, 'szProtocol')?.get).toBeUndefined();
    expect(copy['exportContext']).toEqual(duplicated().exportContext);
    expect(copy['exportContext']).not.toBe(info.exportContext);
  });

  it('should copy what is not plain data (a Date, a cycle) without sharing it, for the provider to refuse', () => {
    const cycle: Record<string, unknown> = { depth: 1 };
    cycle['self'] = cycle;
    const bad = { ...duplicated(), ProtocolChain: null, szProtocol: new Date(0), extra: cycle } as unknown as ProtocolInfo;
    const copy = copyProtocolInfo(bad) as unknown as { ProtocolChain: unknown; szProtocol: unknown; extra: Record<string, unknown> };
    expect(copy.ProtocolChain).toBeNull();
    expect(copy.szProtocol).toEqual(new Date(0));
    expect(copy.szProtocol).not.toBe(bad.szProtocol);
    // A cycle is copied (never shared, never an endless walk), as deep as the walk goes and then by structuredClone.
    expect(copy.extra).not.toBe(cycle);
    expect(copy.extra['depth']).toBe(1);
    expect((copy.extra['self'] as Record<string, unknown>)['depth']).toBe(1);
  });
});
