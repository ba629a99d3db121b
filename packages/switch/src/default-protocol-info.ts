import { PFL, tcpProtocolInfo, type ProtocolInfo } from '@sanshare/protocol-info';
import { SANSHARE_PROVIDER_ID } from './constants.js';

/** The address family of a default entry: IPv4 or IPv6. */
export type DefaultAddressFamily = 'inet' | 'inet6';

/**
 * A TCP catalog entry's protocol info, ready to `install`: protocol-info's `tcpProtocolInfo` (a base
 * protocol, reliable ordered stream with graceful close, no `XP1_IFS_HANDLES` since sanshare's
 * provider mints descriptors with `WPUCreateSocketHandle`) for sanshare's provider id, flagged
 * `PFL_MATCHES_PROTOCOL_ZERO` so that `socket(af, SOCK_STREAM, 0)` picks it, as it picks TCP on
 * Windows. `dwCatalogEntryId` is 0 until the catalog assigns one.
 */
export function defaultProtocolInfo(af: DefaultAddressFamily): ProtocolInfo {
  return tcpProtocolInfo({
    providerId: SANSHARE_PROVIDER_ID,
    szProtocol: af === 'inet6' ? 'sanshare SAN TCP/IPv6' : 'sanshare SAN TCP/IP',
    addressFamily: af,
    providerFlags: PFL.MATCHES_PROTOCOL_ZERO,
  });
}
