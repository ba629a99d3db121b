import type { ProtocolInfo } from '@sanshare/protocol-info';
import type { SocketView } from '../trace/trace-event.js';

/**
 * The part of the switch the sample uses, in one place: the roles are written against this, and
 * `start-winsock.ts` maps it onto `@sanshare/switch` (catalog, `WSAStartup`, Winsock-shaped calls).
 * Descriptors here are the switch's (the application's) descriptors.
 */
export interface AppWinsock {
  readonly pid: number;
  /** The provider the switch loaded, for the trace. */
  readonly providerDescription: string;
  /** `WSASocket(AF_INET, SOCK_STREAM, IPPROTO_TCP)`. */
  tcpSocket(): Promise<number>;
  connect(s: number, address: string, port: number): Promise<void>;
  bind(s: number, address: string, port: number): Promise<void>;
  listen(s: number, backlog: number): Promise<void>;
  accept(s: number, signal?: AbortSignal): Promise<number>;
  send(s: number, data: Uint8Array): Promise<number>;
  /** Empty result: the peer closed gracefully (FIN). */
  recv(s: number, options?: { maxBytes?: number; signal?: AbortSignal }): Promise<Uint8Array>;
  /** `how`: 0 receive, 1 send, 2 both. */
  shutdown(s: number, how: number): Promise<void>;
  closesocket(s: number): Promise<void>;
  /** `WSADuplicateSocket(s, pid)`: the special protocol info for process `pid`. */
  duplicate(s: number, pid: number): Promise<ProtocolInfo>;
  /**
   * sanshare's `WSADuplicateSocketWithMessage(s, pid, message)`: the same duplication, and the protocol
   * info travels with the socket and `message` to process `pid` (no hand-off channel message needed).
   */
  duplicateWithMessage(s: number, pid: number, message: string): Promise<ProtocolInfo>;
  /** sanshare's `WSAReceiveDuplicate`: the next socket duplicated to this process with a message. */
  receiveDuplicate(options: { timeoutMs: number; signal?: AbortSignal }): Promise<{ info: ProtocolInfo; message: string; sourcePid: number }>;
  /** `WSASocket(FROM_PROTOCOL_INFO, ..., info)`: a descriptor for the shared socket. */
  fromProtocolInfo(info: ProtocolInfo): Promise<number>;
  /** Descriptors and kernel identity of `s`, for the trace (never throws: missing parts are left out). */
  view(s: number): SocketView;
  /** `WSACleanup`. */
  cleanup(): Promise<void>;
}

/** One end of the switch's hand-off channel (a Unix-domain socket between two processes). */
export interface AppChannel {
  /** The other process, from `SO_PEERCRED`. */
  readonly peerPid: number;
  /** Steps 2/4: asks the other process its pid (checked against `SO_PEERCRED`). */
  requestPeerPid(timeoutMs?: number): Promise<number>;
  /** Steps 6/11. */
  sendProtocolInfo(info: ProtocolInfo): Promise<void>;
  /** Steps 7/13. */
  receiveProtocolInfo(timeoutMs?: number): Promise<ProtocolInfo>;
  /**
   * Waits (at most `timeoutMs`) until the other side closes the channel. The channel has no
   * acknowledgement: a sender lingers like this before closing its end, to know its protocol info was taken.
   */
  waitForPeerClose(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** The listening end of a hand-off channel. */
export interface AppChannelServer {
  /** Waits for the next process to connect. */
  accept(timeoutMs?: number): Promise<AppChannel>;
  close(): Promise<void>;
}
