import type { ProtocolInfo, SockOptValue, Socket } from '@sanshare/protocol-info';

/** The procedure-table calls a peer runs for the checks: those whose arguments and results are plain values. */
export const PEER_CALLS = [
  'WSPSocket',
  'WSPSend',
  'WSPRecv',
  'WSPShutdown',
  'WSPSetSockOpt',
  'WSPGetSockOpt',
  'WSPCloseSocket',
  'WSPDuplicateSocket',
] as const;

/**
 * The peer's procedure table, as this process calls it: the calls of `WspProcTable` that cross a
 * process boundary (no `AbortSignal`), each asynchronous. A failure in the peer rejects with the
 * error it threw there: a `WsaError` stays a `WsaError` with its code.
 */
export interface PeerProcTable {
  WSPSocket(af: number, type: number, protocol: number, protocolInfo: ProtocolInfo | null, group: number, flags: number): Promise<Socket>;
  WSPSend(s: Socket, data: Uint8Array): Promise<number>;
  WSPRecv(s: Socket, options?: { maxBytes?: number }): Promise<Uint8Array>;
  WSPShutdown(s: Socket, how: number): Promise<void>;
  WSPSetSockOpt(s: Socket, level: number, optname: number, value: SockOptValue): Promise<void>;
  WSPGetSockOpt(s: Socket, level: number, optname: number): Promise<SockOptValue>;
  WSPCloseSocket(s: Socket): Promise<void>;
  WSPDuplicateSocket(s: Socket, dwProcessId: number): Promise<ProtocolInfo>;
}
