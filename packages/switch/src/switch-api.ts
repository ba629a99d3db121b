import type { DuplicateBatchResult, DuplicateDelivery, ProtocolInfo, RecvOptions, SockAddr, SockOptValue, Socket, SocketBatchResult } from '@sanshare/protocol-info';
import type { Catalog } from './catalog.js';
import type { SwitchError } from './errors.js';

/** Options of `WSAStartup`. */
export interface WsaStartupOptions {
  /** The catalog whose providers this switch loads. */
  catalog: Catalog;
  /** `MAKEWORD(major, minor)`; only 2.2 (`0x0202`, the default) is supported. */
  versionRequested?: number;
}

/** A catalog entry whose provider failed to load; the switch works on with the others. */
export interface ProviderLoadFailure {
  readonly catalogEntryId: number;
  readonly providerModule: string;
  /** `WSAEPROVIDERFAILEDINIT`, `WSAEINVALIDPROCTABLE` or `WSAVERNOTSUPPORTED`. */
  readonly error: SwitchError;
}

/**
 * How a duplication ended, as `onDuplicateSettled` tells the application. Reported by providers that
 * offer it (the optional upcall `WPUNotifyDuplicateSettled`); others never report, and their
 * duplications end only by an import.
 */
export interface DuplicateSettledEvent {
  /** This switch's descriptor that was duplicated (`WSADuplicateSocket`'s `s`), not the provider's. */
  readonly s: Socket;
  /**
   * `'claimed'`: the target imported the socket (this process may close `s`; the socket lives on
   * there). `'lapsed'`: it never will (expired, refused, or the target died): the socket is back in
   * this process, with every byte, and calls on it work again, unless a newer duplication of the same
   * socket has handed it away since (`isHandedOff(s)` tells).
   */
  readonly outcome: 'claimed' | 'lapsed';
  /** The target the duplication named. */
  readonly dwProcessId: number;
  /** The returned protocol info's `dwProviderReserved`: which duplication of `s` this was. */
  readonly dwProviderReserved: number;
  /** Why, in the provider's words, for people. */
  readonly reason: string;
}

/** One socket of `WSADuplicateSocketBatch`. */
export interface DuplicateSocketBatchItem {
  /** This switch's descriptor of the socket to duplicate. */
  readonly s: Socket;
  /**
   * Present: the socket travels with this message (bytes, or a string as UTF-8; at most 64 KiB), as
   * `WSADuplicateSocketWithMessage` sends it, for the target's `WSAReceiveDuplicate(s)`. Absent: as
   * `WSADuplicateSocket`, the protocol info is the application's to carry.
   */
  readonly message?: Uint8Array | string;
}

/** Options of `WSADuplicateSocketBatch`. */
export interface DuplicateSocketBatchOptions {
  /**
   * Stops the batch: sockets whose duplication has not started stay here (their item fails with
   * `WSAECONNABORTED`); those already on their way finish. Aborted before the call: it rejects with
   * the signal's reason and nothing is duplicated.
   */
  signal?: AbortSignal;
  /**
   * For providers with `WSPDuplicateSocketBatch`: how long the target may stay silent (not how long
   * the batch may take). Milliseconds, or `Infinity`; default: the provider's own. Duplications one
   * socket at a time (the fallback) are bounded by the provider's own hand-off timeout.
   */
  timeoutMs?: number;
}

/** Options of `WSAReceiveDuplicates`. */
export interface ReceiveDuplicatesOptions {
  /** At most this many deliveries (a positive integer); default: every one that is there. */
  max?: number;
  /** Cancels the wait for the first one: the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Ends the wait for the first one with `WSAETIMEDOUT` (milliseconds). */
  timeoutMs?: number;
}

/** A provider the switch loaded, and the catalog entries it serves. */
export interface LoadedProvider {
  readonly catalogEntryIds: readonly number[];
  readonly providerModule: string;
  readonly description: string;
  readonly version: number;
  /** Whether the provider offers sanshare's bridge extensions (adopt, detach, cookie). */
  readonly hasExtensions: boolean;
}

/**
 * A started switch: the Winsock application API of one process. Descriptors are the switch's own;
 * the switch translates them to its providers' descriptors and back. It works with any provider
 * that implements the SPI procedure table; the calls marked "extension" need a provider that also
 * offers sanshare's extensions.
 *
 * Every call throws `WsaError`: `WSAENOTSOCK` for an unknown descriptor, `WSAEACCES` for a descriptor
 * whose socket this process has handed to another (access control; only `closesocket` and the trace
 * queries are allowed then), `WSAENETDOWN` after `WSACleanup`, `WSAEINVALIDPROVIDER` when a provider
 * broke the SPI contract, and the provider's own errors.
 */
export interface Switch {
  /** This process's pid: what a peer's `WSADuplicateSocket` needs. */
  readonly pid: number;
  /** The providers that failed to load (each one's error); the others work. */
  readonly loadFailures: readonly ProviderLoadFailure[];
  /** The providers that loaded. */
  readonly providers: readonly LoadedProvider[];
  /** The protocol infos of the catalog entries whose provider is loaded (`WSAEnumProtocols`). */
  WSAEnumProtocols(): ProtocolInfo[];
  /**
   * Creates a socket. With a protocol info from `WSADuplicateSocket` (and `af`, `type`, `protocol`
   * all `FROM_PROTOCOL_INFO`), creates this process's descriptor for the shared socket and gives this
   * process access to it again. Without one, the first catalog entry matching `af`/`type`/`protocol`
   * (protocol 0 matches entries flagged `PFL_MATCHES_PROTOCOL_ZERO`) is used.
   */
  WSASocket(af: number, type: number, protocol: number, protocolInfo?: ProtocolInfo | null, group?: number, flags?: number): Promise<Socket>;
  /**
   * Extension: `WSASocket(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, info, 0, flags)`
   * for many protocol infos: each item gets the same provider selection, checks, access control
   * (its socket's lock lifted) and errors as that call, and one result per info, in order: `{ s }`
   * or `{ error }` (a `WsaError`: `WSAEINVAL` for an info used already, expired, forged or for
   * another process, or no provider for it; `WSAEFAULT` for one that is not an object). Infos of a
   * provider that offers `WSPSocketBatch` go to it in calls of at most 253; those of a provider
   * without it, one `WSPSocket` each. Rejects, with nothing imported, only for `WSAENETDOWN` or
   * `protocolInfos` not an array. `flags` default `WSA_FLAG_OVERLAPPED`, as `WSASocket`.
   */
  WSASocketBatch(protocolInfos: readonly ProtocolInfo[], flags?: number): Promise<SocketBatchResult[]>;
  /** `socket(af, type, protocol)`: `WSASocket` with no protocol info and `WSA_FLAG_OVERLAPPED`. */
  socket(af: number, type: number, protocol: number): Promise<Socket>;
  bind(s: Socket, name: SockAddr): Promise<void>;
  listen(s: Socket, backlog?: number): Promise<void>;
  /** Waits for a connection; returns the new switch descriptor. */
  accept(s: Socket, options?: { signal?: AbortSignal }): Promise<Socket>;
  connect(s: Socket, name: SockAddr, options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<void>;
  /** Sends every byte (a string as UTF-8); resolves with the count once it is in the kernel. */
  send(s: Socket, data: Uint8Array | string): Promise<number>;
  /** Receives what is available (up to `maxBytes`); an empty array means the peer closed gracefully. */
  recv(s: Socket, options?: RecvOptions): Promise<Uint8Array>;
  /** `SD.RECEIVE`, `SD.SEND` or `SD.BOTH`. */
  shutdown(s: Socket, how: number): Promise<void>;
  setsockopt(s: Socket, level: number, optname: number, value: SockOptValue): void;
  getsockopt(s: Socket, level: number, optname: number): SockOptValue;
  getsockname(s: Socket): SockAddr;
  getpeername(s: Socket): SockAddr;
  /** Releases `s`; the connection ends when the last descriptor in any process is closed. Allowed after `WSADuplicateSocket`. */
  closesocket(s: Socket): Promise<void>;
  /**
   * Duplicates `s` for process `dwProcessId` and returns the protocol info that process passes to
   * its `WSASocket` (once). From then on this process may only `closesocket` the socket's
   * descriptors, until it creates one again from a protocol info.
   */
  WSADuplicateSocket(s: Socket, dwProcessId: number): Promise<ProtocolInfo>;
  /**
   * Extension: `WSADuplicateSocket`, and the protocol info travels with the socket and `message`
   * (bytes, or a string as UTF-8; at most 64 KiB) to the target's provider, in one message: the
   * target gets all three from `WSAReceiveDuplicate`, with no IPC of the application's. Same access
   * control as `WSADuplicateSocket`. `WSAEINVAL` when the socket's provider does not offer
   * `WSPDuplicateSocketWithMessage`; `WSAEMSGSIZE` for a message over its limit.
   */
  WSADuplicateSocketWithMessage(s: Socket, dwProcessId: number, message: Uint8Array | string): Promise<ProtocolInfo>;
  /**
   * Extension: the next socket another process duplicated to this one with
   * `WSADuplicateSocketWithMessage`, oldest first per provider, each once. Pass `protocolInfo` to
   * `WSASocket` (single use, within the import timeout). `timeoutMs` ends the wait with
   * `WSAETIMEDOUT`, `signal` with its reason; `WSAEINVAL` when no loaded provider offers
   * `WSPReceiveDuplicate`.
   */
  WSAReceiveDuplicate(options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<DuplicateDelivery>;
  /**
   * Extension: duplicates many sockets for process `dwProcessId`, each as `WSADuplicateSocket` (an item
   * without `message`) or `WSADuplicateSocketWithMessage` (an item with one) would, under the same
   * access control: each socket is locked before its provider starts, and unlocked again if its item
   * fails. Resolves with one result per item, in order: `{ protocolInfo }` (the socket went; single
   * use, as ever) or `{ error }` (a `WsaError`; the socket is still this process's, unless the error is
   * `WSAEINVALIDPROVIDER`: see docs). Items of a provider that offers `WSPDuplicateSocketBatch` go in
   * one call to it (as few kernel messages as it can); those of a provider without it go one
   * duplication per socket, at most 32 at a time. Per item: `WSAEFAULT` (not `{ s, message? }`),
   * `WSAENOTSOCK`, `WSAEACCES` (handed off already, or another descriptor of the same socket earlier
   * in the batch), `WSAEINVAL` (the same descriptor twice: the later items; a message for a provider
   * without `WSPDuplicateSocketWithMessage`), `WSAEMSGSIZE` (a message over 64 KiB), and the
   * provider's own. Rejects, with nothing duplicated, only for the call's own faults: `WSAEINVAL`
   * (`items` not an array, a bad `dwProcessId` or options), `WSAENETDOWN`, an aborted `signal`.
   */
  WSADuplicateSocketBatch(items: readonly DuplicateSocketBatchItem[], dwProcessId: number, options?: DuplicateSocketBatchOptions): Promise<DuplicateBatchResult[]>;
  /**
   * Extension: `WSAReceiveDuplicate` for many. Waits until at least one socket duplicated to this
   * process with a message is there (in any loaded provider that offers `WSPReceiveDuplicate`), then
   * returns every one there, at most `max`, oldest first per provider, each once: through a
   * provider's `WSPReceiveDuplicates` where it offers one, one `WSPReceiveDuplicate` at a time where
   * not. Deliveries past `max`, and those a cancelled provider still made, are kept for the next call
   * (of either kind). Same errors as `WSAReceiveDuplicate`; `WSAEINVAL` for a bad `max`.
   */
  WSAReceiveDuplicates(options?: ReceiveDuplicatesOptions): Promise<DuplicateDelivery[]>;
  /** For traces: the provider descriptor behind switch descriptor `s` (its upcall context). */
  providerSocketOf(s: Socket): number;
  /** For traces (extension): `SO_COOKIE` of the underlying socket, the same in every process; `WSAEINVAL` without `WSPGetSocketCookie`. */
  socketCookie(s: Socket): bigint;
  /** Whether this process has handed `s`'s socket to another one and not taken it back. */
  isHandedOff(s: Socket): boolean;
  /**
   * Calls `listener` each time a provider reports how a duplication of this switch ended
   * (`'claimed'` or `'lapsed'`), after the switch has acted on it: on `'lapsed'` the socket's lock is
   * already lifted. Listeners run asynchronously, never inside the provider's upcall. Returns the
   * function that removes the listener; `WSACleanup` removes them all.
   */
  onDuplicateSettled(listener: (event: DuplicateSettledEvent) => void): () => void;
  /** Stops every provider (closing their sockets) and the switch; later calls throw `WSAENETDOWN`. */
  WSACleanup(): Promise<void>;
}
