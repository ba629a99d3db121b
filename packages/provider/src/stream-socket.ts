/**
 * The I/O side of one provider socket: a `net.Socket` over the kernel socket, read on demand
 * (WSPRecv). The bytes it read and WSPRecv did not return yet (the read-ahead: its stream buffer,
 * at most about one high-water mark) are drained when a hand-off stops it and travel with the
 * socket, so no received byte is stranded in this process.
 */
import type net from 'node:net';
import { withDeadline, type Expiry } from '@sanshare/internal';
import { WsaError } from '@sanshare/protocol-info';
import { closeFd, stopReading } from '@sanshare/transport-uds';
import { descriptorOf } from './descriptor-of.js';
import { pick, toWsaError } from './errors.js';
import { wrapDescriptor } from './wrap-descriptor.js';

const EMPTY = new Uint8Array(0);

/** Thrown into WSPRecv calls that were waiting when their socket was handed off. */
function handedOffError(): WsaError {
  return new WsaError('WSAEINVAL', 'the socket was handed off by WSPDuplicateSocket while this call waited');
}

/** The emulated SO_RCVTIMEO passed, or the caller aborted (then: their own reason, as is). */
function recvExpired(expiry: Expiry): unknown {
  if (!expiry.timedOut) return expiry.reason;
  return new WsaError(pick(['WSAETIMEDOUT'], 'WSAEWOULDBLOCK'), `no data within SO_RCVTIMEO (${expiry.timeoutMs} ms)`);
}

/** The emulated SO_SNDTIMEO (`timeoutMs`) passed before the kernel took the bytes. */
function sendTimedOut(timeoutMs: number): WsaError {
  return new WsaError(
    pick(['WSAETIMEDOUT'], 'WSAEWOULDBLOCK'),
    `the bytes did not reach the kernel within SO_SNDTIMEO (${timeoutMs} ms); they stay queued and may still be sent`,
  );
}

export interface RecvWaitOptions {
  signal?: AbortSignal | undefined;
  /** The emulated SO_RCVTIMEO, in ms (0 = none). */
  timeoutMs?: number | undefined;
}

export class StreamSocket {
  /** Made on first use: an imported socket that is only handed on again never pays for a `net.Socket`. */
  #socket: net.Socket | undefined;
  /** The owned descriptor while no `net.Socket` wraps it yet, and the read-ahead that came with it. */
  #rawFd: number | undefined;
  #rawReadAhead: Buffer | undefined;
  /** The read-ahead drained by a hand-off, kept until it commits (dropped) or fails (put back). */
  readonly #queue: Buffer[] = [];
  /** The hand-off order of each `#queue` entry given back (`giveBack`); drained bytes are the newest. */
  readonly #queueOrder: number[] = [];
  #eof = false;
  #failure: Error | undefined;
  #stopped = false;
  #closed = false;
  #sendShutdown = false;
  #recvShutdown = false;
  #generation = 0;
  readonly #waiters = new Set<() => void>();
  readonly #inflight = new Set<Promise<unknown>>();

  readonly #wake = (): void => {
    for (const waiter of [...this.#waiters]) waiter();
  };
  readonly #onEnd = (): void => {
    this.#eof = true;
    this.#wake();
  };
  readonly #onError = (error: Error): void => {
    this.#failure ??= error;
    this.#wake();
  };

  /** Over a connected `net.Socket`, or over a descriptor this object now owns (wrapped when first used). */
  constructor(source: net.Socket | number, readAhead?: Uint8Array) {
    const ahead = readAhead !== undefined && readAhead.length > 0 ? Buffer.from(readAhead) : undefined;
    if (typeof source === 'number') {
      this.#rawFd = source;
      this.#rawReadAhead = ahead;
      return;
    }
    this.#socket = source;
    // Into the stream's own buffer, not beside it: what is buffered counts against the high-water
    // mark, so libuv reads no more until WSPRecv drains it, and the read-ahead of the next hand-off
    // stays bounded (about one high-water mark) however many hand-offs a slow reader goes through.
    if (ahead !== undefined) source.unshift(ahead);
    this.#attach(source);
  }

  /** The `net.Socket`, made now if this socket was imported and not used yet. */
  #ensure(): net.Socket {
    if (this.#socket !== undefined) return this.#socket;
    if (this.#rawFd === undefined) throw new WsaError('WSAENOTSOCK', 'the descriptor was closed');
    const socket = wrapDescriptor(this.#rawFd);
    this.#rawFd = undefined;
    if (this.#rawReadAhead !== undefined) socket.unshift(this.#rawReadAhead);
    this.#rawReadAhead = undefined;
    this.#socket = socket;
    this.#attach(socket);
    return socket;
  }

  #attach(socket: net.Socket): void {
    socket.allowHalfOpen = true;
    socket.on('readable', this.#wake);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#wake);
  }

  #detach(socket: net.Socket): void {
    socket.off('readable', this.#wake);
    socket.off('end', this.#onEnd);
    socket.off('close', this.#wake);
    // The error listener stays: a late error on a socket being closed must not crash the process.
  }

  get socket(): net.Socket {
    return this.#ensure();
  }

  /** False while the socket is a raw descriptor no `net.Socket` wraps yet (imported and not used). */
  get wrapped(): boolean {
    return this.#socket !== undefined;
  }

  /** True after a hand-off stopped the reads (until `resume`). */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** The kernel descriptor; `WSAENOTCONN` once the socket is closed (never a stale, reused number). */
  get fd(): number {
    if (this.#socket === undefined && this.#rawFd !== undefined) return this.#rawFd;
    const fd = this.#socket === undefined ? undefined : descriptorOf(this.#socket);
    if (fd === undefined) {
      throw this.#failure !== undefined
        ? toWsaError(this.#failure, 'the connection failed', 'WSAECONNRESET')
        : new WsaError('WSAENOTCONN', 'the socket is closed');
    }
    return fd;
  }

  /** Returns up to `maxBytes` bytes, the read-ahead first; an empty array at the peer's FIN. */
  async recv(maxBytes: number, options: RecvWaitOptions = {}): Promise<Uint8Array> {
    const generation = this.#generation;
    for (;;) {
      if (this.#closed) throw new WsaError('WSAENOTSOCK', 'the descriptor was closed');
      if (this.#recvShutdown) throw new WsaError('WSAESHUTDOWN', 'receiving was shut down (SD_RECEIVE)');
      // Checked first: while stopped, the read-ahead is on its way to another process.
      if (generation !== this.#generation || this.#stopped) throw handedOffError();
      const socket = this.#ensure();
      const available = socket.readableLength;
      // read(n) with n <= what is buffered returns exactly n bytes (a slice when one chunk holds them);
      // read() when nothing is buffered asks for more and notices the end of the stream.
      const chunk = (available > 0 ? socket.read(Math.min(available, maxBytes)) : socket.read()) as Buffer | null;
      if (chunk !== null) return chunk;
      if (this.#eof || socket.readableEnded) return EMPTY;
      if (this.#failure !== undefined) throw toWsaError(this.#failure, 'recv', 'WSAECONNRESET');
      if (socket.destroyed) throw new WsaError('WSAENOTCONN', 'the socket is closed');
      await this.#waitForData(options);
    }
  }

  /** Waits for the socket to change (data, end, error, close, a hand-off), SO_RCVTIMEO to pass, or `signal`. */
  #waitForData({ signal, timeoutMs }: RecvWaitOptions): Promise<void> {
    return withDeadline<void>(
      // SO_RCVTIMEO 0 means no timeout.
      { signal, timeoutMs: timeoutMs !== undefined && timeoutMs > 0 ? timeoutMs : undefined },
      (resolve) => {
        const done = (): void => {
          this.#waiters.delete(done);
          resolve();
        };
        this.#waiters.add(done);
        return () => this.#waiters.delete(done);
      },
      recvExpired,
    );
  }

  /**
   * Writes `data`; resolves with `data.length` once every byte is in the kernel. With `timeoutMs`
   * (the emulated SO_SNDTIMEO, 0 = none), fails with WSAETIMEDOUT when they are not there in time.
   * As after a Winsock send timeout, the socket's state is then indeterminate: the bytes stay
   * queued and may still go out (a hand-off or close still waits for them), the caller cannot tell
   * how many did.
   *
   * Node writes to the kernel at once when the stream's queue is empty, and its `writableLength`
   * is then 0 again before `write` returns: those bytes are in the kernel already, so the call
   * returns without waiting for the write callback (a promise and an event-loop turn per call, a
   * third of upload throughput). Only bytes left queued (the kernel's send buffer is full) make it
   * wait for the callback, which is also where a plain `net.Socket` writer waits (`write` returns
   * false, then 'drain').
   */
  async send(data: Uint8Array, timeoutMs = 0): Promise<number> {
    if (this.#sendShutdown) throw new WsaError('WSAESHUTDOWN', 'sending was shut down (SD_SEND)');
    if (this.#failure !== undefined) throw toWsaError(this.#failure, 'send', 'WSAECONNRESET');
    const socket = this.#ensure();
    if (socket.destroyed) throw new WsaError('WSAENOTCONN', 'the socket is closed');
    if (data.length === 0) return 0;
    let settle: ((error: Error | null | undefined) => void) | undefined;
    socket.write(data, (error) => {
      if (error) this.#failure ??= error;
      settle?.(error);
    });
    if (socket.writableLength === 0 && this.#inflight.size === 0) return data.length;
    const written = new Promise<void>((resolve, reject) => {
      settle = (error) => (error ? reject(toWsaError(error, 'send', 'WSAECONNRESET')) : resolve());
    });
    // In flight until written or failed, even after a timeout: flush (hand-off, close) waits for it.
    this.#inflight.add(written);
    const forget = (): void => {
      this.#inflight.delete(written);
    };
    written.then(forget, forget);
    if (timeoutMs > 0) await withDeadline<void>({ timeoutMs }, (resolve, reject) => void written.then(resolve, reject), () => sendTimedOut(timeoutMs));
    else await written;
    return data.length;
  }

  /** Waits until every write accepted so far has reached the kernel (or failed). */
  async flush(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  /**
   * Stops reading for a hand-off and flushes the writes; returns the read-ahead (bytes read from
   * the kernel that no WSPRecv returned yet). WSPRecv calls waiting now fail; the queue is kept
   * until `commitHandoff` (success) or `resume` (failure).
   */
  async stopForHandoff(): Promise<Buffer> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#generation++;
      if (this.#socket !== undefined) {
        this.#socket.off('readable', this.#wake);
        // transport-uds's stopReading, the one way sanshare stops a socket for real (pause, no-op
        // `_read`, `readStop`, drain); it returns the drained bytes as one buffer, empty when none.
        const drained = stopReading(this.#socket);
        if (drained.length > 0) this.#pushQueue(drained);
      } else if (this.#rawReadAhead !== undefined) {
        // Never wrapped: nothing read it; its read-ahead is still the one it arrived with.
        this.#pushQueue(this.#rawReadAhead);
        this.#rawReadAhead = undefined;
      }
      this.#wake();
    }
    // Only when writes are in flight: awaiting nothing still costs a turn of the microtask queue.
    if (this.#inflight.size > 0) await this.flush();
    return this.#queue.length === 1 ? (this.#queue[0] as Buffer) : Buffer.concat(this.#queue);
  }

  #pushQueue(bytes: Buffer): void {
    this.#queue.push(bytes);
    this.#queueOrder.push(Number.POSITIVE_INFINITY);
  }

  /**
   * Gives up the raw descriptor of a socket no `net.Socket` wraps (imported or adopted, never used):
   * from now on it is the caller's, and `close` leaves it open. `undefined` when a `net.Socket` owns
   * the descriptor (the caller duplicates it instead). WSPDetachDescriptor of a socket that only
   * passes through this process so costs no `dup` and no `close`.
   */
  releaseDescriptor(): number | undefined {
    if (this.#socket !== undefined || this.#rawFd === undefined || this.#inflight.size > 0) return undefined;
    const fd = this.#rawFd;
    this.#rawFd = undefined;
    return fd;
  }

  /**
   * The read-ahead left with the hand-off: forget it here (the caller keeps it until the export is
   * claimed or lapses, see `giveBack`). The socket stays stopped.
   */
  commitHandoff(): void {
    this.#queue.length = 0;
    this.#queueOrder.length = 0;
  }

  /**
   * A hand-off that lapsed (never imported) returns its read-ahead: it goes back in front of what
   * the socket reads next, in hand-off order (`order`: the lower, the earlier), so that nothing is lost
   * or reordered. While the socket is stopped it waits in the queue for `resume`; a socket that was
   * used again meanwhile (the switch did not lock it) gets it back in front of its stream buffer.
   */
  giveBack(bytes: Uint8Array, order: number): void {
    if (bytes.length === 0 || this.#closed) return;
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    if (this.#stopped) {
      let at = 0;
      while (at < this.#queueOrder.length && (this.#queueOrder[at] as number) < order) at++;
      this.#queue.splice(at, 0, buffer);
      this.#queueOrder.splice(at, 0, order);
    } else if (this.#socket !== undefined) {
      this.#socket.unshift(buffer);
      this.#wake();
    } else {
      this.#rawReadAhead = this.#rawReadAhead === undefined ? buffer : Buffer.concat([buffer, this.#rawReadAhead]);
    }
  }

  /**
   * Reads again after a hand-off (a failed one, or I/O on a handed-off descriptor). A stopped
   * `net.Socket` cannot be restarted cleanly, so a fresh one wraps a duplicate of the descriptor
   * and the old one is destroyed (closing only its own descriptor: no FIN).
   */
  resume(rewrap: (fd: number) => net.Socket): void {
    if (!this.#stopped) return;
    if (this.#socket === undefined) {
      this.#stopped = false;
      if (this.#queue.length > 0) this.#rawReadAhead = Buffer.concat(this.#queue.splice(0));
      this.#queueOrder.length = 0;
      return;
    }
    const fresh = rewrap(this.fd);
    const old = this.#socket;
    this.#detach(old);
    old.destroy();
    // The read-ahead goes back in front of the stream, where it counts against the high-water mark.
    if (this.#queue.length > 0) fresh.unshift(Buffer.concat(this.#queue.splice(0)));
    this.#queueOrder.length = 0;
    this.#socket = fresh;
    this.#stopped = false;
    this.#eof = false;
    this.#attach(fresh);
  }

  /** SD_SEND: flushes, then sends FIN (`shutdown(SHUT_WR)`), for every duplicate: it is the kernel socket's state. */
  async shutdownSend(): Promise<void> {
    if (this.#sendShutdown) return;
    this.#sendShutdown = true;
    await this.flush();
    const socket = this.#ensure();
    if (socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.end(() => resolve());
      // 'close' also ends the wait if the socket dies before 'finish'.
      socket.once('close', () => resolve());
    });
  }

  /** SD_RECEIVE: later WSPRecv calls fail with WSAESHUTDOWN (kept by this descriptor). */
  shutdownReceive(): void {
    this.#recvShutdown = true;
    this.#wake();
  }

  /** Closes this descriptor only: flushes accepted writes, then destroys the socket (no FIN while duplicates live). */
  async close(): Promise<void> {
    if (this.#inflight.size > 0) await this.flush();
    this.#closed = true;
    if (this.#socket !== undefined) {
      this.#detach(this.#socket);
      this.#socket.destroy();
    } else if (this.#rawFd !== undefined) {
      const fd = this.#rawFd;
      this.#rawFd = undefined;
      this.#rawReadAhead = undefined;
      closeFd(fd);
    }
    this.#wake();
  }
}
