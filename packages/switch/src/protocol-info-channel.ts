import { encodeProtocolInfo, type ProtocolInfo } from '@sanshare/protocol-info';
import { closeQuietly, connect, isUdsError, type PeerCredentials, type UdsConnection } from '@sanshare/transport-uds';
import { type ChannelOperationOptions, TIMEOUT_ADVICE, channelDeadline, timeoutOf } from './channel-operation-options.js';
import { PROTOCOL_INFO_CHANNEL_MAX_MESSAGE_BYTES, PROTOCOL_INFO_CHANNEL_MAX_QUEUED_INFOS } from './constants.js';
import { duplicationTargetOf } from './duplication-target.js';
import { decodeChannelFrame } from './decode-channel-frame.js';
import { SwitchError, isSwitchError } from './errors.js';
import { reasonOf } from './explain.js';
import { type ChannelMessage, encodeChannelMessage } from './protocol-info-channel-codec.js';

/** What to do about a peer that broke the protocol: the end of every `ERR_CHANNEL_PROTOCOL` and `ERR_CHANNEL_PEER_PID` of a channel. */
const DISTRUST = 'the channel is closed and what the peer sent is dropped: do not duplicate a socket for this peer (it is broken, or does not speak the protocol-info channel)';

/** Transport faults that are the peer's breach of the framing (not a plain disconnection). */
const FRAMING_FAULTS = ['UDS_FRAME_TOO_LARGE', 'UDS_MALFORMED_FRAME', 'UDS_VERSION_MISMATCH', 'UDS_TOO_MANY_FDS'] as const;

/**
 * One end of a protocol-info channel: the spec's "some IPC mechanism" that carries pids and protocol
 * infos between the applications of a hand-off (it carries no descriptor; the providers move the
 * socket). Both ends are alike: each can ask the other's pid, answers the other's pid requests by
 * itself (as long as the channel is open), and sends and receives protocol infos. A peer that lies
 * about its pid or sends anything malformed is cut off: the channel closes, every pending and later
 * call rejects with the error that closed it, and nothing it sent is kept.
 */
export interface ProtocolInfoChannel {
  /** The peer process as the kernel reports it (`SO_PEERCRED`), not as it claims. */
  readonly peer: PeerCredentials;
  /** True once closed, by either side or after a violation. */
  readonly closed: boolean;
  /**
   * Asks the peer for its pid (spec steps 2 and 4) and resolves with it once it equals the kernel's
   * `peer.pid`; a different answer rejects with `ERR_CHANNEL_PEER_PID` and closes the channel.
   */
  requestPeerPid(options?: ChannelOperationOptions): Promise<number>;
  /**
   * Sends a protocol info (spec steps 6 and 11), in its protobuf form. An info this process's
   * `WSADuplicateSocket` returned for another pid than the peer's is refused with
   * `ERR_CHANNEL_PEER_PID` before anything is sent (the channel stays open); an invalid one with
   * `WsaError` `WSAEINVAL`.
   */
  sendProtocolInfo(info: ProtocolInfo, options?: ChannelOperationOptions): Promise<void>;
  /**
   * Resolves with the next protocol info the peer sent (spec steps 7 and 13), in order. Infos sent
   * before the peer closed the channel are still returned; then it rejects with `ERR_CHANNEL_CLOSED`.
   */
  receiveProtocolInfo(options?: ChannelOperationOptions): Promise<ProtocolInfo>;
  /** Closes the channel (idempotent); pending calls reject with `ERR_CHANNEL_CLOSED`. */
  close(): Promise<void>;
}

/** Options of `connectProtocolInfoChannel`. */
export interface ConnectProtocolInfoChannelOptions extends ChannelOperationOptions, ChannelHooks {
  /** When given, the channel is refused (`ERR_CHANNEL_PEER_PID`) unless the kernel says the listener is this pid. */
  expectedPid?: number;
}

/** What a channel tells its application as it happens (for traces): each hook runs once per event; a throwing hook is ignored. */
export interface ChannelHooks {
  /** This end answered the peer's pid request (spec step 3): the reply is in the kernel, on its way to `peerPid`. */
  onPidRequestAnswered?: (peerPid: number) => void;
}

/**
 * The implementation of both ends (`connectProtocolInfoChannel`, and each connection a
 * `listenProtocolInfoChannel` server accepts): a read loop that answers pid requests, matches pid
 * replies to their requests and queues protocol infos, over one `@sanshare/transport-uds` connection.
 */
export class ChannelEnd implements ProtocolInfoChannel {
  readonly #conn: UdsConnection;
  readonly #pidWaiters = new Map<number, { resolve: (pid: number) => void; reject: (e: unknown) => void }>();
  /** Request ids whose caller gave up (timeout, abort): a late reply to one is ignored. */
  readonly #abandoned = new Set<number>();
  readonly #infos: ProtocolInfo[] = [];
  readonly #infoWaiters: { resolve: (info: ProtocolInfo) => void; reject: (e: unknown) => void }[] = [];
  #nextRequestId = 1;
  #failure: SwitchError | undefined;
  /** The transport connection's close, once started: `close()` resolves after it. */
  #closing: Promise<void> | undefined;
  #resumeReading: (() => void) | undefined;

  readonly #hooks: ChannelHooks;

  constructor(conn: UdsConnection, hooks: ChannelHooks = {}) {
    this.#conn = conn;
    this.#hooks = hooks;
    void this.#readLoop();
  }

  get peer(): PeerCredentials {
    return this.#conn.peer;
  }

  get closed(): boolean {
    return this.#failure !== undefined;
  }

  async #readLoop(): Promise<void> {
    for (;;) {
      if (this.#infos.length >= PROTOCOL_INFO_CHANNEL_MAX_QUEUED_INFOS) {
        await new Promise<void>((resolve) => (this.#resumeReading = resolve));
        if (this.closed) return;
      }
      let message: Awaited<ReturnType<UdsConnection['receive']>>;
      try {
        message = await this.#conn.receive();
      } catch (error) {
        await this.#fail(this.#receiveFailure(error));
        return;
      }
      if (this.closed) {
        if (message !== null) for (const fd of message.fds) closeQuietly(fd);
        return;
      }
      if (message === null) {
        // A clean close after sending is normal (spec step 11, then the peer is done): what it sent
        // before closing stays receivable.
        await this.#fail(
          new SwitchError(
            'ERR_CHANNEL_CLOSED',
            `the peer (pid ${this.peer.pid}) closed the protocol-info channel; what it sent before is still received; open a new channel to exchange more`,
          ),
          true,
        );
        return;
      }
      try {
        await this.#handle(message.data, message.fds);
      } catch (error) {
        await this.#fail(this.#violation(error));
        return;
      }
    }
  }

  /** The error that closes the channel when the transport's receive fails. */
  #receiveFailure(error: unknown): SwitchError {
    if (FRAMING_FAULTS.some((code) => isUdsError(error, code))) {
      return new SwitchError('ERR_CHANNEL_PROTOCOL', `the peer (pid ${this.peer.pid}) broke the transport's framing: ${reasonOf(error)}; ${DISTRUST}`, { cause: error });
    }
    return new SwitchError('ERR_CHANNEL_CLOSED', `the protocol-info channel to pid ${this.peer.pid} failed: ${reasonOf(error)}; it is closed: open a new one`, { cause: error });
  }

  /** The error that closes the channel for a message the peer should not have sent, worded for the application. */
  #violation(error: unknown): SwitchError {
    if (isSwitchError(error) && error.code !== 'ERR_CHANNEL_PROTOCOL') return error;
    const why = isSwitchError(error) ? error.message.slice(`${error.code}: `.length) : reasonOf(error);
    return new SwitchError('ERR_CHANNEL_PROTOCOL', `the peer (pid ${this.peer.pid}) sent ${why}; ${DISTRUST}`, { cause: error });
  }

  async #handle(data: Uint8Array, fds: number[]): Promise<void> {
    if (fds.length > 0) {
      // The channel never carries descriptors: close them at once so that none leaks.
      for (const fd of fds) closeQuietly(fd);
      throw new SwitchError('ERR_CHANNEL_PROTOCOL', `${fds.length} descriptor(s) with a frame (the protocol-info channel carries none; they were closed)`);
    }
    const message = decodeChannelFrame(data);
    switch (message.kind) {
      case 'pidRequest':
        try {
          await this.#conn.send(encodeChannelMessage({ kind: 'pidReply', requestId: message.requestId, pid: process.pid }));
        } catch (error) {
          throw this.#receiveFailure(error);
        }
        try {
          this.#hooks.onPidRequestAnswered?.(this.peer.pid);
        } catch {
          // A trace hook's failure is the application's, not the channel's.
        }
        return;
      case 'pidReply': {
        if (this.#abandoned.delete(message.requestId)) return;
        const waiter = this.#pidWaiters.get(message.requestId);
        if (waiter === undefined) throw new SwitchError('ERR_CHANNEL_PROTOCOL', `an answer to pid request ${message.requestId}, which was never asked`);
        if (message.pid !== this.peer.pid) {
          // Thrown with the waiter still registered: closing the channel rejects it with this error.
          throw new SwitchError('ERR_CHANNEL_PEER_PID', `the peer claims pid ${message.pid} but the kernel reports pid ${this.peer.pid} (SO_PEERCRED); ${DISTRUST}`);
        }
        this.#pidWaiters.delete(message.requestId);
        waiter.resolve(message.pid);
        return;
      }
      case 'protocolInfo': {
        const waiter = this.#infoWaiters.shift();
        if (waiter !== undefined) waiter.resolve(message.info);
        else this.#infos.push(message.info);
        return;
      }
    }
  }

  /**
   * Closes the channel because of `error`; every waiter rejects with it. Protocol infos already
   * received are dropped, unless `keepReceived` (the peer closed cleanly): a peer that broke the
   * protocol is not trusted with anything it sent.
   */
  async #fail(error: SwitchError, keepReceived = false): Promise<void> {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    if (!keepReceived) this.#infos.length = 0;
    for (const w of this.#pidWaiters.values()) w.reject(error);
    this.#pidWaiters.clear();
    for (const w of this.#infoWaiters.splice(0)) w.reject(error);
    this.#resumeReading?.();
    this.#closing = this.#conn.close().catch(() => undefined);
    await this.#closing;
  }

  #check(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }

  async #send(message: ChannelMessage, options: ChannelOperationOptions | undefined, what: string): Promise<void> {
    const timeoutMs = timeoutOf(options);
    try {
      await this.#conn.send(encodeChannelMessage(message), [], {
        ...(options?.signal === undefined ? {} : { signal: options.signal }),
        ...(Number.isFinite(timeoutMs) ? { timeoutMs } : {}),
      });
    } catch (error) {
      if (isUdsError(error, 'UDS_ABORTED') && options?.signal?.aborted) throw options.signal.reason;
      if (isUdsError(error, 'UDS_TIMEOUT')) {
        throw new SwitchError('ERR_CHANNEL_TIMEOUT', `${what} did not complete within ${timeoutMs} ms: the peer (pid ${this.peer.pid}) does not read; ${TIMEOUT_ADVICE}`, { cause: error });
      }
      throw this.#failure ?? new SwitchError('ERR_CHANNEL_CLOSED', `${what}: the protocol-info channel to pid ${this.peer.pid} is closed (${reasonOf(error)}); open a new one`, { cause: error });
    }
  }

  async requestPeerPid(options?: ChannelOperationOptions): Promise<number> {
    this.#check();
    const requestId = this.#nextRequestId;
    this.#nextRequestId = requestId >= 0xffffffff ? 1 : requestId + 1;
    const answer = channelDeadline<number>('requestPeerPid', options, (resolve, reject) => {
      this.#pidWaiters.set(requestId, { resolve, reject });
      return () => {
        if (this.#pidWaiters.delete(requestId)) this.#abandoned.add(requestId);
      };
    });
    // The answer is awaited even when sending fails, so that its rejection is never unhandled.
    answer.catch(() => undefined);
    try {
      await this.#send({ kind: 'pidRequest', requestId }, options, 'requestPeerPid');
    } catch (error) {
      const waiter = this.#pidWaiters.get(requestId);
      this.#pidWaiters.delete(requestId);
      waiter?.reject(error);
    }
    return answer;
  }

  async sendProtocolInfo(info: ProtocolInfo, options?: ChannelOperationOptions): Promise<void> {
    this.#check();
    const targetPid = duplicationTargetOf(info);
    if (targetPid !== undefined && targetPid !== this.peer.pid) {
      throw new SwitchError(
        'ERR_CHANNEL_PEER_PID',
        `sendProtocolInfo: the protocol info was duplicated for pid ${targetPid}, but this channel's peer is pid ${this.peer.pid}; send it over a channel to pid ${targetPid}, or duplicate the socket for pid ${this.peer.pid}`,
      );
    }
    await this.#send({ kind: 'protocolInfo', protocolInfo: encodeProtocolInfo(info) }, options, 'sendProtocolInfo');
  }

  receiveProtocolInfo(options?: ChannelOperationOptions): Promise<ProtocolInfo> {
    const queued = this.#infos.shift();
    if (queued !== undefined) {
      this.#wakeReader();
      return Promise.resolve(queued);
    }
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return channelDeadline<ProtocolInfo>('receiveProtocolInfo', options, (resolve, reject) => {
      const waiter = { resolve, reject };
      this.#infoWaiters.push(waiter);
      return () => {
        const at = this.#infoWaiters.indexOf(waiter);
        if (at >= 0) this.#infoWaiters.splice(at, 1);
      };
    });
  }

  #wakeReader(): void {
    const resume = this.#resumeReading;
    this.#resumeReading = undefined;
    resume?.();
  }

  /** Closes the channel; resolves once its socket is closed, also when the channel had already failed. */
  async close(): Promise<void> {
    await this.#fail(new SwitchError('ERR_CHANNEL_CLOSED', 'the protocol-info channel was closed by this process (close()); open a new one to exchange more'));
    await this.#closing;
  }
}

function unreachable(path: string, error: unknown): SwitchError | unknown {
  if (isSwitchError(error)) return error;
  if (isUdsError(error, 'UDS_TIMEOUT')) {
    return new SwitchError('ERR_CHANNEL_TIMEOUT', `connecting to the protocol-info channel at ${path} timed out: the listener does not accept; ${TIMEOUT_ADVICE}`, { cause: error });
  }
  if (isUdsError(error, 'UDS_ABORTED')) return (error as Error).cause ?? error;
  return new SwitchError(
    'ERR_CHANNEL_CLOSED',
    `cannot connect to the protocol-info channel at ${path}: ${reasonOf(error)}; start the listening side first (listenProtocolInfoChannel), or check the path and its permissions`,
    { cause: error },
  );
}

/**
 * Opens a protocol-info channel to the process listening at `path` (a Unix socket; see
 * `listenProtocolInfoChannel`). Rejects with `ERR_CHANNEL_CLOSED` (cause: the transport's error) when
 * nothing listens there, `ERR_CHANNEL_TIMEOUT`, or the signal's reason.
 */
export async function connectProtocolInfoChannel(path: string, options: ConnectProtocolInfoChannelOptions = {}): Promise<ProtocolInfoChannel> {
  const timeoutMs = timeoutOf(options);
  let conn: UdsConnection;
  try {
    conn = await connect(path, {
      maxMessageBytes: PROTOCOL_INFO_CHANNEL_MAX_MESSAGE_BYTES,
      maxFdsPerMessage: 1,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(Number.isFinite(timeoutMs) ? { timeoutMs } : {}),
    });
  } catch (error) {
    throw unreachable(path, error);
  }
  if (options.expectedPid !== undefined && conn.peer.pid !== options.expectedPid) {
    await conn.close().catch(() => undefined);
    throw new SwitchError(
      'ERR_CHANNEL_PEER_PID',
      `the protocol-info channel at ${path} belongs to pid ${conn.peer.pid}, not ${options.expectedPid} (SO_PEERCRED); the connection was closed: check which process listens at that path`,
    );
  }
  return new ChannelEnd(conn, options);
}

