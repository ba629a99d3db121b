/**
 * The target's side of the hand-off protocol (docs/provider.md): the provider's endpoint
 * `<runtimeDir>/<pid>.sock`, which receives the `Export`s that other providers' `ExportSender`s push
 * (each in a `SourceFrame`, with one socket's descriptor) and answers them with `ExportReply`s, and
 * tells each source with `ExportNotice`s how its exports ended (claimed or lapsed).
 *
 * A source keeps one channel (connection) per target, so the receiver serves a channel export after
 * export until the source closes it. Each export is checked (check-export.ts: the claims, and the
 * descriptor against them) and stored as a pending import; a refusal is a reply `STATUS_INVALID` (or
 * another status) with the reason, never a silent close, and every descriptor that came with it is
 * closed. An export sent without a credit is answered with its own reply, in order; one sent on an
 * export credit (docs/provider.md section 8) is answered only when the channel is down to a quarter of
 * its window, by one reply that tops the credits up (a refused credited export is always answered, and
 * lapses).
 *
 * The channel ends with every pending import it brought when this end closes it after a fault (the
 * source reads end-of-file and takes them back); when the source closes it or dies, they stay
 * claimable (a source may exit right after duplicating).
 */
import { statSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { WsaError } from '@sanshare/protocol-info';
import { closeQuietly, listen, SCM_MAX_FD, type SocketAddresses, type UdsConnection, type UdsListener, type UdsMessage } from '@sanshare/transport-uds';
import { claimProblem, describeArrived, descriptorProblem } from './check-export.js';
import { MAX_EXPORT_MESSAGE_BYTES } from './constants.js';
import { toWsaError } from './errors.js';
import { receiveBatch } from './export-batch-receiver.js';
import {
  decodeSourceFrameBody,
  encodeExportReply,
  encodeTargetBatchReply,
  encodeTargetReply,
  ExportStatus,
  isVersion1Export,
  type ExportMessage,
  type SourceFrameBody,
} from './export-codec.js';
import { NoticeWriter } from './notice-writer.js';
import { heldBytes, type PendingImports } from './pending-imports.js';

export interface ExportReceiverOptions {
  path: string;
  pending: PendingImports;
  /** True when this process can take `extra` more sockets besides those held (its configured limit, counting pending imports and credits). */
  hasRoom: (extra: number) => boolean;
  /** The most pending imports (`maxPendingExports`). */
  maxPending: number;
  /** Credits granted per channel (`exportCredits`; 0: none, every export waits for its reply). */
  creditWindow: number;
  handoffTimeoutMs: number;
}

/** What an incoming export is refused with: the status and a reason for the source's error message. */
class Refusal extends Error {
  constructor(readonly status: ExportStatus, message: string) {
    super(message);
  }
}

export class ExportReceiver {
  readonly #listener: UdsListener;
  readonly #options: ExportReceiverOptions;
  readonly #ino: number;
  /** Channels being served: closed with the endpoint, so no source hands a socket to a provider that stopped. */
  readonly #channels = new Set<UdsConnection>();
  #down: string | undefined;
  /**
   * Watches the socket file (inotify), so that `assertUp` stats it only after something happened
   * to it rather than on every duplication (a stat is a syscall, and syscalls are most of what a
   * hand-off costs). Undefined when the watch could not be set up: then every check stats.
   */
  #watcher: FSWatcher | undefined;
  /** Something happened to the socket file since the last check (or it was never checked). */
  #touched = true;
  /** Callers of `hold` not released yet. */
  #holders = 0;

  private constructor(listener: UdsListener, options: ExportReceiverOptions) {
    this.#listener = listener;
    this.#options = options;
    this.#ino = statSync(options.path).ino;
    this.#watcher = watchFile(
      options.path,
      () => {
        this.#touched = true;
      },
      () => {
        this.#watcher = undefined;
      },
    );
    listener.on('connection', (connection) => void this.#serve(connection));
    listener.on('close', () => {
      this.#down ??= 'its listener closed';
    });
    // The endpoint must not keep the process alive: the application's own work does.
    listener.unref();
  }

  /**
   * Listens on `path`. transport-uds replaces a stale socket file there (left by a dead process that
   * had this pid: nobody accepts on it) and never removes anything else: a live endpoint or a file
   * that is not a socket makes this fail with a `WsaError` that says what is there and what to do.
   */
  static async open(options: ExportReceiverOptions): Promise<ExportReceiver> {
    let listener: UdsListener;
    try {
      listener = await listen(options.path, {
        allowUids: 'same',
        maxMessageBytes: MAX_EXPORT_MESSAGE_BYTES,
        // Up to the kernel's most per message, so that an export with extra descriptors arrives
        // whole and is refused with a reply (each one closed), rather than ending the channel.
        maxFdsPerMessage: SCM_MAX_FD,
        // A target out of descriptors gets the message without its socket (MSG_CTRUNC) and answers
        // STATUS_NO_DESCRIPTORS on the same channel, rather than losing the channel.
        deliverTruncated: true,
      });
    } catch (error) {
      throw listenError(error, options.path);
    }
    return new ExportReceiver(listener, options);
  }

  /**
   * Throws `WSAENETDOWN` unless the endpoint can receive sockets: listening, and its socket file
   * still the one it made (a removed or replaced file means nobody can reach it). The file is
   * stat'ed when its watch saw something happen to it, so a removal is noticed once the event loop
   * has polled for I/O after it (not by a duplication in the same turn as the removal).
   */
  assertUp(): void {
    if (this.#down === undefined && (this.#touched || this.#watcher === undefined)) {
      this.#touched = false;
      let ino: number | undefined;
      try {
        ino = statSync(this.#options.path, { throwIfNoEntry: false })?.ino;
      } catch {
        ino = undefined;
      }
      if (ino !== this.#ino) {
        this.#down = 'its socket file was removed or replaced';
        void this.#listener.close().catch(() => {});
      }
    }
    if (this.#down === undefined && this.#listener.closed) this.#down = 'its listener closed';
    if (this.#down !== undefined) {
      throw new WsaError('WSAENETDOWN', `the provider's hand-off endpoint ${this.#options.path} is down: ${this.#down}`);
    }
  }

  /**
   * Keeps the process alive while the returned release function is not called (the endpoint is
   * unref'd otherwise): a caller waiting for a socket to arrive here waits as a pending accept does.
   */
  hold(): () => void {
    if (this.#holders++ === 0 && !this.#listener.closed) this.#listener.ref();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#holders === 0 && !this.#listener.closed) this.#listener.unref();
    };
  }

  async close(): Promise<void> {
    this.#down ??= 'the provider was cleaned up';
    this.#watcher?.close();
    this.#watcher = undefined;
    await this.#listener.close().catch(() => {});
    await Promise.all([...this.#channels].map((channel) => channel.close().catch(() => {})));
  }

  /** Serves one source's channel: export after export, until the source closes it. */
  async #serve(connection: UdsConnection): Promise<void> {
    // An idle channel must not keep this process alive.
    connection.unref();
    this.#channels.add(connection);
    /** Credits granted on this channel and not used yet. */
    const credits = new Set<number>();
    const notices = new NoticeWriter(connection, this.#options.handoffTimeoutMs, () => {
      // A notice the source did not take: it still thinks those exports may be claimed or lapse, and
      // nothing can tell it any more. End the channel and every import it brought: the source reads
      // end-of-file and takes them all back, and none can be claimed here.
      this.#options.pending.closeFrom(notices);
      void connection.close().catch(() => {});
    });
    let fault: Error | undefined;
    try {
      for (;;) {
        const message = await connection.receive();
        if (message === null) break;
        await this.#serveOne(connection, message, credits, notices);
      }
    } catch (error) {
      // The source closing or dying mid-message is its end going away; anything else is this end's fault.
      const code = (error as { code?: unknown } | null)?.code;
      if (code !== 'UDS_PEER_DIED' && code !== 'UDS_PEER_CLOSED') fault = error instanceof Error ? error : new Error(String(error));
    } finally {
      this.#channels.delete(connection);
      if (fault === undefined || this.#down !== undefined) {
        // The source closed or died (or this provider is cleaning up, which closes every import
        // itself): its pending imports stay claimable; a source may exit right after duplicating.
        notices.peerEnded();
      } else {
        notices.faulted(fault);
        this.#options.pending.closeFrom(notices);
      }
      // Its unused credits go back: an import naming one fails (WSAEINVAL) instead of waiting.
      for (const id of credits) this.#options.pending.unreserve(id);
      await connection.close().catch(() => {});
    }
  }

  /**
   * New credits for a channel, up to the window outstanding, and only while this process stays a
   * window's worth of slots clear of both limits: near a limit every export waits for its reply,
   * which answers WSAENOBUFS / WSAEMFILE exactly.
   */
  #grant(credits: Set<number>): number[] {
    const { pending, maxPending, hasRoom, creditWindow } = this.#options;
    const granted: number[] = [];
    while (credits.size < creditWindow && pending.held + 1 + creditWindow <= maxPending && hasRoom(1 + creditWindow)) {
      const id = pending.reserve();
      credits.add(id);
      granted.push(id);
    }
    return granted;
  }

  async #serveOne(connection: UdsConnection, message: UdsMessage, credits: Set<number>, notices: NoticeWriter): Promise<void> {
    let fds = message.fds;
    let exportId = 0;
    let credited = false;
    let reply: Uint8Array;
    /**
     * The exports this message stored that wait for this reply (a batch's, or one sent without a
     * credit): withheld from delivery until the reply is written, and closed if it cannot be (their
     * source gave up on them, or died, before it could learn they went).
     */
    let storedForReply: number[] = [];
    try {
      let body: SourceFrameBody;
      try {
        body = decodeSourceFrameBody(message.data);
      } catch (error) {
        const reason = error instanceof Error ? error.message : 'malformed';
        // A version-1 source reads bare ExportReply messages: tell it why, in its own format.
        if (isVersion1Export(message.data)) {
          for (const fd of fds) closeQuietly(fd);
          fds = [];
          const v1 = encodeExportReply({ exportId: 0, status: ExportStatus.INVALID, expiresAtMs: 0, message: reason });
          await connection.send(v1, [], { timeoutMs: this.#options.handoffTimeoutMs });
          return;
        }
        throw new Refusal(ExportStatus.INVALID, reason);
      }
      if (body.batch !== undefined) {
        if (body.batch.length === 0) throw new Refusal(ExportStatus.INVALID, `an ExportBatch carries 1 to ${SCM_MAX_FD} exports, this one none`);
        // receiveBatch closes every descriptor it does not store, whatever happens.
        fds = [];
        const context = { pending: this.#options.pending, hasRoom: this.#options.hasRoom, down: this.#down };
        const outcome = receiveBatch(context, message, body.batch, { pid: connection.peer.pid, notices });
        storedForReply = outcome.stored;
        reply = encodeTargetBatchReply(outcome.replies);
      } else {
        const decoded = body.export;
        if (decoded === undefined) throw new Refusal(ExportStatus.INVALID, 'the frame carries no Export (a message type this target does not know)');
        exportId = decoded.exportId;
        // A credit of this channel: its slot was reserved when it was granted.
        credited = credits.delete(exportId);
        if (this.#down !== undefined) throw new Refusal(ExportStatus.INVALID, `process ${process.pid} stopped receiving sockets: ${this.#down}`);
        const { fd, addresses } = this.#check(decoded, message, credited);
        const expiresAtMs = this.#options.pending.nextExpiry();
        // Sent without a credit, its source waits for this reply and takes the socket back if it gives
        // up first: as a batch's, it is delivered only once the reply is in the kernel. A credited one's
        // source has returned already: it is delivered at once.
        const awaitsReply = !credited;
        this.#options.pending.add(
          {
            exportId,
            fd,
            nonce: decoded.nonce,
            socketCookie: decoded.socketCookie,
            sourcePid: connection.peer.pid,
            expiresAtMs,
            socket: decoded.socket,
            options: decoded.options,
            readAhead: decoded.readAhead,
            // Already a copy (the codec shares no memory with the frame), seen as a Buffer without copying again.
            appMessage: decoded.appMessage === undefined ? undefined : Buffer.from(decoded.appMessage.buffer, decoded.appMessage.byteOffset, decoded.appMessage.length),
            notices,
            addresses,
          },
          awaitsReply,
        );
        if (awaitsReply) storedForReply = [exportId];
        fds = [];
        const wasCredit = credited;
        credited = false;
        // A credited export's source waits for no reply: answer it only to top the credits up, once
        // a quarter of the window is left (one reply per three quarters of a window, not one per
        // hand-off: each reply is a sendmsg here and a wake-up there, the costliest steps of a hand-off).
        if (wasCredit && credits.size > topUpAt(this.#options.creditWindow)) return;
        const granted = this.#grant(credits);
        reply = encodeTargetReply({
          exportId,
          status: ExportStatus.OK,
          expiresAtMs,
          message: '',
          ...(granted.length > 0 ? { grantedExportIds: granted, importTimeoutMs: this.#options.pending.importTimeoutMs } : {}),
        });
      }
    } catch (error) {
      const refusal = error instanceof Refusal ? error : refusalFor(error);
      reply = encodeTargetReply({ exportId, status: refusal.status, expiresAtMs: 0, message: refusal.message });
    } finally {
      for (const fd of fds) closeQuietly(fd);
      if (credited) {
        // A credited export refused: its slot goes back (an import waiting for it fails), and its
        // source, which returned without waiting, learns that it lapsed: the socket goes back to it.
        this.#options.pending.unreserve(exportId);
        notices.lapse(exportId);
      }
    }
    try {
      await connection.send(reply, [], { timeoutMs: this.#options.handoffTimeoutMs });
    } catch (error) {
      // Exports whose reply cannot reach the source (a batch's, or one sent without a credit): it
      // cannot learn that these went (it gave up on them and closed the channel, or died), so it keeps
      // or takes back their sockets, and none may be claimed or delivered here.
      this.#options.pending.discard(storedForReply);
      // The source closed its end or died (a source may exit right after duplicating, without waiting
      // for the reply that tops its credits up): exports it sent before are still queued on this
      // channel, and stay claimable as for any source that went away (section 2). Keep reading them
      // until end-of-file; stopping here would drop their sockets.
      const code = (error as { code?: unknown } | null)?.code;
      if (code !== 'UDS_PEER_CLOSED' && code !== 'UDS_PEER_DIED') throw error;
      return;
    }
    // The reply is in the kernel: the sockets that waited for it may be delivered now.
    this.#options.pending.deliver(storedForReply);
  }

  /** Checks an export against this process; returns the descriptor to keep (and its addresses, when read) or throws a `Refusal`. */
  #check(m: ExportMessage, message: UdsMessage, credited: boolean): { fd: number; addresses: SocketAddresses | undefined } {
    const claim = claimProblem(m, process.pid);
    if (claim !== undefined) throw new Refusal(ExportStatus.INVALID, claim);
    const { fds } = message;
    // The kernel dropped the descriptor(s) (MSG_CTRUNC): this process is at its RLIMIT_NOFILE.
    if (message.truncated === true) {
      throw new Refusal(ExportStatus.NO_DESCRIPTORS, `process ${process.pid} is out of file descriptors (RLIMIT_NOFILE): the kernel dropped the socket`);
    }
    const fd = fds[0];
    if (fds.length !== 1 || fd === undefined) throw new Refusal(ExportStatus.INVALID, `an Export carries exactly 1 descriptor, this one ${fds.length}`);
    const info = describeArrived(fds)[0];
    const descriptor = descriptorProblem(m, fd, info);
    if (descriptor !== undefined) throw new Refusal(ExportStatus.INVALID, descriptor);
    const checked = { fd, addresses: info?.addresses };
    // A credit's id and slots were reserved for it: only an export without one is checked here.
    if (credited) return checked;
    if (this.#options.pending.has(m.exportId)) throw new Refusal(ExportStatus.ID_IN_USE, `export id ${m.exportId} is pending`);
    if (this.#options.pending.isFull) {
      throw new Refusal(ExportStatus.NO_BUFFERS, `process ${process.pid} holds its maximum of unclaimed imports`);
    }
    if (!this.#options.pending.hasByteRoom(heldBytes(m))) {
      throw new Refusal(ExportStatus.NO_BUFFERS, `process ${process.pid} holds its maximum of read-ahead and message bytes in unclaimed imports (maxPendingBytes)`);
    }
    if (!this.#options.hasRoom(0)) {
      throw new Refusal(ExportStatus.NO_DESCRIPTORS, `process ${process.pid} has no socket descriptor left`);
    }
    return checked;
  }
}

/**
 * Watches `path` for removal, replacement or any change (`onEvent` on each; `onDead` once the watch
 * fails); undefined when inotify is not available (out of watches, say). Never keeps the process alive.
 */
function watchFile(path: string, onEvent: () => void, onDead: () => void): FSWatcher | undefined {
  let watcher: FSWatcher;
  try {
    watcher = watch(path, { persistent: false }, onEvent);
  } catch {
    return undefined;
  }
  watcher.on('error', () => {
    onEvent();
    onDead();
    watcher.close();
  });
  return watcher;
}

/**
 * Unused credits at or below which a credited export is answered (and the credits topped up): a
 * quarter of the window, rounded down, and at least 1 (`max(1, floor(window / 4))`: 2 for the default
 * window of 8).
 */
export function topUpAt(window: number): number {
  return Math.max(1, Math.floor(window / 4));
}

/** The error of an endpoint that cannot listen: what is at the path, and what to do (first line). */
function listenError(error: unknown, path: string): WsaError {
  const code = (error as { code?: unknown } | null)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  if (code === 'UDS_ADDRESS_IN_USE' && /not a socket/.test(detail)) {
    return new WsaError('WSAEADDRINUSE', `cannot listen on ${path}: a file that is not a socket is there (it is never removed); remove it yourself, or set the runtimeDir option to another directory`, { cause: error });
  }
  if (code === 'UDS_ADDRESS_IN_USE') {
    return new WsaError('WSAEADDRINUSE', `cannot listen on ${path}: another live provider listens there (a second WSPStartup in this process?); call WSPCleanup on the first one, or set the runtimeDir option to another directory`, { cause: error });
  }
  if (code === 'UDS_PERMISSION_DENIED') {
    return new WsaError('WSAEACCES', `cannot listen on ${path}: permission denied (EACCES); make ${dirname(path)} writable by uid ${String(process.getuid?.())}, or set XDG_RUNTIME_DIR or the runtimeDir option to a directory it can write`, { cause: error });
  }
  const mapped = toWsaError(error, 'listen', 'WSAENETDOWN');
  return new WsaError(mapped.code, `cannot listen on ${path}: ${detail}; check the runtime directory ${dirname(path)}, or set the runtimeDir option`, { cause: error });
}

function refusalFor(error: unknown): Refusal {
  const mapped = toWsaError(error, 'receiving the export', 'WSAEINVAL');
  const status = mapped.code === 'WSAEMFILE' ? ExportStatus.NO_DESCRIPTORS : mapped.code === 'WSAENOBUFS' ? ExportStatus.NO_BUFFERS : ExportStatus.INVALID;
  return new Refusal(status, mapped.message);
}
