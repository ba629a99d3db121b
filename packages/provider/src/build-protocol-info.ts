import { AF, type ExportContext, type ProtocolInfo } from '@sanshare/protocol-info';
import type { SocketEssentials } from './export-codec.js';
import { nativeAuthWords } from './native-auth.js';

/**
 * A socket's protocol info (WSPGetSockOpt SO_PROTOCOL_INFOW, WSPDuplicateSocket, WSPReceiveDuplicate):
 * the catalog entry's, with the socket's family, type and protocol, and for a duplicate the export
 * id in `dwProviderReserved` and the export context. Built field by field in one fixed order: every
 * info this provider returns has the same shape (no spread of the catalog, no `delete`), so building
 * one per hand-off stays cheap. Each call returns fresh objects: callers may change what they get.
 */
export function buildProtocolInfo(
  catalog: ProtocolInfo,
  af: number,
  type: number,
  protocol: number,
  exportId = 0,
  context?: ExportContext,
): ProtocolInfo {
  const c = catalog;
  // sizeof(SOCKADDR_IN6) and sizeof(SOCKADDR_IN).
  const sockAddrBytes = af === AF.INET6 ? 28 : 16;
  const info: ProtocolInfo = {
    dwServiceFlags1: c.dwServiceFlags1,
    dwServiceFlags2: c.dwServiceFlags2,
    dwServiceFlags3: c.dwServiceFlags3,
    dwServiceFlags4: c.dwServiceFlags4,
    dwProviderFlags: c.dwProviderFlags,
    ProviderId: c.ProviderId,
    dwCatalogEntryId: c.dwCatalogEntryId,
    ProtocolChain: { chainLen: c.ProtocolChain.chainLen, chainEntries: c.ProtocolChain.chainEntries.slice() },
    iVersion: c.iVersion,
    iAddressFamily: af,
    iMaxSockAddr: sockAddrBytes,
    iMinSockAddr: sockAddrBytes,
    iSocketType: type,
    iProtocol: protocol,
    iProtocolMaxOffset: c.iProtocolMaxOffset,
    iNetworkByteOrder: c.iNetworkByteOrder,
    iSecurityScheme: c.iSecurityScheme,
    dwMessageSize: c.dwMessageSize,
    dwProviderReserved: exportId,
    szProtocol: c.szProtocol,
  };
  // The catalog entry describes the provider; an export context belongs only to a duplicate's info.
  if (context !== undefined) info.exportContext = context;
  return info;
}

/**
 * The protocol info of a duplicate: the socket's, with the export context that lets `context.targetPid`
 * import it, and the first 8 bytes of its nonce in `dwServiceFlags3`/`dwServiceFlags4`, which
 * authenticate an import from the native form (native-auth.ts).
 */
export function buildDuplicateInfo(catalog: ProtocolInfo, socket: SocketEssentials, context: ExportContext): ProtocolInfo {
  const info = buildProtocolInfo(catalog, socket.addressFamily, socket.socketType, socket.protocol, context.exportId, context);
  [info.dwServiceFlags3, info.dwServiceFlags4] = nativeAuthWords(context.nonce);
  return info;
}

/**
 * The protocol info WSPDuplicateSocket returns (single, batch item or listener) for an export this
 * process made of socket `socketCookie` to `targetPid`, from what the target answered.
 */
export function exportedProtocolInfo(
  catalog: ProtocolInfo,
  socket: SocketEssentials,
  socketCookie: bigint,
  targetPid: number,
  answer: { readonly exportId: number; readonly nonce: Uint8Array; readonly expiresAtMs: number },
): ProtocolInfo {
  return buildDuplicateInfo(catalog, socket, {
    exportId: answer.exportId,
    sourcePid: process.pid,
    targetPid,
    socketCookie: socketCookie.toString(),
    nonce: answer.nonce,
    expiresAtMs: answer.expiresAtMs,
  });
}
