import { describe, expect, it } from 'vitest';
import { sampleDuplicatedInfo, sampleInfo } from '../test/arbitraries.js';
import { bytesOf, lfield, sfield, tag, varint, vfield } from '../test/proto-bytes.js';
import { decodeProtocolInfo } from './decode-protocol-info.js';
import { encodeProtocolInfo } from './encode-protocol-info.js';
import { isWsaError } from './errors.js';
import type { ProtocolInfo } from './protocol-info.js';

const GUID = 'e70f1aa0-ab8b-11cf-8ca3-00805f48a192';

/** A valid message with the fields every info needs, plus `extra` fields appended. */
function message(...extra: number[][]): Uint8Array {
  return bytesOf(sfield(6, GUID), ...extra);
}

function rejection(bytes: unknown): string {
  try {
    decodeProtocolInfo(bytes as Uint8Array);
  } catch (error) {
    expect(isWsaError(error, 'WSAEINVAL')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected WSAEINVAL, got a protocol info');
}

describe('decodeProtocolInfo', () => {
  it('should decode every field of a hand-built message', () => {
    const nonce = Array.from({ length: 16 }, (_, i) => 0x10 + i);
    const bytes = bytesOf(
      vfield(1, 0x0002_0066),
      vfield(2, 1),
      vfield(3, 0x8000_0000),
      vfield(4, 0xffff_ffff),
      vfield(5, 9),
      sfield(6, GUID),
      vfield(7, 1001),
      lfield(8, [...vfield(1, 3), ...lfield(2, [...varint(1001), ...varint(1002), ...varint(0xffff_ffff)])]),
      vfield(9, 2),
      vfield(10, 23),
      vfield(11, 28),
      vfield(12, -28),
      vfield(13, 5),
      vfield(14, -2147483648),
      vfield(15, 2147483647),
      vfield(16, 1),
      vfield(17, -1),
      vfield(18, 0xffff_fffe),
      vfield(19, 77),
      sfield(20, 'Sän 😀'),
      lfield(21, [...vfield(1, 77), ...vfield(2, 4_194_304), ...vfield(3, 1), ...vfield(4, 2n ** 64n - 1n), ...lfield(5, nonce), ...vfield(6, 2 ** 53 - 1)]),
    );
    const expected: ProtocolInfo = {
      dwServiceFlags1: 0x0002_0066,
      dwServiceFlags2: 1,
      dwServiceFlags3: 0x8000_0000,
      dwServiceFlags4: 0xffff_ffff,
      dwProviderFlags: 9,
      ProviderId: GUID,
      dwCatalogEntryId: 1001,
      ProtocolChain: { chainLen: 3, chainEntries: [1001, 1002, 0xffff_ffff] },
      iVersion: 2,
      iAddressFamily: 23,
      iMaxSockAddr: 28,
      iMinSockAddr: -28,
      iSocketType: 5,
      iProtocol: -2147483648,
      iProtocolMaxOffset: 2147483647,
      iNetworkByteOrder: 1,
      iSecurityScheme: -1,
      dwMessageSize: 0xffff_fffe,
      dwProviderReserved: 77,
      szProtocol: 'Sän 😀',
      exportContext: {
        exportId: 77,
        sourcePid: 4_194_304,
        targetPid: 1,
        socketCookie: '18446744073709551615',
        nonce: Uint8Array.from(nonce),
        expiresAtMs: 2 ** 53 - 1,
      },
    };
    expect(decodeProtocolInfo(bytes)).toStrictEqual(expected);
  });

  it('should decode, and re-encode byte for byte, a message written by C++ libprotobuf', () => {
    // Written by protoc 3.21.12 --cpp_out code for this .proto, linked with libprotobuf and
    // <sys/socket.h> (Debian 12): set_provider_id, ADDRESS_FAMILY_INET6, SOCKET_TYPE_STREAM,
    // set_protocol(-1), chain 2 [1001, 1002], sz_protocol "Sän", exportContext { export_id 7,
    // socket_cookie 2^64-1, nonce 16 x 01, expires_at_ms 1795000000000 }, provider_reserved 7.
    const fromCpp = Buffer.from(
      '322465373066316161302d616238622d313163662d386361332d303038303566343861313932420808021204e907ea07501768' +
        '0170ffffffffffffffffff01980107a2010453c3a46eaa0126080720ffffffffffffffffff012a1001010101010101010101' +
        '0101010101013080bcd9f29e34',
      'hex',
    );
    const info = decodeProtocolInfo(fromCpp);
    expect(info).toStrictEqual({
      ...sampleInfo(),
      dwServiceFlags1: 0,
      dwProviderFlags: 0,
      ProviderId: GUID,
      dwCatalogEntryId: 0,
      ProtocolChain: { chainLen: 2, chainEntries: [1001, 1002] },
      iVersion: 0,
      iAddressFamily: 23,
      iMaxSockAddr: 0,
      iMinSockAddr: 0,
      iSocketType: 1,
      iProtocol: -1,
      dwProviderReserved: 7,
      szProtocol: 'Sän',
      exportContext: { exportId: 7, sourcePid: 0, targetPid: 0, socketCookie: '18446744073709551615', nonce: new Uint8Array(16).fill(1), expiresAtMs: 1_795_000_000_000 },
    });
    expect(Buffer.from(encodeProtocolInfo(info)).equals(fromCpp)).toBe(true);
  });

  it('should give absent fields their proto3 defaults', () => {
    const info = decodeProtocolInfo(message());
    expect(info).toStrictEqual({
      ...sampleInfo(),
      dwServiceFlags1: 0,
      dwProviderFlags: 0,
      ProviderId: GUID,
      dwCatalogEntryId: 0,
      ProtocolChain: { chainLen: 0, chainEntries: [] },
      iVersion: 0,
      iAddressFamily: 0,
      iMaxSockAddr: 0,
      iMinSockAddr: 0,
      iSocketType: 0,
      iProtocol: 0,
      szProtocol: '',
    });
  });

  it('should accept chain entries packed, unpacked, or both, and skip unknown fields of every wire type', () => {
    const chain = lfield(8, [...vfield(1, 3), ...vfield(2, 5), ...lfield(2, [...varint(6), ...varint(7)])]);
    const unknown = [...vfield(99, 5), ...tag(100, 1), 1, 2, 3, 4, 5, 6, 7, 8, ...tag(101, 5), 1, 2, 3, 4, ...lfield(102, [1, 2, 3])];
    const info = decodeProtocolInfo(message(chain, unknown, vfield(7, 1234)));
    expect(info.ProtocolChain).toStrictEqual({ chainLen: 3, chainEntries: [5, 6, 7] });
    expect(info.dwCatalogEntryId).toBe(1234);
  });

  it('should reject truncated input, naming the field it stopped in', () => {
    const whole = encodeProtocolInfo(sampleDuplicatedInfo());
    expect(rejection(whole.subarray(0, whole.length - 1))).toMatch(/exportContext \(export_context = 21\) at byte \d+: length \d+ at byte \d+ runs past the end/);
    expect(rejection(message(sfield(20, 'abcdef')).subarray(0, 43))).toMatch(/szProtocol \(sz_protocol = 20\).*runs past the end/);
    expect(rejection(message([...tag(7, 0), 0x80]))).toMatch(/dwCatalogEntryId \(catalog_entry_id = 7\).*truncated inside a varint/);
    expect(rejection(message([0x80]))).toMatch(/ProtocolInfo at byte 38: truncated inside a varint/);
  });

  it('should reject input over 4096 bytes and what is not a Uint8Array', () => {
    expect(rejection(new Uint8Array(4097))).toBe('WSAEINVAL: decodeProtocolInfo: message is 4097 bytes, at most 4096 are accepted');
    for (const value of [null, undefined, 'bytes', [8, 1], new ArrayBuffer(4)]) expect(rejection(value)).toContain('bytes must be a Uint8Array');
  });

  it('should reject a known field with the wrong wire type', () => {
    expect(rejection(message(lfield(1, [1])))).toContain('dwServiceFlags1 (service_flags1 = 1) at byte 38: wire type length-delimited, expected varint');
    expect(rejection(bytesOf(vfield(6, 1)))).toContain('ProviderId (provider_id = 6) at byte 0: wire type varint, expected length-delimited');
    expect(rejection(message([...tag(9, 5), 1, 0, 0, 0]))).toContain('iVersion (version = 9) at byte 38: wire type fixed32, expected varint');
    expect(rejection(message(vfield(21, 1)))).toContain('exportContext (export_context = 21)');
    expect(rejection(message(lfield(8, [...tag(2, 5), 1, 0, 0, 0])))).toContain('chainEntries (chain_entries = 2) at byte 40: wire type fixed32, expected varint or length-delimited');
  });

  it('should reject groups, wire types 6 and 7, and field number 0', () => {
    expect(rejection(message(tag(50, 3)))).toContain('ProtocolInfo.field 50 at byte 38: wire type start-group is not allowed');
    expect(rejection(message(tag(50, 4)))).toContain('wire type end-group is not allowed');
    expect(rejection(message(tag(50, 6)))).toContain('wire type 6 is not allowed');
    expect(rejection(message(tag(50, 7)))).toContain('wire type 7 is not allowed');
    expect(rejection(message([0x00, 0x00]))).toContain('field number out of range');
  });

  it('should reject values out of uint32 and int32 range instead of truncating them', () => {
    expect(rejection(message(vfield(7, 2 ** 32)))).toContain('dwCatalogEntryId (catalog_entry_id = 7) at byte 38: value is out of uint32 range');
    expect(rejection(message(vfield(19, 2n ** 64n - 1n)))).toContain('dwProviderReserved (provider_reserved = 19) at byte 38: value is out of uint32 range');
    expect(rejection(message(vfield(9, 2 ** 31)))).toContain('iVersion (version = 9) at byte 38: value is out of int32 range');
    // 0xffffffff as a 5-byte varint: protobufjs would read -1; it is not the encoding of any int32.
    expect(rejection(message(vfield(9, 0xffff_ffff)))).toContain('iVersion (version = 9) at byte 38: value is out of int32 range');
    expect(rejection(message(vfield(9, -(2n ** 31n) - 1n)))).toContain('value is out of int32 range');
    expect(rejection(message(lfield(8, lfield(2, varint(2 ** 32)))))).toContain('chainEntries (chain_entries = 2) at byte 40: value is out of uint32 range');
    expect(rejection(message(lfield(21, vfield(6, 2 ** 53))))).toContain('exportContext (export_context = 21).expiresAtMs (expires_at_ms = 6) at byte 41: value is over 2^53-1');
    expect(rejection(message([...tag(7, 0), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]))).toContain('does not fit in 64 bits');
    expect(rejection(message([...tag(7, 0), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]))).toContain('does not fit in 64 bits');
  });

  it('should accept a non-minimal varint that is in range', () => {
    expect(decodeProtocolInfo(message([...tag(7, 0), 0x81, 0x80, 0x00])).dwCatalogEntryId).toBe(1);
  });

  it('should keep address families and socket types it has no name for (open enums), and refuse other byte orders', () => {
    expect(decodeProtocolInfo(message(vfield(10, 17))).iAddressFamily).toBe(17);
    expect(decodeProtocolInfo(message(vfield(13, 6))).iSocketType).toBe(6);
    expect(decodeProtocolInfo(message(vfield(13, 2n ** 64n - 1n))).iSocketType).toBe(-1);
    expect(rejection(message(vfield(16, 2)))).toContain('iNetworkByteOrder must be one of 0, 1');
  });

  it('should reject a chain longer than 7 and a malformed chain', () => {
    const entries = (n: number): number[] => lfield(2, Array.from({ length: n }, (_, i) => varint(i + 1)).flat());
    expect(decodeProtocolInfo(message(lfield(8, [...vfield(1, 7), ...entries(7)]))).ProtocolChain.chainEntries).toHaveLength(7);
    expect(rejection(message(lfield(8, [...vfield(1, 7), ...entries(8)])))).toContain('ProtocolChain (protocol_chain = 8).chainEntries (chain_entries = 2) at byte 42: more than 7 entries');
    expect(rejection(message(lfield(8, [...vfield(1, 7), ...entries(4), ...entries(4)])))).toContain('more than 7 entries');
    expect(rejection(message(lfield(8, vfield(1, 8))))).toContain('ProtocolChain.chainLen must be an integer 0..7');
    expect(rejection(message(lfield(8, [...vfield(1, 3), ...entries(2)])))).toContain('must hold exactly chainLen (3) entries');
  });

  it('should reject a szProtocol over 255 UTF-16 code units, with a NUL, or with invalid UTF-8', () => {
    expect(decodeProtocolInfo(message(sfield(20, '😀'.repeat(127) + 'a'))).szProtocol).toHaveLength(255);
    expect(rejection(message(sfield(20, 'x'.repeat(256))))).toContain('szProtocol must be at most 255 UTF-16 code units');
    expect(rejection(message(sfield(20, '😀'.repeat(128))))).toContain('szProtocol must be at most 255');
    expect(rejection(message(sfield(20, 'a\0b')))).toContain('szProtocol must contain no NUL');
    // A surrogate encoded on its own (CESU-8 / WTF-8 style) is not UTF-8: it is the unpaired-surrogate case.
    expect(rejection(message(lfield(20, [0x61, 0xed, 0xa0, 0x80])))).toContain('szProtocol (sz_protocol = 20) at byte 38: string is not valid UTF-8');
    for (const bad of [[0xc0, 0x80], [0xe0, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff], [0x80], [0xe2, 0x82]]) {
      expect(rejection(message(lfield(20, bad)))).toContain('string is not valid UTF-8');
    }
  });

  it('should reject a singular field that appears twice', () => {
    expect(rejection(message(vfield(7, 1), vfield(7, 2)))).toContain('dwCatalogEntryId (catalog_entry_id = 7) at byte 40: singular field appears more than once');
    expect(rejection(bytesOf(sfield(6, GUID), sfield(6, GUID)))).toContain('ProviderId (provider_id = 6)');
    expect(rejection(message(lfield(8, []), lfield(8, [])))).toContain('ProtocolChain (protocol_chain = 8)');
  });

  it('should check the GUID text and the export context', () => {
    expect(rejection(bytesOf(sfield(6, GUID.toUpperCase())))).toContain('ProviderId must be a GUID');
    expect(rejection(bytesOf())).toContain('ProviderId must be a GUID');
    const exportContext = (...fields: number[][]): Uint8Array => message(vfield(19, 7), lfield(21, fields.flat()));
    const nonce = lfield(5, new Array<number>(16).fill(1));
    expect(decodeProtocolInfo(exportContext(vfield(1, 7), nonce)).exportContext?.socketCookie).toBe('0');
    expect(rejection(exportContext(vfield(1, 8), nonce))).toContain('exportContext.exportId must equal dwProviderReserved (7), got 8');
    expect(rejection(exportContext(vfield(1, 7), lfield(5, [1, 2, 3])))).toContain('exportContext.nonce must be a Uint8Array of 16 bytes, got 3 bytes');
    expect(rejection(exportContext(nonce))).toContain('exportContext.exportId must be a non-zero uint32');
  });

  it('should print every socket cookie exactly, around 2^31, 2^53 and 2^64', () => {
    const cookies = ['0', '1', '2147483647', '2147483648', '1000000000', '1000000005', '81604378625', '9007199254740991', '9007199254740992', '18446744073709551615'];
    for (const socketCookie of cookies) {
      const info = sampleDuplicatedInfo();
      const withCookie = { ...info, exportContext: { ...info.exportContext!, socketCookie } };
      expect(decodeProtocolInfo(encodeProtocolInfo(withCookie)).exportContext?.socketCookie).toBe(socketCookie);
    }
  });

  it('should not share memory with the input', () => {
    const bytes = encodeProtocolInfo(sampleDuplicatedInfo());
    const info = decodeProtocolInfo(bytes);
    bytes.fill(0);
    expect(info).toStrictEqual(sampleDuplicatedInfo());
  });
});

describe('encodeProtocolInfo', () => {
  it('should round-trip a catalog entry and a duplicated protocol info', () => {
    expect(decodeProtocolInfo(encodeProtocolInfo(sampleInfo()))).toStrictEqual(sampleInfo());
    expect(decodeProtocolInfo(encodeProtocolInfo(sampleDuplicatedInfo()))).toStrictEqual(sampleDuplicatedInfo());
  });

  it('should write the fields as the .proto declares them', () => {
    const bytes = encodeProtocolInfo({ ...sampleInfo(), dwServiceFlags1: 300, iProtocol: -1, ProtocolChain: { chainLen: 0, chainEntries: [] } });
    // service_flags1 = 1, varint 300 = ac 02: the first field on the wire.
    expect(Array.from(bytes.subarray(0, 3))).toStrictEqual([0x08, 0xac, 0x02]);
    // protocol = 14, int32 -1: ten bytes, sign-extended.
    const needle = [0x70, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    expect(Buffer.from(bytes).includes(Buffer.from(needle))).toBe(true);
    // An empty chain is the absent chain: no field 8.
    expect(Array.from(bytes)).not.toContain(0x42);
  });

  it('should reject an invalid protocol info with WSAEINVAL naming the field', () => {
    expect(() => encodeProtocolInfo({ ...sampleInfo(), dwCatalogEntryId: -1 })).toThrow('WSAEINVAL: encodeProtocolInfo: dwCatalogEntryId must be a uint32');
    expect(() => encodeProtocolInfo({ ...sampleInfo(), szProtocol: '\ud800' })).toThrow(/encodeProtocolInfo: szProtocol/);
    expect(() => encodeProtocolInfo(null as unknown as ProtocolInfo)).toThrow('WSAEINVAL: encodeProtocolInfo: ProtocolInfo must be an object');
  });
});
