import { validateProtocolInfo, type ProtocolInfo } from '@sanshare/protocol-info';

/**
 * Checks that `value` (parsed JSON or a caller's object) is a whole catalog protocol info and returns
 * a clean copy: every `WSAPROTOCOL_INFOW` field with its Win32 range, no export context (a catalog
 * entry describes a protocol, not a shared socket). Returns the first problem as a string instead.
 *
 * The rules are protocol-info's own (`validateProtocolInfo`), so that every catalog entry can travel
 * in both of its codecs; this function only picks the Win32 fields out of whatever else `value` holds.
 */
export function toCatalogProtocolInfo(value: unknown): ProtocolInfo | string {
  try {
    validateProtocolInfo(value, 'protocolInfo');
  } catch (error) {
    return (error as Error).message;
  }
  const v = value;
  return {
    dwServiceFlags1: v.dwServiceFlags1,
    dwServiceFlags2: v.dwServiceFlags2,
    dwServiceFlags3: v.dwServiceFlags3,
    dwServiceFlags4: v.dwServiceFlags4,
    dwProviderFlags: v.dwProviderFlags,
    ProviderId: v.ProviderId,
    dwCatalogEntryId: v.dwCatalogEntryId,
    ProtocolChain: { chainLen: v.ProtocolChain.chainLen, chainEntries: [...v.ProtocolChain.chainEntries] },
    iVersion: v.iVersion,
    iAddressFamily: v.iAddressFamily,
    iMaxSockAddr: v.iMaxSockAddr,
    iMinSockAddr: v.iMinSockAddr,
    iSocketType: v.iSocketType,
    iProtocol: v.iProtocol,
    iProtocolMaxOffset: v.iProtocolMaxOffset,
    iNetworkByteOrder: v.iNetworkByteOrder,
    iSecurityScheme: v.iSecurityScheme,
    dwMessageSize: v.dwMessageSize,
    dwProviderReserved: v.dwProviderReserved,
    szProtocol: v.szProtocol,
  };
}
