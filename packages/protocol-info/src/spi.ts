import type { WsaError } from './errors.js';
/**
 * The service provider interface (the `ws2spi.h` of sanshare): the types a switch and a provider
 * agree on, so that neither imports the other. A provider module exports `WSPStartup`; a switch
 * loads it from the module named in its catalog and calls it with its upcall table, as ws2_32 does.
 *
 * TypeScript idiom for the Win32 shapes (REFERENCE.md §3): results are returned rather than written
 * to out-parameters, `lpErrno` becomes a thrown `WsaError`, and calls that wait on I/O are async.
 */
import type { ProtocolInfo } from './protocol-info.js';

/** `MAKEWORD(2, 2)`: the SPI version a sanshare switch asks for and a provider must return. */
export const WINSOCK_VERSION_2_2 = 0x0202;

/** A descriptor: a small non-negative integer, unique within its table (the switch's or the provider's). */
export type Socket = number;

/** A socket address: IPv4 (`'127.0.0.1'`) or IPv6 (`'::1'`) literal plus a port. */
export interface SockAddr {
  address: string;
  port: number;
}

/** `SD_RECEIVE` 0, `SD_SEND` 1, `SD_BOTH` 2: the `how` of WSPShutdown. */
export const SD = { RECEIVE: 0, SEND: 1, BOTH: 2 } as const;

/** Socket option levels and names, as Winsock numbers them (winsock2.h / ws2def.h). */
export const SOL_SOCKET = 0xffff;
export const SO = {
  KEEPALIVE: 0x0008,
  LINGER: 0x0080,
  SNDBUF: 0x1001,
  RCVBUF: 0x1002,
  SNDTIMEO: 0x1005,
  RCVTIMEO: 0x1006,
  TYPE: 0x1008,
  /** `SO_PROTOCOL_INFOW`: read-only, the socket's `WSAPROTOCOL_INFOW`. */
  PROTOCOL_INFOW: 0x2005,
} as const;
/** `IPPROTO_TCP` level options. */
export const TCP_NODELAY = 0x0001;

/** `struct linger`. */
export interface Linger {
  onoff: boolean;
  /** Seconds. */
  linger: number;
}

/** A socket option value: integers and booleans for most options, `Linger`, or a protocol info. */
export type SockOptValue = number | boolean | Linger | ProtocolInfo;

/**
 * The switch's upcall table (`WSPUPCALLTABLE`, the part a non-IFS provider needs).
 * Upcalls name the switch's descriptor; a provider stores it with its own per-socket state.
 */
export interface WspUpcallTable {
  /** Allocates a switch descriptor bound to `catalogEntryId` and the provider's `context`. */
  WPUCreateSocketHandle(catalogEntryId: number, context: number): Socket;
  /** Releases a switch descriptor (the provider's socket is closing). */
  WPUCloseSocketHandle(s: Socket): void;
  /** Returns the context the provider stored with a switch descriptor; `WSAENOTSOCK` when unknown. */
  WPUQuerySocketHandleContext(s: Socket): number;
  /**
   * sanshare's optional upcall (not in the Win32 SPI; a provider checks that it exists before calling
   * it): the provider tells the switch how a duplication of switch descriptor `s` ended, once the
   * target process has imported it (`'claimed'`) or once it can no longer be imported (`'lapsed'`: the
   * import expired, the target refused it or died). After `'lapsed'` the provider has given the socket
   * back to `s` (its read-ahead first in line), and the switch lifts its access-control lock; after
   * `'claimed'` the application may close its own descriptor knowing the socket lives on in the target.
   * `dwProcessId` is the target the duplication named; `reason` says why, for people.
   */
  WPUNotifyDuplicateSettled?(s: Socket, settlement: DuplicateSettlement): void;
}

/** How a duplication ended, as a provider reports it through `WPUNotifyDuplicateSettled`. */
export interface DuplicateSettlement {
  /** `'claimed'`: the target imported the socket. `'lapsed'`: it never will; the socket is back here. */
  readonly outcome: 'claimed' | 'lapsed';
  /** The `dwProcessId` the duplication named. */
  readonly dwProcessId: number;
  /** The protocol info's `dwProviderReserved` (its export id, for sanshare's provider): which duplication. */
  readonly dwProviderReserved: number;
  /** Why, for people: "the import expired after 30000 ms", "process 1234 exited before importing"... */
  readonly reason: string;
}

/** What `WSPStartup` returns: `WSPDATA` plus the procedure table. */
export interface WspStartupResult {
  /** The version the provider will use (`wVersion`); the switch checks it. */
  version: number;
  /** The highest version the provider supports (`wHighVersion`). */
  highVersion: number;
  /** The provider's description (`szDescription`). */
  description: string;
  procTable: WspProcTable;
  /** Extension functions (Winsock hands these out through `WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER)`). */
  extensions?: WspExtensions;
}

/**
 * sanshare's provider extensions: the bridge between a provider socket and a plain kernel descriptor,
 * for switches that adopt a Node `net.Socket` or hand one out. Not part of the Win32 SPI.
 */
export interface WspExtensions {
  /**
   * Adopts a connected kernel socket as a new provider socket. The provider takes ownership of `fd`;
   * `readAhead` holds bytes already read from it, which WSPRecv returns before anything else.
   */
  WSPAdoptDescriptor(fd: number, readAhead?: Uint8Array): Promise<Socket>;
  /**
   * Detaches the kernel socket from provider socket `s`: the provider stops reading, flushes what
   * WSPSend accepted, releases `s` (and its switch descriptor) without closing the connection, and
   * gives the caller the descriptor (now the caller's to close) and any bytes it had read ahead.
   */
  WSPDetachDescriptor(s: Socket): Promise<{ fd: number; readAhead: Uint8Array }>;
  /** The kernel identity of the underlying socket (`SO_COOKIE`), the same in every process. */
  WSPGetSocketCookie(s: Socket): bigint;
  /**
   * WSPDuplicateSocket, and the protocol info travels with the descriptor: the target's provider
   * receives the socket, its protocol info and `message` (the application's own bytes) in one
   * message, and hands them out through `WSPReceiveDuplicate`. Same errors as WSPDuplicateSocket,
   * plus `WSAEMSGSIZE` for a message over the provider's limit. Returns the same protocol info.
   * Optional: a provider without it is used through WSPDuplicateSocket and the application's IPC.
   */
  WSPDuplicateSocketWithMessage?(s: Socket, dwProcessId: number, message: Uint8Array): Promise<ProtocolInfo>;
  /**
   * Waits for the next socket another process duplicated to this one with
   * `WSPDuplicateSocketWithMessage`, oldest first. It is not imported yet: pass `protocolInfo` to
   * WSPSocket(FROM_PROTOCOL_INFO) (single use, within the import timeout, as any protocol info).
   * `signal` cancels the wait (AbortError); `timeoutMs` ends it with `WSAETIMEDOUT`.
   */
  WSPReceiveDuplicate?(options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<DuplicateDelivery>;
  /**
   * Duplicates many sockets for one target process in as few messages as the kernel allows (one
   * SCM_RIGHTS message carries at most 253 descriptors, `SCM_MAX_FD`): WSPDuplicateSocket for each item
   * without a `message`, WSPDuplicateSocketWithMessage for each item with one. Each item keeps its own
   * read-ahead and its own single-use protocol info. Resolves with one result per item, in order: an
   * item that fails (not a connected or listening socket, closed meanwhile, refused by the target...)
   * has its `error` and is still this process's; the others went. Rejects only when nothing could be
   * attempted (WSAENETDOWN, a bad `dwProcessId`, an aborted `signal`). `timeoutMs` bounds the target's
   * silence, not time spent queued behind other hand-offs. Optional: a switch falls back to one
   * duplication per socket for a provider without it.
   */
  WSPDuplicateSocketBatch?(
    items: readonly DuplicateBatchItem[],
    dwProcessId: number,
    options?: { signal?: AbortSignal; timeoutMs?: number },
  ): Promise<DuplicateBatchResult[]>;
  /**
   * `WSPReceiveDuplicate` for many: waits until at least one socket duplicated to this process with a
   * message is there, then returns every one there (oldest first), at most `max` (default: all).
   * Each is imported with WSPSocket as usual. Optional, alongside WSPDuplicateSocketBatch.
   */
  WSPReceiveDuplicates?(options?: { max?: number; signal?: AbortSignal; timeoutMs?: number }): Promise<DuplicateDelivery[]>;
  /**
   * `WSPAdoptDescriptor` for many descriptors in one call: each is checked, described and adopted as
   * `WSPAdoptDescriptor` would (same checks, same errors, plus one: a stream socket with no peer is
   * refused with `WSAEINVAL`), the kernel asked once for all of them where it can be. Resolves with one result per item, in order: an adopted item has its new socket `s`
   * (the provider owns its descriptor now); a refused one has its `error`, and its descriptor is
   * still the caller's, open, as it came. Rejects only when nothing could be attempted (WSAENETDOWN,
   * `items` not an array, more than 253 items). Optional: a switch adopts one descriptor at a time
   * for a provider without it.
   */
  WSPAdoptDescriptors?(items: readonly AdoptBatchItem[]): Promise<SocketBatchResult[]>;
  /**
   * `WSPSocket(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, protocolInfo, 0, flags)`
   * for many protocol infos in one call: each is checked and imported as WSPSocket would (single use,
   * same errors), the arrived descriptors checked together, and the claims reported to their sources
   * in as few messages as possible. Resolves with one result per protocol info, in order. Rejects only
   * when nothing could be attempted (WSAENETDOWN, `protocolInfos` not an array, more than 253 items).
   * Optional: a switch imports one protocol info at a time for a provider without it.
   */
  WSPSocketBatch?(protocolInfos: readonly ProtocolInfo[], flags?: number): Promise<SocketBatchResult[]>;
}

/** One descriptor of `WSPAdoptDescriptors`. */
export interface AdoptBatchItem {
  /** A connected (or listening) TCP socket's descriptor. */
  readonly fd: number;
  /** Bytes already read from it, which WSPRecv returns before anything else. */
  readonly readAhead?: Uint8Array;
}

/** The outcome of one item of `WSPAdoptDescriptors` or `WSPSocketBatch`: the new socket, or why there is none. */
export type SocketBatchResult = { readonly s: Socket; readonly error?: undefined } | { readonly s?: undefined; readonly error: WsaError };

/** One socket of `WSPDuplicateSocketBatch`. */
export interface DuplicateBatchItem {
  /** The provider's descriptor of a connected (or listening) socket. */
  readonly s: Socket;
  /** Present: delivered with the socket through WSPReceiveDuplicate(s), as WSPDuplicateSocketWithMessage does. */
  readonly message?: Uint8Array;
}

/** The outcome of one item of `WSPDuplicateSocketBatch`: its protocol info, or why it stayed here. */
export type DuplicateBatchResult = { readonly protocolInfo: ProtocolInfo; readonly error?: undefined } | { readonly protocolInfo?: undefined; readonly error: WsaError };

/** A duplicated socket delivered with its protocol info: what `WSPReceiveDuplicate` returns. */
export interface DuplicateDelivery {
  /** The protocol info WSPDuplicateSocket returned in the source: import it with WSPSocket. */
  protocolInfo: ProtocolInfo;
  /** The source's message, as it was given. */
  message: Uint8Array;
  /** The process that duplicated the socket (from the kernel's SO_PEERCRED, not from the message). */
  sourcePid: number;
}

/** Options of a recv call. */
export interface RecvOptions {
  /** Largest number of bytes to return (default: whatever is available, up to 64 KiB). */
  maxBytes?: number;
  /** Cancels the wait: the call rejects with the signal's reason (an `AbortError` by default). */
  signal?: AbortSignal;
}

/**
 * The provider's procedure table (`WSPPROC_TABLE`). Descriptors here are the provider's own.
 * Every method throws `WsaError`; none throws `WSAEINPROGRESS` (SAN providers never do).
 */
export interface WspProcTable {
  /**
   * Creates a socket. With `af`, `type` and `protocol` all `FROM_PROTOCOL_INFO` (-1) and a protocol
   * info from WSPDuplicateSocket, returns a new descriptor for the shared underlying socket
   * (single use: `WSAEINVAL` the second time, from another process, expired, or forged).
   */
  WSPSocket(af: number, type: number, protocol: number, protocolInfo: ProtocolInfo | null, group: number, flags: number): Promise<Socket>;
  WSPBind(s: Socket, name: SockAddr): Promise<void>;
  WSPListen(s: Socket, backlog: number): Promise<void>;
  /** Waits for and returns a new connected socket; `signal` cancels the wait. */
  WSPAccept(s: Socket, options?: { signal?: AbortSignal }): Promise<Socket>;
  WSPConnect(s: Socket, name: SockAddr, options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<void>;
  /** Resolves with the number of bytes accepted once they are in the kernel (backpressure included). */
  WSPSend(s: Socket, data: Uint8Array): Promise<number>;
  /** Resolves with the bytes received; an empty array means the peer closed gracefully. */
  WSPRecv(s: Socket, options?: RecvOptions): Promise<Uint8Array>;
  WSPShutdown(s: Socket, how: number): Promise<void>;
  WSPSetSockOpt(s: Socket, level: number, optname: number, value: SockOptValue): void;
  WSPGetSockOpt(s: Socket, level: number, optname: number): SockOptValue;
  /** Local and remote addresses of a connected socket. */
  WSPGetSockName(s: Socket): SockAddr;
  WSPGetPeerName(s: Socket): SockAddr;
  /** Releases this descriptor; the underlying socket closes when its last descriptor in any process does. */
  WSPCloseSocket(s: Socket): Promise<void>;
  /** Duplicates `s` into process `dwProcessId` (0..0xFFFFFFFF) and returns the special protocol info. */
  WSPDuplicateSocket(s: Socket, dwProcessId: number): Promise<ProtocolInfo>;
  /** Stops the provider: closes its hand-off endpoint, pending imports and every socket it holds. */
  WSPCleanup(): Promise<void>;
}

/** The entry point a provider module exports by this name. */
export type WspStartup = (versionRequested: number, protocolInfo: ProtocolInfo, upcalls: WspUpcallTable, options?: Record<string, unknown>) => Promise<WspStartupResult>;
