/**
 * Framed messages over Unix-domain sockets that carry kernel descriptors (`SCM_RIGHTS`) with the
 * peer's kernel-checked credentials (`SO_PEERCRED`): the transport that moves a live socket from
 * one process to another. Wire format: `docs/wire-uds.md`.
 *
 * @example
 * ```ts
 * import { listen, connect, toNetSocket } from '@sanshare/transport-uds';
 *
 * // process B
 * const listener = await listen('/tmp/demo/b.sock');
 * const conn = await listener.accept();
 * const msg = await conn.receive(); // { data, fds }
 * const tcp = toNetSocket(msg!.fds[0]!); // the very connection process A had
 *
 * // process A
 * const c = await connect('/tmp/demo/b.sock');
 * await c.send(new TextEncoder().encode('take it'), [tcpFd]);
 * ```
 *
 * @packageDocumentation
 */
export { listen } from './listen.js';
export { connect } from './connect.js';
export { fromDescriptor } from './from-descriptor.js';
export { UdsError, isUdsError } from './errors.js';
export type { UdsErrorCode, UdsErrorOptions } from './errors.js';
export type {
  PeerCredentials,
  UdsMessage,
  OperationOptions,
  ConnectionLimits,
  ListenOptions,
  ConnectOptions,
  UdsConnection,
  UdsListener,
  RejectedPeer,
} from './types.js';
export { toNetSocket, detachNetSocket, stopReading } from './net-socket.js';
export { socketAddresses } from './socket-addresses.js';
export type { SocketAddresses, IpAddress } from './socket-addresses.js';
export { sendDatagram } from './send-datagram.js';
export type { ToNetSocketOptions } from './net-socket.js';
export {
  closeFd,
  closeQuietly,
  dupFd,
  isFdOpen,
  getSocketCookie,
  getSockOptInt,
  setSockOptInt,
  getLinger,
  setLinger,
  seqpacketPair,
} from './descriptors.js';
export { socketInfo, socketInfos } from './socket-info.js';
export type { SocketInfo, SocketInfoOptions } from './socket-info.js';
export {
  LINUX,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_FDS_PER_MESSAGE,
  DEFAULT_MAX_QUEUED_MESSAGES,
  DEFAULT_MAX_PENDING_CONNECTIONS,
  SCM_MAX_FD,
  SUN_PATH_MAX,
  WIRE_VERSION,
  HEADER_BYTES,
  RECORD_MAX_BYTES,
} from './constants.js';
