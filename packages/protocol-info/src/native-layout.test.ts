/**
 * toNativeLayout / fromNativeLayout against a buffer written by hand: every offset below is typed out
 * from REFERENCE.md §1 (not taken from WSAPROTOCOL_INFOW_OFFSETS), so the codec and this test cannot
 * share one mistake.
 */
import { describe, expect, it } from 'vitest';
import { sampleInfo } from '../test/arbitraries.js';
import { isWsaError } from './errors.js';
import { fromNativeLayout } from './from-native-layout.js';
import type { ProtocolInfo } from './protocol-info.js';
import { toNativeLayout } from './to-native-layout.js';

/** 'Sän 😀' as UTF-16 code units: S, ä (0xe4), n, space, U+1F600 as the pair d83d de00. */
const SZ_UNITS = [0x53, 0xe4, 0x6e, 0x20, 0xd83d, 0xde00];

function handBuilt(): Uint8Array {
  const bytes = new Uint8Array(628);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x0002_0066, true); // dwServiceFlags1
  view.setUint32(4, 0x1111_1111, true); // dwServiceFlags2
  view.setUint32(8, 0x8000_0000, true); // dwServiceFlags3
  view.setUint32(12, 0xffff_ffff, true); // dwServiceFlags4
  view.setUint32(16, 0x0000_0009, true); // dwProviderFlags
  // ProviderId 00112233-4455-6677-8899-aabbccddeeff: Data1..3 little-endian, Data4 in order.
  bytes.set([0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff], 20);
  view.setUint32(36, 1001, true); // dwCatalogEntryId
  view.setInt32(40, 3, true); // ProtocolChain.ChainLen
  view.setUint32(44, 1001, true); // ChainEntries[0]
  view.setUint32(48, 1002, true); // ChainEntries[1]
  view.setUint32(52, 0xfeed_beef, true); // ChainEntries[2]; [3..6] at 56..71 stay 0
  view.setInt32(72, 2, true); // iVersion
  view.setInt32(76, 23, true); // iAddressFamily AF_INET6
  view.setInt32(80, 28, true); // iMaxSockAddr
  view.setInt32(84, -28, true); // iMinSockAddr
  view.setInt32(88, 1, true); // iSocketType SOCK_STREAM
  view.setInt32(92, 6, true); // iProtocol IPPROTO_TCP
  view.setInt32(96, -2147483648, true); // iProtocolMaxOffset
  view.setInt32(100, 1, true); // iNetworkByteOrder LITTLEENDIAN
  view.setInt32(104, 2147483647, true); // iSecurityScheme
  view.setUint32(108, 0xffff_fffe, true); // dwMessageSize
  view.setUint32(112, 0x2a_0001, true); // dwProviderReserved
  SZ_UNITS.forEach((unit, i) => view.setUint16(116 + 2 * i, unit, true)); // szProtocol, then NUL
  return bytes;
}

const expected: ProtocolInfo = {
  dwServiceFlags1: 0x0002_0066,
  dwServiceFlags2: 0x1111_1111,
  dwServiceFlags3: 0x8000_0000,
  dwServiceFlags4: 0xffff_ffff,
  dwProviderFlags: 9,
  ProviderId: '00112233-4455-6677-8899-aabbccddeeff',
  dwCatalogEntryId: 1001,
  ProtocolChain: { chainLen: 3, chainEntries: [1001, 1002, 0xfeed_beef] },
  iVersion: 2,
  iAddressFamily: 23,
  iMaxSockAddr: 28,
  iMinSockAddr: -28,
  iSocketType: 1,
  iProtocol: 6,
  iProtocolMaxOffset: -2147483648,
  iNetworkByteOrder: 1,
  iSecurityScheme: 2147483647,
  dwMessageSize: 0xffff_fffe,
  dwProviderReserved: 0x2a_0001,
  szProtocol: 'Sän 😀',
};

function rejection(bytes: unknown): string {
  try {
    fromNativeLayout(bytes as Uint8Array);
  } catch (error) {
    expect(isWsaError(error, 'WSAEINVAL')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected WSAEINVAL, got a protocol info');
}

describe('fromNativeLayout', () => {
  it('should decode every field of a hand-built 628-byte WSAPROTOCOL_INFOW', () => {
    expect(fromNativeLayout(handBuilt())).toStrictEqual(expected);
  });

  it('should decode from a view at an odd offset of a larger buffer', () => {
    const big = new Uint8Array(1 + 628 + 3);
    big.set(handBuilt(), 1);
    expect(fromNativeLayout(big.subarray(1, 629))).toStrictEqual(expected);
    expect(fromNativeLayout(Buffer.from(handBuilt()))).toStrictEqual(expected);
  });

  it('should stop szProtocol at the first NUL and ignore what follows it', () => {
    const bytes = handBuilt();
    bytes.fill(0x41, 116 + 2 * SZ_UNITS.length + 2, 628);
    expect(fromNativeLayout(bytes).szProtocol).toBe('Sän 😀');
  });

  it('should decode an all-zero buffer as the all-default protocol info', () => {
    const info = fromNativeLayout(new Uint8Array(628));
    expect(info.ProviderId).toBe('00000000-0000-0000-0000-000000000000');
    expect(info.ProtocolChain).toStrictEqual({ chainLen: 0, chainEntries: [] });
    expect(info.szProtocol).toBe('');
    expect(info).not.toHaveProperty('exportContext');
  });

  it('should reject a buffer that is not exactly 628 bytes', () => {
    for (const size of [0, 1, 372, 627, 629, 1256]) {
      expect(rejection(new Uint8Array(size))).toBe(`WSAEINVAL: fromNativeLayout: WSAPROTOCOL_INFOW is 628 bytes, got ${size}`);
    }
  });

  it('should reject what is not a Uint8Array', () => {
    for (const value of [null, undefined, 'x'.repeat(628), new Array(628).fill(0), new ArrayBuffer(628), new Uint16Array(314)]) {
      expect(rejection(value)).toContain('fromNativeLayout: bytes must be a Uint8Array');
    }
  });

  it('should reject a szProtocol with no NUL in its 256 code units', () => {
    const bytes = handBuilt();
    for (let at = 116; at < 628; at += 2) bytes.set([0x41, 0x00], at);
    expect(rejection(bytes)).toContain('szProtocol has no terminating NUL');
    bytes[626] = 0; // unit 255 back to NUL: 255 units of 'A' fit
    expect(fromNativeLayout(bytes).szProtocol).toBe('A'.repeat(255));
  });

  it('should reject an unpaired surrogate in szProtocol', () => {
    const bytes = handBuilt();
    new DataView(bytes.buffer).setUint16(116 + 2 * 4, 0x0041, true); // leaves 0xde00 alone
    expect(rejection(bytes)).toContain('szProtocol must contain no NUL and no unpaired surrogate (code unit 5 is 0xde00)');
  });

  it('should reject an unknown byte order and a malformed chain, naming the field', () => {
    const patched = (offset: number, value: number): Uint8Array => {
      const bytes = handBuilt();
      new DataView(bytes.buffer).setInt32(offset, value, true);
      return bytes;
    };
    expect(rejection(patched(100, 2))).toContain('iNetworkByteOrder');
    expect(rejection(patched(40, 8))).toContain('ProtocolChain.chainLen');
    expect(rejection(patched(40, -1))).toContain('ProtocolChain.chainLen');
    expect(rejection(patched(40, 2))).toContain('must hold exactly chainLen (2) entries');
    expect(rejection(patched(48, 0))).toContain('chainEntries[1] must be a catalog entry id');
  });

  it('should never return a export context', () => {
    expect(fromNativeLayout(handBuilt())).not.toHaveProperty('exportContext');
  });
});

describe('toNativeLayout', () => {
  it('should write exactly the hand-built bytes', () => {
    expect(Array.from(toNativeLayout(expected))).toStrictEqual(Array.from(handBuilt()));
  });

  it('should return 628 bytes, zero past szProtocol and past the chain, even from a reused slab', () => {
    const long: ProtocolInfo = { ...sampleInfo(), szProtocol: '\uffff'.repeat(255), ProtocolChain: { chainLen: 7, chainEntries: [1, 2, 3, 4, 5, 6, 7].map((n) => n * 0x0101_0101) } };
    for (let i = 0; i < 40; i++) toNativeLayout(long);
    const bytes = toNativeLayout(sampleInfo());
    expect(bytes.length).toBe(628);
    expect(bytes.subarray(48, 72).every((b) => b === 0)).toBe(true);
    expect(bytes.subarray(116 + 2 * sampleInfo().szProtocol.length).every((b) => b === 0)).toBe(true);
  });

  it('should carry only the export id of a export context, in dwProviderReserved', () => {
    const info: ProtocolInfo = {
      ...expected,
      exportContext: { exportId: 0x2a_0001, sourcePid: 1, targetPid: 2, socketCookie: '3', nonce: new Uint8Array(16), expiresAtMs: 4 },
    };
    expect(Array.from(toNativeLayout(info))).toStrictEqual(Array.from(handBuilt()));
  });

  it('should reject an invalid protocol info with WSAEINVAL naming the field', () => {
    expect(() => toNativeLayout({ ...expected, iAddressFamily: 2 ** 31 })).toThrow(/WSAEINVAL: toNativeLayout: iAddressFamily/);
    expect(() => toNativeLayout({ ...expected, szProtocol: 'x'.repeat(256) })).toThrow(/toNativeLayout: szProtocol/);
    expect(() => toNativeLayout({ ...expected, ProtocolChain: { chainLen: 7, chainEntries: [1, 2, 3, 4, 5, 6, 7, 8] } })).toThrow(/ProtocolChain.chainEntries/);
  });
});

describe('toNativeLayout results', () => {
  it('should stay usable when a caller lists one in a postMessage transfer list', async () => {
    const { MessageChannel } = await import('node:worker_threads');
    const { port1, port2 } = new MessageChannel();
    try {
      const first = toNativeLayout(sampleInfo());
      const received = new Promise<unknown>((resolve) => port2.once('message', resolve));
      port1.postMessage(first, [first.buffer as ArrayBuffer]);
      await received;
      // The slab was not detached: the next block comes from it and decodes.
      expect(first.length).toBe(628);
      expect(fromNativeLayout(toNativeLayout(sampleInfo()))).toStrictEqual(sampleInfo());
    } finally {
      port1.close();
      port2.close();
    }
  });
});
