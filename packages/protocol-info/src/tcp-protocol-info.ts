import { AF, BASE_PROTOCOL, IPPROTO, NETWORK_BYTE_ORDER, SECURITY_PROTOCOL_NONE, SOCK, XP1 } from './constants.js';
import type { Guid, ProtocolInfo } from './protocol-info.js';

/** What distinguishes one TCP catalog entry from another. */
export interface TcpProtocolInfoOptions {
  /** The provider that implements the entry. */
  providerId: Guid;
  /** `szProtocol`: the entry's name, at most 255 UTF-16 code units. */
  szProtocol: string;
  /** `'inet'` (AF_INET, the default) or `'inet6'` (AF_INET6). */
  addressFamily?: 'inet' | 'inet6';
  /** `dwCatalogEntryId`; 0 (the default) until a catalog assigns one. */
  catalogEntryId?: number;
  /** `dwProviderFlags` (`PFL.*`); 0 by default. */
  providerFlags?: number;
}

/**
 * The protocol info of a TCP catalog entry, as Windows' own TCP/IP entries describe TCP: a base
 * protocol (chain length 1), a reliable, ordered byte stream with graceful close
 * (`XP1_GUARANTEED_DELIVERY | XP1_GUARANTEED_ORDER | XP1_GRACEFUL_CLOSE`), socket addresses of
 * `sizeof(SOCKADDR_IN)` 16 or `sizeof(SOCKADDR_IN6)` 28 bytes, network byte order, no security
 * scheme, no message size. Without `XP1_IFS_HANDLES`: a SAN provider mints its descriptors with
 * `WPUCreateSocketHandle`, so they are not file-system handles. Every call returns a fresh object.
 */
export function tcpProtocolInfo(options: TcpProtocolInfoOptions): ProtocolInfo {
  const v6 = options.addressFamily === 'inet6';
  const sockAddrBytes = v6 ? 28 : 16;
  return {
    dwServiceFlags1: XP1.GUARANTEED_DELIVERY | XP1.GUARANTEED_ORDER | XP1.GRACEFUL_CLOSE,
    dwServiceFlags2: 0,
    dwServiceFlags3: 0,
    dwServiceFlags4: 0,
    dwProviderFlags: options.providerFlags ?? 0,
    ProviderId: options.providerId,
    dwCatalogEntryId: options.catalogEntryId ?? 0,
    ProtocolChain: { chainLen: BASE_PROTOCOL, chainEntries: [] },
    iVersion: 2,
    iAddressFamily: v6 ? AF.INET6 : AF.INET,
    iMaxSockAddr: sockAddrBytes,
    iMinSockAddr: sockAddrBytes,
    iSocketType: SOCK.STREAM,
    iProtocol: IPPROTO.TCP,
    iProtocolMaxOffset: 0,
    iNetworkByteOrder: NETWORK_BYTE_ORDER.BIGENDIAN,
    iSecurityScheme: SECURITY_PROTOCOL_NONE,
    dwMessageSize: 0,
    dwProviderReserved: 0,
    szProtocol: options.szProtocol,
  };
}
