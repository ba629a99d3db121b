/**
 * Entries as real ws2_32 catalogs hold them (`netsh winsock show catalog` on Windows: MSAFD providers
 * for IPX/SPX, IrDA, Bluetooth, Hyper-V, PGM over RDM, SPX over SEQPACKET...). A codec of the structure
 * carries each one exactly, in both encodings; only a provider decides what it implements.
 */
import { describe, expect, it } from 'vitest';
import { AF, NSPROTO, SOCK, XP1 } from './constants.js';
import { decodeProtocolInfo } from './decode-protocol-info.js';
import { encodeProtocolInfo } from './encode-protocol-info.js';
import { fromNativeLayout } from './from-native-layout.js';
import type { ProtocolInfo } from './protocol-info.js';
import { tcpProtocolInfo } from './tcp-protocol-info.js';
import { toNativeLayout } from './to-native-layout.js';
import { validateProtocolInfo } from './validate-protocol-info.js';

/** A catalog entry of another family: the TCP entry's shape with the fields that family changes. */
function entry(szProtocol: string, patch: Partial<ProtocolInfo>): ProtocolInfo {
  return { ...tcpProtocolInfo({ providerId: '11058240-be47-11cf-95c8-00805f48a192', szProtocol, catalogEntryId: 1010 }), ...patch };
}

const CATALOG: ProtocolInfo[] = [
  entry('MSAFD nwlnkipx [IPX]', { iAddressFamily: AF.IPX, iSocketType: SOCK.DGRAM, iProtocol: NSPROTO.IPX, iMaxSockAddr: 14, iMinSockAddr: 14, iProtocolMaxOffset: 255, dwMessageSize: 576, dwServiceFlags1: XP1.CONNECTIONLESS | XP1.SUPPORT_BROADCAST | XP1.SUPPORT_MULTIPOINT | XP1.MESSAGE_ORIENTED | XP1.IFS_HANDLES }),
  entry('MSAFD nwlnkspx [SPX]', { iAddressFamily: AF.IPX, iSocketType: SOCK.SEQPACKET, iProtocol: NSPROTO.SPX, iMaxSockAddr: 14, iMinSockAddr: 14, dwMessageSize: 0xffff_ffff }),
  entry('MSAFD nwlnkspx [SPX II]', { iAddressFamily: AF.IPX, iSocketType: SOCK.STREAM, iProtocol: NSPROTO.SPXII, iMaxSockAddr: 14, iMinSockAddr: 14, iNetworkByteOrder: 0 }),
  entry('MSAFD Irda [IrDA]', { iAddressFamily: AF.IRDA, iSocketType: SOCK.STREAM, iProtocol: 1, iMaxSockAddr: 32, iMinSockAddr: 8 }),
  entry('MSAFD RfComm [Bluetooth]', { iAddressFamily: AF.BTH, iSocketType: SOCK.STREAM, iProtocol: 3, iMaxSockAddr: 30, iMinSockAddr: 30 }),
  entry('Hyper-V RAW', { iAddressFamily: AF.HYPERV, iSocketType: SOCK.STREAM, iProtocol: 1, iMaxSockAddr: 36, iMinSockAddr: 36 }),
  entry('MSAFD Pgm (RDM)', { iAddressFamily: AF.INET, iSocketType: SOCK.RDM, iProtocol: 113, dwMessageSize: 0xffff_ff00 }),
  entry('RSVP TCPv6 Service Provider', { iAddressFamily: AF.INET6, iMaxSockAddr: 28, iMinSockAddr: 28, iSecurityScheme: 0, iProtocol: 6, dwServiceFlags1: XP1.GUARANTEED_DELIVERY | XP1.GUARANTEED_ORDER | XP1.GRACEFUL_CLOSE | XP1.EXPEDITED_DATA | XP1.QOS_SUPPORTED | XP1.IFS_HANDLES }),
];

describe('a real catalog', () => {
  it.each(CATALOG.map((info) => [info.szProtocol, info] as const))('should carry %s exactly in both encodings', (_, info) => {
    expect(() => validateProtocolInfo(info)).not.toThrow();
    const native = toNativeLayout(info);
    expect(fromNativeLayout(native)).toEqual(info);
    // Byte-exact: the block decoded and encoded again is the same 628 bytes.
    expect(Array.from(toNativeLayout(fromNativeLayout(native)))).toEqual(Array.from(native));
    const wire = encodeProtocolInfo(info);
    expect(decodeProtocolInfo(wire)).toEqual(info);
    expect(Array.from(encodeProtocolInfo(decodeProtocolInfo(wire)))).toEqual(Array.from(wire));
  });
});
