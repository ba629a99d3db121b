/** fast-check arbitraries and sample values shared by the tests. */
import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import type { ExportContext, ProtocolChain, ProtocolInfo } from '../src/index.js';

export const uint32 = fc.integer({ min: 0, max: 0xffff_ffff });
export const int32 = fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
export const guid = fc
  .uint8Array({ minLength: 16, maxLength: 16 })
  .map((b) => `${hex(b.subarray(0, 4))}-${hex(b.subarray(4, 6))}-${hex(b.subarray(6, 8))}-${hex(b.subarray(8, 10))}-${hex(b.subarray(10))}`);

export const chain: fc.Arbitrary<ProtocolChain> = fc.oneof(
  fc.record({
    chainLen: fc.constantFrom(0, 1),
    chainEntries: fc.array(uint32, { maxLength: 7 }).filter((e) => e.length === 0 || e[e.length - 1] !== 0),
  }, { noNullPrototype: true }),
  fc
    .integer({ min: 2, max: 7 })
    .chain((n) => fc.array(fc.integer({ min: 1, max: 0xffff_ffff }), { minLength: n, maxLength: n }).map((chainEntries) => ({ chainLen: n, chainEntries }))),
);

const noNul = (s: string): string => s.replace(/\0/g, '_');
/** Up to 255 UTF-16 code units, no NUL, no unpaired surrogate: ASCII, any code point, and the edges. */
export const szProtocol = fc.oneof(
  fc.string({ maxLength: 255 }).map(noNul),
  fc.string({ unit: 'binary', maxLength: 127 }).map(noNul),
  fc.constantFrom('', 'x'.repeat(255), 'é'.repeat(255), `${'😀'.repeat(127)}a`, 'MSAFD Tcpip [TCP/IP]'),
);

export const exportContextFor = (exportId: number): fc.Arbitrary<ExportContext> =>
  fc.record({
    exportId: fc.constant(exportId),
    sourcePid: uint32,
    targetPid: uint32,
    // Small, around 2^31 and 2^53 (the decoder's fast paths) and anywhere up to 2^64 - 1.
    socketCookie: fc
      .oneof(fc.bigInt({ min: 0n, max: 2n ** 33n }), fc.bigInt({ min: 2n ** 52n, max: 2n ** 54n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }))
      .map(String),
    nonce: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    expiresAtMs: fc.maxSafeNat(),
  }, { noNullPrototype: true });

const base = fc.record({
  dwServiceFlags1: uint32,
  dwServiceFlags2: uint32,
  dwServiceFlags3: uint32,
  dwServiceFlags4: uint32,
  dwProviderFlags: uint32,
  ProviderId: guid,
  dwCatalogEntryId: uint32,
  ProtocolChain: chain,
  iVersion: int32,
  iAddressFamily: fc.constantFrom(0, 2, 23),
  iMaxSockAddr: int32,
  iMinSockAddr: int32,
  iSocketType: fc.integer({ min: 0, max: 5 }),
  iProtocol: int32,
  iProtocolMaxOffset: int32,
  iNetworkByteOrder: fc.constantFrom(0, 1),
  iSecurityScheme: int32,
  dwMessageSize: uint32,
  dwProviderReserved: uint32,
  szProtocol,
}, { noNullPrototype: true });

/** Any valid protocol info: half of them carry a export context (its exportId is dwProviderReserved). */
export const protocolInfo: fc.Arbitrary<ProtocolInfo> = fc.oneof(
  base,
  base.chain((info) => {
    const exportId = info.dwProviderReserved === 0 ? 1 : info.dwProviderReserved;
    return exportContextFor(exportId).map((exportContext): ProtocolInfo => ({ ...info, dwProviderReserved: exportId, exportContext }));
  }),
);

/** A protocol info as a provider publishes it in its catalog. */
export function sampleInfo(): ProtocolInfo {
  return {
    dwServiceFlags1: 0x0002_0066,
    dwServiceFlags2: 0,
    dwServiceFlags3: 0,
    dwServiceFlags4: 0,
    dwProviderFlags: 0x8,
    ProviderId: 'e70f1aa0-ab8b-11cf-8ca3-00805f48a192',
    dwCatalogEntryId: 1001,
    ProtocolChain: { chainLen: 1, chainEntries: [] },
    iVersion: 2,
    iAddressFamily: 2,
    iMaxSockAddr: 16,
    iMinSockAddr: 16,
    iSocketType: 1,
    iProtocol: 6,
    iProtocolMaxOffset: 0,
    iNetworkByteOrder: 0,
    iSecurityScheme: 0,
    dwMessageSize: 0,
    dwProviderReserved: 0,
    szProtocol: 'sanshare SAN provider [TCP/IP]',
  };
}

/** The special protocol info of a duplicated socket. */
export function sampleDuplicatedInfo(): ProtocolInfo {
  return {
    ...sampleInfo(),
    dwProviderReserved: 0x2a_0001,
    exportContext: {
      exportId: 0x2a_0001,
      sourcePid: 41230,
      targetPid: 41231,
      socketCookie: '18446744073709551615',
      nonce: Uint8Array.from({ length: 16 }, (_, i) => i + 1),
      expiresAtMs: 1_795_000_000_000,
    },
  };
}

/** Number of open descriptors of this process (Linux). */
export function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}
