import { AF, IPPROTO, SOCK, XP1 } from '../src/constants.js';
import type { ProtocolInfo } from '../src/protocol-info.js';

/** A catalog entry as a provider publishes it: what WSCEnumProtocols would show. */
export const catalogInfo: ProtocolInfo = {
  dwServiceFlags1: XP1.GUARANTEED_DELIVERY | XP1.GUARANTEED_ORDER | XP1.GRACEFUL_CLOSE | XP1.EXPEDITED_DATA | XP1.IFS_HANDLES,
  dwServiceFlags2: 0,
  dwServiceFlags3: 0,
  dwServiceFlags4: 0,
  dwProviderFlags: 0x8,
  ProviderId: 'e70f1aa0-ab8b-11cf-8ca3-00805f48a192',
  dwCatalogEntryId: 1001,
  ProtocolChain: { chainLen: 1, chainEntries: [] },
  iVersion: 2,
  iAddressFamily: AF.INET,
  iMaxSockAddr: 16,
  iMinSockAddr: 16,
  iSocketType: SOCK.STREAM,
  iProtocol: IPPROTO.TCP,
  iProtocolMaxOffset: 0,
  iNetworkByteOrder: 0,
  iSecurityScheme: 0,
  dwMessageSize: 0,
  dwProviderReserved: 0,
  szProtocol: 'sanshare SAN provider [TCP/IP]',
};

/** The special protocol info WSPDuplicateSocket returns: hand-off context included. */
export const duplicatedInfo: ProtocolInfo = {
  ...catalogInfo,
  dwProviderReserved: 0x2a0001,
  exportContext: {
    exportId: 0x2a0001,
    sourcePid: 41230,
    targetPid: 41231,
    socketCookie: '81604378625', // SO_COOKIE counts up from 1: a realistic value
    nonce: Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + 11) & 0xff),
    expiresAtMs: 1_795_000_000_000,
  },
};
