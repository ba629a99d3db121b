import { describe, expect, it } from 'vitest';
import { sampleDuplicatedInfo, sampleInfo } from '../test/arbitraries.js';
import { bytesOf, lfield, sfield, vfield } from '../test/proto-bytes.js';
import { referenceEncode } from '../test/reference-encode.js';
import type { ProtocolInfo } from './protocol-info.js';
import { writeProtocolInfoMessage } from './write-protocol-info-message.js';

const GUID = 'e70f1aa0-ab8b-11cf-8ca3-00805f48a192';

/** Each edge of the varint sizes, signed and unsigned, and the strings' UTF-8 widths. */
const edges: ProtocolInfo[] = [
  sampleInfo(),
  sampleDuplicatedInfo(),
  { ...sampleInfo(), dwServiceFlags1: 0x7f, dwServiceFlags2: 0x80, dwServiceFlags3: 0x3fff, dwServiceFlags4: 0x4000, dwProviderFlags: 0x1f_ffff },
  { ...sampleInfo(), dwCatalogEntryId: 0x20_0000, dwMessageSize: 0x0fff_ffff, dwProviderReserved: 0x1000_0000 },
  { ...sampleInfo(), iVersion: -1, iMaxSockAddr: -2147483648, iMinSockAddr: 2147483647, iProtocol: -128, iSecurityScheme: -1 },
  { ...sampleInfo(), ProtocolChain: { chainLen: 7, chainEntries: [1, 0x7f, 0x80, 0x3fff, 0x4000, 0xffff_ffff, 0x1000_0000] } },
  { ...sampleInfo(), ProtocolChain: { chainLen: 0, chainEntries: [0, 5] } },
  { ...sampleInfo(), ProtocolChain: { chainLen: 0, chainEntries: [] }, szProtocol: '' },
  { ...sampleInfo(), szProtocol: 'a\u007f\u0080\u07ff\u0800\ud7ff\ue000\uffff😀\udbff\udfff'.repeat(20) },
  { ...sampleInfo(), szProtocol: 'é'.repeat(255) },
  {
    ...sampleDuplicatedInfo(),
    exportContext: { exportId: 0x2a_0001, sourcePid: 0, targetPid: 0xffff_ffff, socketCookie: '0', nonce: new Uint8Array(16), expiresAtMs: 0 },
  },
  ...['1', '4294967295', '4294967296', '9007199254740993', '18446744073709551615'].map(
    (socketCookie): ProtocolInfo => ({ ...sampleDuplicatedInfo(), exportContext: { ...sampleDuplicatedInfo().exportContext!, socketCookie, expiresAtMs: 2 ** 53 - 1 } }),
  ),
];

describe('writeProtocolInfoMessage', () => {
  it('should write exactly what protobufjs writes at every varint and UTF-8 edge', () => {
    for (const info of edges) {
      expect(Array.from(writeProtocolInfoMessage(info))).toStrictEqual(Array.from(referenceEncode(info)));
    }
  });

  it('should write a hand-built message (protobuf encoding spec, not protobufjs)', () => {
    const info: ProtocolInfo = {
      ...sampleInfo(),
      dwServiceFlags1: 300,
      dwProviderFlags: 0,
      dwCatalogEntryId: 0,
      ProtocolChain: { chainLen: 2, chainEntries: [1001, 1002] },
      iVersion: 0,
      iAddressFamily: 0,
      iMaxSockAddr: 0,
      iMinSockAddr: 0,
      iSocketType: 0,
      iProtocol: -1,
      szProtocol: 'Sän',
    };
    const expected = bytesOf(vfield(1, 300), sfield(6, GUID), lfield(8, [...vfield(1, 2), ...lfield(2, [0xe9, 0x07, 0xea, 0x07])]), vfield(14, -1), sfield(20, 'Sän'));
    expect(Array.from(writeProtocolInfoMessage(info))).toStrictEqual(Array.from(expected));
  });

  it('should give every call its own bytes, even when the same info is written again', () => {
    const first = writeProtocolInfoMessage(sampleInfo());
    const copy = Array.from(first);
    const second = writeProtocolInfoMessage({ ...sampleInfo(), szProtocol: 'other' });
    writeProtocolInfoMessage(sampleInfo());
    expect(Array.from(first)).toStrictEqual(copy);
    expect(second).not.toBe(first);
  });
});
