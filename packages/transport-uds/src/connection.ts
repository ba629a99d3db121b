import { EventEmitter } from 'node:events';
import { constants } from 'node:os';
import { ETOOMANYREFS, FLAG_CONTINUATION, FLAG_MORE, HEADER_BYTES, IN_FLIGHT_RETRY_MAX_MS, LINUX, RECORD_MAX_BYTES } from './constants.js';
import { armDeadline, withDeadline } from '@sanshare/internal';
import { checkOperation } from './check-operation.js';
import { expiryError, systemError, UdsError } from './errors.js';
import type { Expiry } from '@sanshare/internal';
import { FrameAssembler } from './frame-assembler.js';
import { encodeFrameHeader } from './frame-header.js';
import type { ResolvedLimits } from './limits.js';
import {
  POLL_DISCONNECT,
  POLL_READABLE,
  POLL_WRITABLE,
  RECV_CTRUNC,
  RECV_EOF,
  RECV_OVER_LIMIT,
  RECV_TRUNC,
  type NativeBinding,
  type NativePoller,
} from './load-binding.js';
import type { OperationOptions, PeerCredentials, UdsConnection, UdsMessage } from './types.js';

const EAGAIN = constants.errno.EAGAIN;
const EPIPE = constants.errno.EPIPE;
const ECONNRESET = constants.errno.ECONNRESET;
const EBADF = constants.errno.EBADF;
const CHUNK_MAX = RECORD_MAX_BYTES - HEADER_BYTES;

// One receive buffer for every connection: JavaScript runs one recvmsg at a time and the
// assembler copies each record out before the next.
let sharedRecvBuffer: Uint8Array | undefined;

interface PendingSend {
  readonly data: Uint8Array;
  readonly fds: Int32Array | null;
  offset: number;
  started: boolean;
  outcome: 'ok' | UdsError | undefined;
  resolve: () => void;
  reject: (error: UdsError) => void;
  disarm: () => void;
}

interface Waiter {
  resolve: (message: UdsMessage | null) => void;
  reject: (error: UdsError) => void;
}

type End = { kind: 'local' } | { kind: 'eof' } | { kind: 'fault'; error: UdsError };

function noop(): void {}

/**
 * One framed SOCK_SEQPACKET connection whose socket this object owns. Reading is driven by a
 * uv_poll_t: readable -> recvmsg until EAGAIN or until the bounded queue is full (then reading
 * stops, the kernel queue fills, and the peer's sends wait). Sends go straight to sendmsg; on
 * EAGAIN they queue in order and wait for writability.
 */
export class Connection extends EventEmitter implements UdsConnection {
  readonly peer: PeerCredentials;
  readonly #native: NativeBinding;
  readonly #fd: number;
  readonly #limits: ResolvedLimits;
  readonly #poller: NativePoller;
  readonly #assembler: FrameAssembler;
  readonly #meta: Int32Array;
  readonly #head = new Uint8Array(HEADER_BYTES);
  readonly #queue: UdsMessage[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #sends: PendingSend[] = [];
  #polling = 0;
  #writeBlocked = false;
  /** The next try of a send the kernel refused with ETOOMANYREFS (the queue waits on it, in order). */
  #inFlightRetry: NodeJS.Timeout | undefined;
  #inFlightDelay = 1;
  #refed = true;
  #peerGone = false;
  #reset = false;
  #end: End | undefined;

  constructor(native: NativeBinding, fd: number, peer: PeerCredentials, limits: ResolvedLimits) {
    super();
    this.#native = native;
    this.#fd = fd;
    this.peer = Object.freeze({ ...peer });
    this.#limits = limits;
    this.#assembler = new FrameAssembler(limits);
    this.#meta = new Int32Array(2 + limits.maxFdsPerMessage);
    this.#poller = new native.Poller(fd, (status, events) => this.#onPoll(status, events));
    this.#updatePoll();
  }

  get closed(): boolean {
    return this.#end !== undefined;
  }

  send(data: Uint8Array, fds: readonly number[] = [], options?: OperationOptions): Promise<void> {
    try {
      this.#checkSend(data, fds, options);
    } catch (error) {
      return Promise.reject(error);
    }
    const pending: PendingSend = {
      data,
      fds: fds.length > 0 ? Int32Array.from(fds) : null,
      offset: 0,
      started: false,
      outcome: undefined,
      resolve: noop,
      reject: noop,
      disarm: noop,
    };
    this.#sends.push(pending);
    if (this.#sends.length === 1) this.#flush();
    if (pending.outcome === 'ok') return Promise.resolve();
    if (pending.outcome !== undefined) return Promise.reject(pending.outcome);
    return new Promise<void>((resolve, reject) => {
      pending.resolve = resolve;
      pending.reject = reject;
      pending.disarm = armDeadline(options, (expiry) => {
        if (pending.outcome !== undefined) return;
        // The queue waits on ETOOMANYREFS (this message, or one before it): say that, not just "timeout".
        const error = this.#inFlightRetry !== undefined && expiry.timedOut ? inFlightError(expiry, this.#sends[0]) : expiryError(expiry, 'send');
        if (pending.started) {
          // Part of the message is in the kernel: the stream of records cannot be resumed
          // consistently, so the connection ends (the error says why).
          this.#fail(
            new UdsError(error.code, `${error.message}; the message was half sent, so the connection was closed`, {
              cause: error.cause,
            }),
          );
          return;
        }
        const at = this.#sends.indexOf(pending);
        this.#sends.splice(at, 1);
        pending.outcome = error;
        reject(error);
        if (at === 0 && this.#inFlightRetry !== undefined) {
          // The message the queue waited on is gone: the next one (perhaps without descriptors)
          // is tried now rather than after the backoff.
          this.#cancelInFlightRetry();
          this.#flush();
        }
        this.#updatePoll();
      });
      this.#updatePoll();
    });
  }

  receive(options?: OperationOptions): Promise<UdsMessage | null> {
    try {
      checkOperation(options, 'receive');
    } catch (error) {
      return Promise.reject(error);
    }
    const queued = this.#queue.shift();
    if (queued !== undefined) {
      this.#updatePoll();
      return Promise.resolve(queued);
    }
    const end = this.#end;
    if (end !== undefined) {
      if (end.kind === 'eof') return Promise.resolve(null);
      return Promise.reject(end.kind === 'fault' ? end.error : closedError('receive'));
    }
    return withDeadline<UdsMessage | null>(
      options,
      (resolve, reject) => {
        const waiter: Waiter = { resolve, reject };
        this.#waiters.push(waiter);
        // A receive whose deadline fired leaves the queue, so the next message goes to the next
        // receive instead of being lost.
        return () => {
          const at = this.#waiters.indexOf(waiter);
          if (at >= 0) this.#waiters.splice(at, 1);
        };
      },
      (expiry) => expiryError(expiry, 'receive'),
    );
  }

  async *[Symbol.asyncIterator](): AsyncIterator<UdsMessage> {
    for (;;) {
      const message = await this.receive();
      if (message === null) return;
      yield message;
    }
  }

  close(): Promise<void> {
    if (this.#end === undefined) this.#teardown({ kind: 'local' });
    // Unread messages die with the connection: their descriptors are closed.
    for (const message of this.#queue.splice(0)) this.#closeAll(message.fds);
    return Promise.resolve();
  }

  ref(): this {
    this.#refed = true;
    if (this.#end === undefined) this.#poller.ref();
    this.#inFlightRetry?.ref();
    return this;
  }

  unref(): this {
    this.#refed = false;
    if (this.#end === undefined) this.#poller.unref();
    this.#inFlightRetry?.unref();
    return this;
  }

  #checkSend(data: Uint8Array, fds: readonly number[], options: OperationOptions | undefined): void {
    if (!(data instanceof Uint8Array)) {
      throw new UdsError('UDS_INVALID_ARGUMENT', 'send: data must be a Uint8Array');
    }
    if (!Array.isArray(fds)) throw new UdsError('UDS_INVALID_ARGUMENT', 'send: fds must be an array of descriptors');
    checkOperation(options, 'send');
    const end = this.#end;
    if (end !== undefined) {
      if (end.kind === 'fault') throw end.error;
      if (end.kind === 'eof') throw peerClosedError();
      throw closedError('send');
    }
    if (this.#peerGone) throw peerClosedError();
    const { maxMessageBytes, maxFdsPerMessage } = this.#limits;
    if (data.length > maxMessageBytes) {
      throw new UdsError('UDS_FRAME_TOO_LARGE', `send: a ${data.length}-byte message; the limit is ${maxMessageBytes} bytes`);
    }
    if (fds.length > maxFdsPerMessage) {
      throw new UdsError('UDS_TOO_MANY_FDS', `send: ${fds.length} descriptors; the limit is ${maxFdsPerMessage} per message`);
    }
    for (const fd of fds) {
      // Whether it is open, sendmsg itself says (EBADF, nothing sent): no extra syscall here.
      if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fff_ffff) {
        throw new UdsError('UDS_BAD_DESCRIPTOR', `send: ${String(fd)} is not a descriptor number`);
      }
    }
  }

  #onPoll(status: number, events: number): void {
    if (this.#end !== undefined) return;
    if (status < 0) {
      // libuv reports POLLERR as UV_EBADF and stops the handle. The socket's pending error is
      // what matters: recvmsg returns it (ECONNRESET...) and then whatever is still queued.
      this.#polling = 0;
      this.#read();
      if (this.#end === undefined) {
        const pending = this.#socketError();
        if (pending !== 0 && pending !== constants.errno.ECONNRESET) {
          this.#fail(systemError(pending, 'recvmsg', 'receive'));
          return;
        }
        this.#updatePoll();
      }
      return;
    }
    if ((events & POLL_WRITABLE) !== 0) this.#flush();
    if ((events & (POLL_READABLE | POLL_DISCONNECT)) !== 0) this.#read();
    this.#updatePoll();
  }

  #read(): void {
    const native = this.#native;
    const meta = this.#meta;
    const maxFds = this.#limits.maxFdsPerMessage;
    const buffer = (sharedRecvBuffer ??= new Uint8Array(RECORD_MAX_BYTES));
    while (this.#end === undefined && this.#queue.length < this.#limits.maxQueuedMessages) {
      const n = native.recvmsg(this.#fd, buffer, meta, maxFds);
      if (n < 0) {
        if (-n === EAGAIN) return;
        if (-n === ECONNRESET) {
          // The peer closed with messages of ours unread. Records it sent before are still
          // queued here: keep reading them, and report the reset at the end.
          this.#reset = true;
          continue;
        }
        this.#fail(systemError(-n, 'recvmsg', 'receive'));
        return;
      }
      const count = meta[0] ?? 0;
      const flags = meta[1] ?? 0;
      const fds: number[] = [];
      for (let i = 0; i < count; i++) fds.push(meta[2 + i] ?? -1);
      if ((flags & RECV_EOF) !== 0) {
        if (this.#assembler.inProgress) {
          this.#fail(new UdsError('UDS_PEER_DIED', 'the peer closed the connection in the middle of a message'));
        } else if (this.#reset) {
          this.#fail(
            new UdsError('UDS_PEER_DIED', 'the peer closed the connection without reading what was sent to it (ECONNRESET)', {
              errno: ECONNRESET,
              syscall: 'recvmsg',
            }),
          );
        } else {
          this.#teardown({ kind: 'eof' });
        }
        return;
      }
      if ((flags & RECV_OVER_LIMIT) !== 0) {
        this.#closeAll(fds);
        this.#fail(new UdsError('UDS_TOO_MANY_FDS', `the peer sent more than ${maxFds} descriptors in one message (the limit of this connection)`));
        return;
      }
      if ((flags & RECV_TRUNC) !== 0) {
        this.#closeAll(fds);
        this.#fail(new UdsError('UDS_MALFORMED_FRAME', `a record longer than ${RECORD_MAX_BYTES} bytes (MSG_TRUNC)`));
        return;
      }
      let message: UdsMessage | null;
      try {
        // MSG_CTRUNC without more than the limit: this process is out of descriptors. A receiver
        // that asked for it gets the message with `truncated` (what arrived, in order) and keeps
        // the connection, so that it can say so to its peer; for the others it is a fault.
        message = this.#assembler.push(buffer.subarray(0, n), fds, (flags & RECV_CTRUNC) !== 0);
        if (message?.truncated === true && !this.#limits.deliverTruncated) {
          this.#closeAll(message.fds);
          this.#fail(outOfDescriptorsError(message));
          return;
        }
      } catch (error) {
        this.#closeAll(fds);
        this.#fail(error instanceof UdsError ? error : new UdsError('UDS_MALFORMED_FRAME', String(error), { cause: error }));
        return;
      }
      if (message !== null && this.#deliver(message)) {
        // Someone was waiting and now has work: return to the event loop instead of paying a
        // recvmsg that would most likely say EAGAIN (level-triggered polling reports any rest).
        return;
      }
    }
  }

  #socketError(): number {
    try {
      return this.#native.getSockOptInt(this.#fd, LINUX.SOL_SOCKET, LINUX.SO_ERROR);
    } catch {
      return 0;
    }
  }

  /** Hands a message to the oldest waiting receive(), else queues it; true when a waiter took it. */
  #deliver(message: UdsMessage): boolean {
    const waiter = this.#waiters.shift();
    if (waiter === undefined) {
      this.#queue.push(message);
      return false;
    }
    waiter.resolve(message);
    return true;
  }

  #flush(): void {
    // Waiting out ETOOMANYREFS: only the retry timer tries again (the socket is writable, so a
    // writability poll would spin).
    if (this.#inFlightRetry !== undefined) return;
    const native = this.#native;
    const head = this.#head;
    sending: while (this.#end === undefined) {
      const s = this.#sends[0];
      if (s === undefined) break;
      const total = s.data.length;
      do {
        const chunk = Math.min(CHUNK_MAX, total - s.offset);
        const first = s.offset === 0;
        const more = s.offset + chunk < total;
        const nfds = first && s.fds !== null ? s.fds.length : 0;
        encodeFrameHeader(head, {
          flags: (more ? FLAG_MORE : 0) | (first ? 0 : FLAG_CONTINUATION),
          fdCount: nfds,
          messageLength: total,
          chunkOffset: s.offset,
        });
        const n = native.sendmsg(this.#fd, head, s.data, s.offset, chunk, nfds > 0 ? s.fds : null, nfds);
        if (n < 0) {
          if (-n === EAGAIN) {
            this.#writeBlocked = true;
            return;
          }
          if (-n === EBADF && nfds > 0) {
            // One of the caller's descriptors is not open: nothing was sent, the connection is fine.
            this.#sends.shift();
            const error = new UdsError('UDS_BAD_DESCRIPTOR', `send: one of the descriptors [${Array.from(s.fds ?? []).join(', ')}] is not open`, {
              errno: EBADF,
              syscall: 'sendmsg',
            });
            s.outcome = error;
            s.disarm();
            s.reject(error);
            continue sending;
          }
          if (-n === ETOOMANYREFS && nfds > 0) {
            // Nothing of the message was sent (the kernel checks before queuing a byte): it stays
            // first in the queue, everything after it waits behind it, and it is tried again once
            // the receivers have had time to take descriptors. Its deadline, if any, still runs.
            this.#writeBlocked = false;
            this.#retryInFlight();
            return;
          }
          if (-n === EPIPE || -n === ECONNRESET) {
            // The peer closed its end (ECONNRESET: with what we sent it unread): what it sent
            // before may still wait in our receive queue, so reading goes on; only sending is over.
            this.#peerGone = true;
            this.#rejectSends(peerClosedError());
            return;
          }
          this.#fail(systemError(-n, 'sendmsg', 'send'));
          return;
        }
        s.offset += chunk;
        s.started = true;
        this.#inFlightDelay = 1;
      } while (s.offset < total);
      this.#sends.shift();
      s.outcome = 'ok';
      s.disarm();
      s.resolve();
    }
    this.#writeBlocked = false;
  }

  #retryInFlight(): void {
    const delay = this.#inFlightDelay;
    this.#inFlightDelay = Math.min(delay * 2, IN_FLIGHT_RETRY_MAX_MS);
    this.#inFlightRetry = setTimeout(() => {
      this.#inFlightRetry = undefined;
      this.#flush();
      this.#updatePoll();
    }, delay);
    if (!this.#refed) this.#inFlightRetry.unref();
  }

  #cancelInFlightRetry(): void {
    clearTimeout(this.#inFlightRetry);
    this.#inFlightRetry = undefined;
  }

  #updatePoll(): void {
    if (this.#end !== undefined) return;
    let want = 0;
    if (this.#queue.length < this.#limits.maxQueuedMessages) want |= POLL_READABLE;
    if (this.#writeBlocked && this.#sends.length > 0) want |= POLL_WRITABLE;
    if (want === this.#polling) return;
    this.#polling = want;
    if (want === 0) this.#poller.stop();
    else this.#poller.start(want);
  }

  #fail(error: UdsError): void {
    if (this.#end === undefined) this.#teardown({ kind: 'fault', error });
  }

  #rejectSends(error: UdsError): void {
    for (const s of this.#sends.splice(0)) {
      s.outcome = error;
      s.disarm();
      s.reject(error);
    }
    this.#writeBlocked = false;
  }

  #teardown(end: End): void {
    this.#end = end;
    this.#cancelInFlightRetry();
    this.#poller.close();
    try {
      this.#native.closeFd(this.#fd);
    } catch {
      // Already gone (EBADF): nothing left to release.
    }
    this.#closeAll(this.#assembler.abandon());
    this.#rejectSends(end.kind === 'fault' ? end.error : end.kind === 'eof' ? peerClosedError() : closedError('send'));
    if (this.#queue.length === 0 || end.kind === 'local') {
      for (const waiter of this.#waiters.splice(0)) {
        if (end.kind === 'eof') waiter.resolve(null);
        else waiter.reject(end.kind === 'fault' ? end.error : closedError('receive'));
      }
    }
    this.emit('close', ...(end.kind === 'fault' ? [end.error] : []));
  }

  #closeAll(fds: readonly number[]): void {
    for (const fd of fds) {
      try {
        this.#native.closeFd(fd);
      } catch {
        // EBADF: the owner closed it already.
      }
    }
  }
}

/** A message cut short by MSG_CTRUNC, on a connection that does not deliver such messages. */
function outOfDescriptorsError(message: UdsMessage): UdsError {
  const dropped = message.droppedFds ?? 0;
  return new UdsError(
    'UDS_TOO_MANY_FDS',
    `receive: this process ran out of descriptors while receiving a message: the kernel dropped ${dropped} of its ` +
      `${dropped + message.fds.length} descriptor(s) (MSG_CTRUNC), so the connection was closed; free descriptors or raise ` +
      "RLIMIT_NOFILE, or pass deliverTruncated: true to receive such messages (with 'truncated') and keep the connection",
  );
}

/** The deadline of a send passed while the kernel refused the descriptors of the queue's first message. */
function inFlightError(expiry: Expiry & { timedOut: true }, held: PendingSend | undefined): UdsError {
  const count = held?.fds?.length ?? 0;
  return new UdsError(
    'UDS_TOO_MANY_IN_FLIGHT',
    `send: timed out after ${expiry.timeoutMs} ms: the kernel refused to pass ${count} more descriptor(s) (ETOOMANYREFS), ` +
      'because this user already has more descriptors in flight (sent over Unix sockets, not yet received) than its ' +
      'open-file limit (RLIMIT_NOFILE); wait for the receivers to take theirs (a longer timeoutMs), send fewer at a time, ' +
      "or raise the sending process's RLIMIT_NOFILE. Nothing of this message was sent.",
    { errno: ETOOMANYREFS, syscall: 'sendmsg', cause: expiryError(expiry, 'send') },
  );
}

function closedError(what: string): UdsError {
  return new UdsError('UDS_CLOSED', `${what}: the connection is closed`);
}

function peerClosedError(): UdsError {
  return new UdsError('UDS_PEER_CLOSED', 'send: the peer has closed the connection');
}
