/**
 * The protocol information of a shared socket (`WSAPROTOCOL_INFOW`), the Winsock constants and
 * error codes, `WsaError` (the error class every sanshare package throws), and two codecs for a
 * protocol info: protobuf (`proto/sanshare/v1/protocol_info.proto`, export context included) and
 * the native 628-byte Win32 layout.
 *
 * @example
 * ```ts
 * import { AF, SOCK, IPPROTO, XP1, encodeProtocolInfo, decodeProtocolInfo, toNativeLayout, fromNativeLayout } from '@sanshare/protocol-info';
 *
 * const info = {
 *   dwServiceFlags1: XP1.GUARANTEED_DELIVERY | XP1.GUARANTEED_ORDER | XP1.GRACEFUL_CLOSE | XP1.IFS_HANDLES,
 *   dwServiceFlags2: 0, dwServiceFlags3: 0, dwServiceFlags4: 0, dwProviderFlags: 0,
 *   ProviderId: 'e70f1aa0-ab8b-11cf-8ca3-00805f48a192',
 *   dwCatalogEntryId: 1001,
 *   ProtocolChain: { chainLen: 1, chainEntries: [] },
 *   iVersion: 2, iAddressFamily: AF.INET, iMaxSockAddr: 16, iMinSockAddr: 16,
 *   iSocketType: SOCK.STREAM, iProtocol: IPPROTO.TCP, iProtocolMaxOffset: 0,
 *   iNetworkByteOrder: 0, iSecurityScheme: 0, dwMessageSize: 0, dwProviderReserved: 0,
 *   szProtocol: 'sanshare TCP/IP',
 * };
 * const wire = encodeProtocolInfo(info);      // protobuf bytes, for any IPC
 * decodeProtocolInfo(wire);                   // deep-equal to info
 * fromNativeLayout(toNativeLayout(info));     // the 628-byte Win32 struct and back
 * ```
 *
 * @packageDocumentation
 */
export {
  WSAPROTOCOL_INFOW_SIZE,
  MAX_PROTOCOL_CHAIN,
  WSAPROTOCOL_LEN,
  BASE_PROTOCOL,
  LAYERED_PROTOCOL,
  FROM_PROTOCOL_INFO,
  SOCKET_ERROR,
  XP1,
  PFL,
  WSA_FLAG,
  WSA_ERRORS,
  AF,
  SOCK,
  IPPROTO,
  NSPROTO,
  NETWORK_BYTE_ORDER,
  SECURITY_PROTOCOL_NONE,
  WSAPROTOCOL_INFOW_OFFSETS,
  MAX_PROTOCOL_INFO_BYTES,
  EXPORT_NONCE_LENGTH,
} from './constants.js';
export type { WsaErrorCode } from './constants.js';
export { WsaError, isWsaError } from './errors.js';
export type { Guid, ProtocolChain, ExportContext, ProtocolInfo } from './protocol-info.js';
export { validateProtocolInfo } from './validate-protocol-info.js';
export { tcpProtocolInfo } from './tcp-protocol-info.js';
export type { TcpProtocolInfoOptions } from './tcp-protocol-info.js';
export { encodeProtocolInfo } from './encode-protocol-info.js';
export { decodeProtocolInfo } from './decode-protocol-info.js';
export { toNativeLayout } from './to-native-layout.js';
export { fromNativeLayout } from './from-native-layout.js';
export { WINSOCK_VERSION_2_2, SD, SOL_SOCKET, SO, TCP_NODELAY } from './spi.js';
export type {
  Socket,
  SockAddr,
  Linger,
  SockOptValue,
  WspUpcallTable,
  WspStartupResult,
  RecvOptions,
  WspProcTable,
  WspExtensions,
  DuplicateDelivery,
  DuplicateSettlement,
  DuplicateBatchItem,
  DuplicateBatchResult,
  AdoptBatchItem,
  SocketBatchResult,
  WspStartup,
} from './spi.js';
