import type { EventEmitter } from 'node:events';
import type { UdsError } from './errors.js';

/** The peer process as the kernel recorded it (`SO_PEERCRED`), not as the peer claims. */
export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

/**
 * One message: its bytes and the descriptors that travelled with it. The receiver owns `fds`
 * (already close-on-exec) and must close or adopt each one.
 */
export interface UdsMessage {
  data: Uint8Array;
  fds: number[];
  /**
   * Set when the kernel could not give this process every descriptor sent with the message
   * (`MSG_CTRUNC`: the process reached its `RLIMIT_NOFILE` while receiving, or a security module
   * refused one). `fds` then holds the descriptors that did arrive: the first `fds.length` of those
   * sent, in order; the kernel released the others. The bytes are complete and the connection stays
   * open, so the receiver can answer "out of descriptors" on it. Absent on a complete message.
   * Only on connections made with `deliverTruncated: true` (others end instead).
   */
  truncated?: true;
  /** With `truncated`: how many descriptors were lost (the sender attached `fds.length + droppedFds`). */
  droppedFds?: number;
}

/** Cancellation of one operation: an AbortSignal and/or a timeout in milliseconds. */
export interface OperationOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Limits of one connection (each side enforces its own on what it receives and sends). */
export interface ConnectionLimits {
  /** Largest message payload, default {@link DEFAULT_MAX_MESSAGE_BYTES} (1 MiB). */
  maxMessageBytes?: number;
  /**
   * Most descriptors per message, default {@link DEFAULT_MAX_FDS_PER_MESSAGE} (16), at most 253
   * ({@link SCM_MAX_FD}, the kernel's limit for one `SCM_RIGHTS` message).
   */
  maxFdsPerMessage?: number;
  /**
   * Received messages held before reading stops, default {@link DEFAULT_MAX_QUEUED_MESSAGES} (64).
   * When full, the kernel's queue fills next and then the sender waits: backpressure, no loss.
   */
  maxQueuedMessages?: number;
  /**
   * What happens when this process runs out of descriptors while receiving a message's descriptors
   * (`MSG_CTRUNC`: the kernel dropped some). `true`: the message is delivered with
   * {@link UdsMessage.truncated} and the descriptors that did arrive, and the connection stays
   * open, so that the receiver can tell its peer. `false` (default, for receivers that do not look
   * at `truncated`): the connection ends with `UDS_TOO_MANY_FDS`, closing what arrived.
   */
  deliverTruncated?: boolean;
}

/** Options of {@link listen}. */
export interface ListenOptions extends ConnectionLimits {
  /**
   * Peers allowed to connect, by `SO_PEERCRED` uid: `'same'` (default) is this process's effective
   * uid; a list names uids. Others are closed at accept and reported by a `rejected` event.
   */
  allowUids?: 'same' | readonly number[];
  /** Accepted connections held for `accept()` before accepting pauses (default 64). */
  maxPendingConnections?: number;
  /** Aborting closes the listener. */
  signal?: AbortSignal;
}

/** Options of {@link connect}. */
export interface ConnectOptions extends ConnectionLimits, OperationOptions {}

/** A connected, framed Unix-domain socket. See {@link connect} and {@link listen}. */
export interface UdsConnection extends EventEmitter, AsyncIterable<UdsMessage> {
  /** The peer process (`SO_PEERCRED`): the connecting process, or the one that listens. */
  readonly peer: PeerCredentials;
  /** True once the socket is closed: by `close()`, by the peer's close, or by a fault. */
  readonly closed: boolean;
  /**
   * Sends one message. Resolves once the whole message is in the kernel; waits (never drops,
   * never buffers without bound) while the peer is not reading. The kernel duplicates `fds` at
   * send time, so the caller keeps its own and must not close them before this resolves.
   * Messages go in call order. While the kernel refuses descriptors because this user has too many
   * in flight (`ETOOMANYREFS`, non-root only), the send waits and retries; past `timeoutMs` it
   * rejects with `UDS_TOO_MANY_IN_FLIGHT`, nothing of the message sent.
   */
  send(data: Uint8Array, fds?: readonly number[], options?: OperationOptions): Promise<void>;
  /**
   * The next message, in order; null once the peer closed cleanly and every message was read.
   * Rejects with UdsError on a fault (after the messages received before it), timeout or abort.
   */
  receive(options?: OperationOptions): Promise<UdsMessage | null>;
  /** Closes the socket and every descriptor of unread messages. Idempotent. */
  close(): Promise<void>;
  /** Lets the process exit while this connection is open (like `net.Socket#unref`). */
  unref(): this;
  ref(): this;
  /** Emitted once when the connection ends: with the UdsError of a fault, or nothing. */
  on(event: 'close', listener: (error?: UdsError) => void): this;
  once(event: 'close', listener: (error?: UdsError) => void): this;
  off(event: 'close', listener: (error?: UdsError) => void): this;
}

/** Why a connection was refused at accept. */
export interface RejectedPeer {
  peer: PeerCredentials;
  reason: UdsError;
}

/**
 * A listening socket. Each accepted connection is delivered exactly once: to the oldest pending
 * `accept()` (the async iterator is a loop of `accept()`), else to `connection` listeners if
 * there are any, else held (up to `maxPendingConnections`) for a later `accept()`.
 */
export interface UdsListener extends EventEmitter, AsyncIterable<UdsConnection> {
  /** The socket path. */
  readonly path: string;
  readonly closed: boolean;
  accept(options?: OperationOptions): Promise<UdsConnection>;
  /** Stops accepting, closes connections nobody took, unlinks the socket file. Idempotent. */
  close(): Promise<void>;
  unref(): this;
  ref(): this;
  on(event: 'connection', listener: (connection: UdsConnection) => void): this;
  on(event: 'rejected', listener: (info: RejectedPeer) => void): this;
  on(event: 'close', listener: () => void): this;
  /**
   * accept(2) failed for a reason other than a vanished peer (EMFILE, ENFILE, ENOBUFS...): the
   * waiting connection stays in the kernel's backlog and accepting resumes 100 ms later.
   */
  on(event: 'acceptError', listener: (error: UdsError) => void): this;
  off(event: 'connection', listener: (connection: UdsConnection) => void): this;
  off(event: 'rejected', listener: (info: RejectedPeer) => void): this;
  off(event: 'close', listener: () => void): this;
}
