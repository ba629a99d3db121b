import type { ProtocolInfo } from '@sanshare/protocol-info';
import type { SocketView } from '../trace/trace-event.js';

/**
 * The part of the switch the sample uses, under Winsock's own names, so that the roles read like the
 * spec's table (`WSASocket`, `WSADuplicateSocket`, `WSASocket(FROM_PROTOCOL_INFO, ...)`, `closesocket`).
 * `start-winsock.ts` maps it onto `@sanshare/switch`, adding the run's bounds and the trace's view of a
 * socket. Descriptors here are the switch's (the application's) descriptors.
 */
export interface AppWinsock {
  readonly pid: number;
  /** The provider the switch loaded, for the trace. */
  readonly providerDescription: string;
  /**
   * `WSASocket(af, type, protocol)`: a new socket from the catalog; or, with `af`, `type` and `protocol`
   * all `FROM_PROTOCOL_INFO` and a protocol info from `WSADuplicateSocket`, this process's descriptor
   * for the shared socket (spec steps 8 and 14).
   */
  WSASocket(af: number, type: number, protocol: number, protocolInfo?: ProtocolInfo): Promise<number>;
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
  /** `WSADuplicateSocket(s, dwProcessId)`: the special protocol info for process `dwProcessId` (steps 5 and 10). */
  WSADuplicateSocket(s: number, dwProcessId: number): Promise<ProtocolInfo>;
  /** Descriptors and kernel identity of `s`, for the trace (never throws: missing parts are left out). */
  view(s: number): SocketView;
  WSACleanup(): Promise<void>;
}
