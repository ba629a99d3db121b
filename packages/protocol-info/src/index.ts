/**
 * The protocol information of a shared socket (`WSAPROTOCOL_INFOW`), the Winsock constants and
 * error codes, and `WsaError`, the error class every sanshare package throws.
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
} from './constants.js';
export type { WsaErrorCode } from './constants.js';
export { WsaError, isWsaError } from './errors.js';
export type { Guid, ProtocolChain, HandoffContext, ProtocolInfo } from './protocol-info.js';
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
  WspStartup,
} from './spi.js';
