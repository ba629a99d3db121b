import { AF, BASE_PROTOCOL, IPPROTO, PFL, SOCK, XP1, type ProtocolInfo } from '@sanshare/protocol-info';
import { DEFAULT_PROVIDER_MODULE, SANSHARE_PROVIDER_ID } from './constants.js';

/** The address family of a default entry: IPv4 or IPv6. */
export type DefaultAddressFamily = 'inet' | 'inet6';

/**
 * A TCP catalog entry's protocol info, ready to `install`: a base protocol (chain length 1),
 * reliable ordered stream with graceful close, as Windows' MSAFD Tcpip entries describe TCP, but
 * without `XP1_IFS_HANDLES` (sanshare's provider is non-IFS: it mints descriptors with
 * `WPUCreateSocketHandle`). `dwCatalogEntryId` is 0 until the catalog assigns one.
 */
export function defaultProtocolInfo(af: DefaultAddressFamily): ProtocolInfo {
  const v6 = af === 'inet6';
  return {
    dwServiceFlags1: XP1.GUARANTEED_DELIVERY | XP1.GUARANTEED_ORDER | XP1.GRACEFUL_CLOSE,
    dwServiceFlags2: 0,
    dwServiceFlags3: 0,
    dwServiceFlags4: 0,
    // Socket(af, SOCK_STREAM, 0) picks this entry, as it picks TCP on Windows.
    dwProviderFlags: PFL.MATCHES_PROTOCOL_ZERO,
    ProviderId: SANSHARE_PROVIDER_ID,
    dwCatalogEntryId: 0,
    ProtocolChain: { chainLen: BASE_PROTOCOL, chainEntries: [] },
    iVersion: 2,
    iAddressFamily: v6 ? AF.INET6 : AF.INET,
    // sizeof(SOCKADDR_IN6) 28, sizeof(SOCKADDR_IN) 16.
    iMaxSockAddr: v6 ? 28 : 16,
    iMinSockAddr: v6 ? 28 : 16,
    iSocketType: SOCK.STREAM,
    iProtocol: IPPROTO.TCP,
    iProtocolMaxOffset: 0,
    // BIGENDIAN (0): network byte order.
    iNetworkByteOrder: 0,
    // SECURITY_PROTOCOL_NONE.
    iSecurityScheme: 0,
    // 0: a stream protocol has no message size.
    dwMessageSize: 0,
    dwProviderReserved: 0,
    szProtocol: v6 ? 'sanshare SAN TCP/IPv6' : 'sanshare SAN TCP/IP',
  };
}

/** What `Catalog.install` takes: a protocol info, the module implementing it, its options. */
export interface CatalogEntryInit {
  protocolInfo: ProtocolInfo;
  /**
   * The provider module: an absolute path, a `file:` URL, or a package name (resolved from the
   * switch's own location first, then from the current working directory).
   */
  providerModule: string;
  /** Passed to the provider's `WSPStartup` as its `options` (JSON values only: the catalog may be a file). */
  providerOptions?: Record<string, unknown>;
}

/**
 * A default TCP entry ready for `Catalog.install`: `defaultProtocolInfo(af)` implemented by
 * `providerModule` (default `'@sanshare/provider'`).
 */
export function defaultCatalogEntry(
  af: DefaultAddressFamily,
  providerModule: string = DEFAULT_PROVIDER_MODULE,
  providerOptions?: Record<string, unknown>,
): CatalogEntryInit {
  return providerOptions === undefined
    ? { protocolInfo: defaultProtocolInfo(af), providerModule }
    : { protocolInfo: defaultProtocolInfo(af), providerModule, providerOptions };
}
