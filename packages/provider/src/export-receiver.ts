/**
 * The target's side of the hand-off protocol (docs/provider.md): the provider's endpoint
 * `<runtimeDir>/<pid>.sock`, which receives the `Export` messages that other providers' `ExportSender`s
 * push (each with one socket's descriptor) and answers them with `ExportReply` messages.
 *
 * A source keeps one channel (connection) per target, so the receiver serves a channel export after
 * export until the source closes it. Each export is checked and stored as a pending import. An export
 * sent without a credit is answered with its own `ExportReply`, in order; one sent on an export credit
 * (docs/provider.md section 8) is answered only when the channel is down to a quarter of its window,
 * by one reply that tops the credits up (a refused credited export is always answered).
 */
import { rmSync, statSync, watch, type FSWatcher } from 'node:fs';
import { WsaError } from '@sanshare/protocol-info';
import { closeQuietly, getSocketCookie, listen, type UdsConnection, type UdsListener } from '@sanshare/transport-uds';
import { EXPORT_PROTOCOL_VERSION, MAX_EXPORT_MESSAGE_BYTES } from './constants.js';
import { toWsaError } from './errors.js';
import { decodeExport, encodeExportReply, ExportStatus, type ExportMessage } from './export-codec.js';
import type { PendingImports } from './pending-imports.js';

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

  /** Listens on `path`, replacing a stale socket file left by a dead process with the same pid. */
  static async open(options: ExportReceiverOptions): Promise<ExportReceiver> {
    rmSync(options.path, { force: true });
    try {
      const listener = await listen(options.path, {
        allowUids: 'same',
        maxMessageBytes: MAX_EXPORT_MESSAGE_BYTES,
        maxFdsPerMessage: 1,
      });
      return new ExportReceiver(listener, options);
    } catch (error) {
      throw toWsaError(error, `cannot listen on the hand-off endpoint ${options.path}`, 'WSAENETDOWN');
    }
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
    try {
      for (;;) {
        const message = await connection.receive();
        if (message === null) return;
        await this.#serveOne(connection, message.data, message.fds, credits);
      }
    } catch {
      // A broken channel: the source sees it fail and opens another.
    } finally {
      this.#channels.delete(connection);
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

  async #serveOne(connection: UdsConnection, data: Uint8Array, received: number[], credits: Set<number>): Promise<void> {
    let fds = received;
    let exportId = 0;
    let refund = 0;
    let reply: Uint8Array;
    try {
      let decoded: ExportMessage;
      try {
        decoded = decodeExport(data);
      } catch (error) {
        throw new Refusal(ExportStatus.INVALID, error instanceof Error ? error.message : 'malformed');
      }
      exportId = decoded.exportId;
      // A credit of this channel: its slot was reserved when it was granted.
      const credited = credits.delete(exportId);
      if (credited) refund = exportId;
      if (this.#down !== undefined) throw new Refusal(ExportStatus.INVALID, `process ${process.pid} stopped receiving sockets: ${this.#down}`);
      const fd = this.#check(decoded, fds, credited);
      const expiresAtMs = this.#options.pending.nextExpiry();
      this.#options.pending.add({
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
      });
      fds = [];
      refund = 0;
      // A credited export's source waits for no reply: answer it only to top the credits up, once
      // a quarter of the window is left (one reply per three quarters of a window, not one per
      // hand-off: each reply is a sendmsg here and a wake-up there, the costliest steps of a hand-off).
      if (credited && credits.size > Math.max(1, Math.floor(this.#options.creditWindow / 4))) return;
      const granted = this.#grant(credits);
      reply = encodeExportReply({
        exportId,
        status: ExportStatus.OK,
        expiresAtMs,
        message: '',
        ...(granted.length > 0 ? { grantedExportIds: granted, importTimeoutMs: this.#options.pending.importTimeoutMs } : {}),
      });
    } catch (error) {
      const refusal = error instanceof Refusal ? error : refusalFor(error);
      reply = encodeExportReply({ exportId, status: refusal.status, expiresAtMs: 0, message: refusal.message });
    } finally {
      for (const fd of fds) closeQuietly(fd);
      // A credited export refused: its slot goes back, and an import waiting for it fails.
      if (refund !== 0) this.#options.pending.unreserve(refund);
    }
    await connection.send(reply, [], { timeoutMs: this.#options.handoffTimeoutMs });
  }

  /** Checks an export against this process; returns the descriptor to keep or throws a `Refusal`. */
  #check(m: ExportMessage, fds: number[], credited: boolean): number {
    if (m.version !== EXPORT_PROTOCOL_VERSION) throw new Refusal(ExportStatus.INVALID, `unsupported version ${m.version}`);
    if (m.targetPid !== process.pid) {
      throw new Refusal(ExportStatus.INVALID, `export for process ${m.targetPid} reached process ${process.pid}`);
    }
    if (m.exportId === 0) throw new Refusal(ExportStatus.INVALID, 'export id 0');
    const fd = fds[0];
    if (fds.length !== 1 || fd === undefined) throw new Refusal(ExportStatus.INVALID, `expected 1 descriptor, got ${fds.length}`);
    let cookie: bigint;
    try {
      cookie = getSocketCookie(fd);
    } catch {
      throw new Refusal(ExportStatus.INVALID, 'the descriptor is not a socket');
    }
    if (cookie !== m.socketCookie) throw new Refusal(ExportStatus.INVALID, 'the descriptor is not the socket the message names');
    // A credit's id and slots were reserved for it: only an export without one is checked here.
    if (credited) return fd;
    if (this.#options.pending.has(m.exportId)) throw new Refusal(ExportStatus.ID_IN_USE, `export id ${m.exportId} is pending`);
    if (this.#options.pending.isFull) {
      throw new Refusal(ExportStatus.NO_BUFFERS, `process ${process.pid} holds its maximum of unclaimed imports`);
    }
    if (!this.#options.hasRoom(0)) {
      throw new Refusal(ExportStatus.NO_DESCRIPTORS, `process ${process.pid} has no socket descriptor left`);
    }
    return fd;
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

function refusalFor(error: unknown): Refusal {
  const mapped = toWsaError(error, 'receiving the export', 'WSAEINVAL');
  const status = mapped.code === 'WSAEMFILE' ? ExportStatus.NO_DESCRIPTORS : mapped.code === 'WSAENOBUFS' ? ExportStatus.NO_BUFFERS : ExportStatus.INVALID;
  return new Refusal(status, mapped.message);
}
