/**
 * The source's side of the hand-off protocol (docs/provider.md): pushes a socket's descriptor to the
 * target's endpoint (its `ExportReceiver`) with an `Export` in a `SourceFrame`, over a channel kept
 * open per target pid and checked once with SO_PEERCRED (the pid the caller named, this user).
 *
 * An export either waits for its own `ExportReply` (the target's verdict: a pending import, or why
 * not), or, when the channel holds an export credit and nothing was read ahead, is sent on the
 * credit and returns once the descriptor is in the kernel (docs/provider.md section 8): the target
 * then answers several credited exports with one reply that grants new credits. Frames from the
 * target are read by one loop per channel: replies are matched to waiting exports by `export_id`,
 * and `ExportNotice`s settle the exports that went through (outstanding: sent, not yet claimed or
 * lapsed), each once, through the request's `settle`. A channel that ends from the target's side
 * (end-of-file, a fault) settles every export still outstanding on it as lapsed: nobody can claim
 * them any more.
 */
import { WsaError } from '@sanshare/protocol-info';
import { closeQuietly, connect, type UdsConnection } from '@sanshare/transport-uds';
import {
  EXPORT_PROTOCOL_VERSION,
  MAX_BATCH_EXPORTS,
  MAX_EXPORT_CHANNELS,
  MAX_EXPORT_ID_ATTEMPTS,
  MAX_EXPORT_MESSAGE_BYTES,
  NONCE_BYTES,
  TARGET_PROBE_INTERVAL_MS,
} from './constants.js';
import { toWsaError } from './errors.js';
import {
  decodeTargetFrame,
  encodeSourceFrame,
  ExportStatus,
  type EmulatedOptions,
  type ExportNoticeMessage,
  type ExportReplyMessage,
  type SocketEssentials,
} from './export-codec.js';
import { isStale, outOfDescriptors, refusalError, ReplyTimeout, StaleChannel, unreachable, type Channel, type Outstanding } from './export-channel.js';
import { sendBatchOnChannel, type BatchRequest } from './export-batch-sender.js';
import { randomBytesPooled, randomExportId } from './random-pool.js';
import { SilenceTimer } from './silence-timer.js';
import { targetOutOfDescriptors } from './target-descriptors.js';

export interface ExportRequest {
  endpoint: string;
  targetPid: number;
  fd: number;
  socketCookie: bigint;
  socket: SocketEssentials;
  options: EmulatedOptions;
  readAhead: Uint8Array;
  /** WSPDuplicateSocketWithMessage's message: the target delivers the socket with it. Undefined: plain WSPDuplicateSocket. */
  appMessage: Uint8Array | undefined;
  timeoutMs: number;
  /**
   * Called once, after `exportSocket` resolved, when the export it made is claimed (imported by the
   * target) or lapses (it never will be: expired, refused after a credit, or the target's channel
   * ended first). Never called for an export that `exportSocket` failed.
   */
  settle: (outcome: 'claimed' | 'lapsed', reason: string) => void;
}

export interface ExportResult {
  exportId: number;
  nonce: Uint8Array;
  expiresAtMs: number;
}

/** Where a channel goes: the target's endpoint and pid, and how long its connect may take. */
type ChannelAddress = Pick<ExportRequest, 'endpoint' | 'targetPid' | 'timeoutMs'>;

/** Connects to the target's endpoint; `WSAEINVAL` when nothing (or the wrong process) listens there. */
async function open(request: ChannelAddress): Promise<UdsConnection> {
  let connection: UdsConnection;
  try {
    connection = await connect(request.endpoint, { timeoutMs: request.timeoutMs, maxMessageBytes: MAX_EXPORT_MESSAGE_BYTES, maxFdsPerMessage: MAX_BATCH_EXPORTS });
  } catch (error) {
    const mapped = toWsaError(error, 'connect', 'WSAEINVAL');
    // Out of descriptors is this process's own limit (WSAEMFILE); every other failure means no endpoint.
    if (mapped.code === 'WSAEMFILE' || mapped.code === 'WSAENOBUFS') throw mapped;
    throw unreachable(request.targetPid, `no hand-off endpoint at ${request.endpoint}`, error);
  }
  const { pid, uid } = connection.peer;
  const ownUid = process.getuid?.();
  if (pid !== request.targetPid || (ownUid !== undefined && uid !== ownUid)) {
    await connection.close().catch(() => {});
    throw unreachable(request.targetPid, `the endpoint belongs to pid ${pid} uid ${uid} (SO_PEERCRED)`);
  }
  return connection;
}

/**
 * The source's channels to target endpoints, one per target pid, kept open between hand-offs:
 * connecting, the SO_PEERCRED check and the endpoint's accept are paid once per target, not once
 * per hand-off. A channel whose target died reads EOF and is replaced (and the new connect checks
 * the credentials again, so a recycled pid is never trusted on an old check).
 */
export class ExportSender {
  readonly #channels = new Map<number, Channel>();
  /** Opens in progress, one per target pid: concurrent first hand-offs share it (single flight). */
  readonly #opening = new Map<number, Promise<Channel>>();
  /** Every connection opened and not yet closed, cached or not: `closeAll` closes each one. */
  readonly #open = new Set<UdsConnection>();
  readonly #maxChannels: number;
  #closed = false;

  /** `maxChannels`: channels kept open at once (the oldest is closed past it). */
  constructor(maxChannels = MAX_EXPORT_CHANNELS) {
    this.#maxChannels = maxChannels;
  }

  /** True while a channel to `pid` is open: that process is alive and passed the credential check. */
  hasLiveChannel(pid: number): boolean {
    const channel = this.#channels.get(pid);
    return channel !== undefined && !channel.connection.closed;
  }

  /**
   * Pushes the socket to the target. Resolves once the target's reply says it holds the socket as a
   * pending import, or, for an export sent on a credit, once the descriptor is in the kernel (the
   * target reserved the import's id and slots when it granted the credit).
   */
  async exportSocket(request: ExportRequest): Promise<ExportResult> {
    const cached = this.#channels.get(request.targetPid);
    let stale: Channel | undefined;
    if (cached !== undefined && !cached.connection.closed) {
      try {
        return await this.#run(cached, request);
      } catch (error) {
        if (!isStale(error)) throw error;
        // The target closing the channel on an export is what its running out of descriptors
        // looks like (MSG_CTRUNC): say so rather than open a channel it cannot accept.
        if (targetOutOfDescriptors(request.targetPid)) throw outOfDescriptors(request.targetPid, error);
        stale = cached;
      }
    }
    const channel = await this.#channelFor(request, stale);
    try {
      return await this.#run(channel, request);
    } catch (error) {
      // A fresh channel failing like a stale one: the target closed it on us (it faulted on our
      // message, or it is exiting).
      if (isStale(error)) {
        if (targetOutOfDescriptors(request.targetPid)) throw outOfDescriptors(request.targetPid, error);
        throw unreachable(request.targetPid, 'its endpoint closed the connection without an answer', error);
      }
      throw error;
    }
  }

  /**
   * Pushes many sockets to one target (`WSPDuplicateSocketBatch`, export-batch-sender.ts); resolves
   * with one outcome per item, in order: its result (it is a pending import there, outstanding here),
   * or the `WsaError` it failed with (it never became one). An id the target has pending is tried
   * again with a new one (up to 4 attempts, then `WSAENOBUFS`); items that found the cached channel
   * dead go once more on a fresh one. Never rejects.
   */
  async exportBatch(request: BatchRequest): Promise<Array<ExportResult | WsaError>> {
    const pid = request.targetPid;
    const results = new Array<ExportResult | WsaError>(request.items.length);
    let todo = request.items.map((_item, index) => index);
    let stale: Channel | undefined;
    for (let attempt = 1; todo.length > 0; attempt++) {
      let channel: Channel;
      try {
        const cached = this.#channels.get(pid);
        channel = cached !== undefined && cached !== stale && !cached.connection.closed ? cached : await this.#channelFor(request, stale);
      } catch (error) {
        const failure = toWsaError(error, 'hand-off', 'WSAEINVAL');
        for (const index of todo) results[index] = failure;
        break;
      }
      const outcomes = await sendBatchOnChannel(
        channel,
        request,
        todo,
        () => {
          if (this.#channels.get(pid) === channel) this.#drop(pid);
        },
        () => this.#abandon(channel),
      );
      const again: number[] = [];
      let sawStale = false;
      // Read from /proc at most once per attempt, not once per socket that found the channel dead.
      let targetFull: boolean | undefined;
      for (const index of todo) {
        const outcome = outcomes.get(index) ?? unreachable(pid, 'the batch ended without an outcome for this socket');
        if (outcome === 'id') {
          if (attempt < MAX_EXPORT_ID_ATTEMPTS) again.push(index);
          else results[index] = new WsaError('WSAENOBUFS', `the target refused ${attempt} export ids for this socket: they were pending there`);
        } else if (outcome === 'stale') {
          sawStale = true;
          if (stale === undefined) again.push(index);
          else if ((targetFull ??= targetOutOfDescriptors(pid))) results[index] = outOfDescriptors(pid);
          else results[index] = unreachable(pid, 'its endpoint closed the connection without an answer');
        } else {
          results[index] = outcome;
        }
      }
      if (sawStale) stale = channel;
      todo = again;
    }
    return results;
  }

  /**
   * The channel to use after the cached one (`stale`, if any) failed or was missing: one another
   * caller already opened or is opening, else a new one. Concurrent callers share one open, so
   * no channel is opened only to be replaced (and leaked) by the next caller's.
   */
  #channelFor(request: ChannelAddress, stale: Channel | undefined): Promise<Channel> {
    const pid = request.targetPid;
    const opening = this.#opening.get(pid);
    if (opening !== undefined) return opening;
    const current = this.#channels.get(pid);
    if (current !== undefined && current !== stale && !current.connection.closed) return Promise.resolve(current);
    const run = this.#openChannel(request).finally(() => {
      if (this.#opening.get(pid) === run) this.#opening.delete(pid);
    });
    this.#opening.set(pid, run);
    return run;
  }

  /**
   * Reads the channel's frames, in order, for as long as it is open: each reply settles its export's
   * caller, if one waits, and brings new credits; each notice settles outstanding exports. When it
   * ends, every export still waiting fails (stale: the caller opens a fresh channel), the credits are
   * gone with the channel, and, unless this source closed it, every outstanding export lapsed.
   */
  async #read(channel: Channel): Promise<void> {
    let end: Error = new StaleChannel('the target closed the channel');
    let why = `process ${channel.pid} closed its end of the channel (it exited, was killed, or cleaned up) before importing it`;
    try {
      for (;;) {
        const message = await channel.connection.receive();
        if (message === null) break;
        channel.heardAtMs = Date.now();
        for (const fd of message.fds) closeQuietly(fd);
        const frame = decodeTargetFrame(message.data);
        if (frame.reply !== undefined) this.#onReply(channel, frame.reply);
        else if (frame.notice !== undefined) this.#onNotice(channel, frame.notice);
        // A batch's replies, one per export: each answers its export as a single reply does.
        else if (frame.batchReply !== undefined) for (const reply of frame.batchReply) this.#onReply(channel, reply);
        // Neither: a message type of a newer target, skipped.
      }
    } catch (error) {
      end = error instanceof Error ? error : new StaleChannel(String(error));
      const code = (error as { code?: unknown } | null)?.code;
      if (code === 'UDS_PEER_DIED' || code === 'UDS_PEER_CLOSED') {
        why = `process ${channel.pid} reset its end of the channel (it died) before importing it`;
      } else {
        // A frame this source cannot read, or a transport fault: the target may still hold and
        // claim these exports, so none is taken back (this end closes the channel; the target keeps
        // them claimable, as for a source that exited).
        channel.abandoned = true;
      }
    }
    channel.credits.length = 0;
    if (this.#channels.get(channel.pid) === channel) this.#channels.delete(channel.pid);
    channel.retired = true;
    void channel.connection.close().catch(() => {});
    const waiting = [...channel.waiting.values()];
    // An export still waiting for its reply fails (its caller is rejected and takes the socket back,
    // read-ahead first): it must not lapse as well, or its read-ahead would be given back twice.
    const failing = new Set(channel.waiting.keys());
    channel.waiting.clear();
    for (const settle of waiting) settle(end);
    const outstanding = [...channel.outstanding].filter(([exportId]) => !failing.has(exportId)).map(([, export_]) => export_);
    channel.outstanding.clear();
    if (!channel.abandoned) for (const export_ of outstanding) export_.settle('lapsed', why);
  }

  #onReply(channel: Channel, reply: ExportReplyMessage): void {
    if (reply.grantedExportIds !== undefined) channel.credits.push(...reply.grantedExportIds);
    if (reply.importTimeoutMs !== undefined) channel.importTimeoutMs = reply.importTimeoutMs;
    channel.fresh = false;
    const settle = channel.waiting.get(reply.exportId);
    if (settle !== undefined) {
      channel.waiting.delete(reply.exportId);
      settle(reply);
      return;
    }
    // A reply to no waiting export answers one sent on a credit: it brings credits, and for a
    // refused one the reason its lapse (a notice that follows) will be reported with.
    const outstanding = channel.outstanding.get(reply.exportId);
    if (outstanding !== undefined && reply.status !== ExportStatus.OK) outstanding.refusal = reply.message === '' ? `status ${reply.status}` : reply.message;
  }

  #onNotice(channel: Channel, notice: ExportNoticeMessage): void {
    for (const id of notice.claimedExportIds) {
      const outstanding = channel.outstanding.get(id);
      if (outstanding === undefined) continue;
      channel.outstanding.delete(id);
      outstanding.settle('claimed', `process ${channel.pid} imported it`);
    }
    const now = Date.now();
    for (const id of notice.lapsedExportIds) {
      const outstanding = channel.outstanding.get(id);
      if (outstanding === undefined) continue;
      channel.outstanding.delete(id);
      const reason =
        outstanding.refusal !== undefined
          ? `process ${channel.pid} refused it: ${outstanding.refusal}`
          : now >= outstanding.expiresAtMs
            ? `process ${channel.pid} did not import it in time: the import expired unclaimed`
            : `process ${channel.pid} closed it unclaimed`;
      outstanding.settle('lapsed', reason);
    }
    if (channel.retired && channel.outstanding.size === 0) void channel.connection.close().catch(() => {});
  }

  async #openChannel(request: ChannelAddress): Promise<Channel> {
    this.#drop(request.targetPid);
    const connection = await open(request);
    connection.unref();
    if (this.#closed) {
      // WSPCleanup ran while connecting: this channel would outlive the provider.
      await connection.close().catch(() => {});
      throw new WsaError('WSAENETDOWN', 'the provider was cleaned up (WSPCleanup)');
    }
    this.#open.add(connection);
    connection.once('close', () => this.#open.delete(connection));
    const channel: Channel = {
      pid: request.targetPid,
      connection,
      fresh: true,
      heardAtMs: Date.now(),
      credits: [],
      importTimeoutMs: 0,
      waiting: new Map(),
      outstanding: new Map(),
      retired: false,
      abandoned: false,
    };
    void this.#read(channel);
    this.#channels.set(request.targetPid, channel);
    if (this.#channels.size > this.#maxChannels) {
      // The oldest channel with nothing outstanding: one with outstanding exports must stay open to
      // hear how they end (so the cap is exceeded while every channel has some).
      for (const [pid, open] of this.#channels) {
        if (open !== channel && open.outstanding.size === 0) {
          this.#drop(pid);
          break;
        }
      }
    }
    return channel;
  }

  /**
   * Stops using the channel to `pid` for new exports. It is closed at once unless exports are
   * outstanding on it: then it is still read, and closed once the last of them is settled.
   */
  #drop(pid: number): void {
    const channel = this.#channels.get(pid);
    if (channel === undefined) return;
    this.#channels.delete(pid);
    channel.retired = true;
    if (channel.outstanding.size === 0) void channel.connection.close().catch(() => {});
  }

  /**
   * Closes `channel` now, outstanding exports or not, and takes none of them back: the target keeps
   * what it answered (the source's end closing is a source that went away, docs/provider.md section 2),
   * and cannot answer, so closes, what it had not (section 13).
   */
  #abandon(channel: Channel): void {
    if (this.#channels.get(channel.pid) === channel) this.#channels.delete(channel.pid);
    channel.retired = true;
    channel.abandoned = true;
    void channel.connection.close().catch(() => {});
  }

  /** One export on `channel`: on a credit when one is left and nothing was read ahead, else waiting for the reply. */
  #run(channel: Channel, request: ExportRequest): Promise<ExportResult> {
    if (channel.credits.length > 0 && request.readAhead.length === 0) return this.#sendOnCredit(channel, request);
    return this.#exchange(channel, request);
  }

  /**
   * Sends an export on a credit and returns once its descriptor is in the kernel, without its
   * reply: the target reserved the id and the slots when it granted the credit. Only exports
   * without read-ahead go this way: if the target fails the export after all (it ran out of
   * descriptors, or died), the import fails with WSAEINVAL, but no byte was in the message.
   */
  async #sendOnCredit(channel: Channel, request: ExportRequest): Promise<ExportResult> {
    const exportId = channel.credits.shift() as number;
    const nonce = randomBytesPooled(NONCE_BYTES);
    // Taken before sending: never later than the expiry the target sets when it receives it.
    const expiresAtMs = Date.now() + channel.importTimeoutMs;
    const frame = exportFrame(exportId, nonce, request);
    // Outstanding before it is sent: a notice about it may be read before this call resumes.
    channel.outstanding.set(exportId, { settle: request.settle, expiresAtMs, refusal: undefined });
    // No deadline of its own: a send queued behind other hand-offs the target is answering may wait;
    // one the target leaves unread while silent for the whole timeout fails (silence-timer.ts).
    const sending = new AbortController();
    const silence = new SilenceTimer(request.timeoutMs, () => channel.heardAtMs, () => sending.abort(new ReplyTimeout(`the target read nothing for ${request.timeoutMs} ms of silence`)));
    try {
      await channel.connection.send(frame, [request.fd], { signal: sending.signal });
    } catch (error) {
      channel.outstanding.delete(exportId);
      // The channel's state is unknown now: never reuse it.
      if (this.#channels.get(request.targetPid) === channel) this.#drop(request.targetPid);
      if (isStale(error)) throw error;
      if (sending.signal.aborted) throw unreachable(request.targetPid, (sending.signal.reason as Error).message, error);
      throw unreachable(request.targetPid, toWsaError(error, 'hand-off', 'WSAEINVAL').message, error);
    } finally {
      silence.stop();
    }
    return { exportId, nonce, expiresAtMs };
  }

  /**
   * Sends an export and waits for the target's reply; a `ReplyTimeout` when the target stays silent
   * for `timeoutMs` (silence-timer.ts): the timer starts again when the message is written and on any
   * frame from the target, so time spent queued behind other hand-offs it is answering never counts.
   */
  #request(channel: Channel, exportId: number, frame: Uint8Array, request: ExportRequest): Promise<ExportReplyMessage> {
    return new Promise<ExportReplyMessage>((resolve, reject) => {
      const sending = new AbortController();
      let done = false;
      const finish = (outcome: ExportReplyMessage | Error): void => {
        if (done) return;
        done = true;
        silence.stop();
        // A reply that comes after the timeout goes to nobody.
        channel.waiting.delete(exportId);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const silence = new SilenceTimer(
        request.timeoutMs,
        () => channel.heardAtMs,
        () => {
          const error = new ReplyTimeout(`no reply within ${request.timeoutMs} ms of silence (measured from the message written and the last frame received)`);
          sending.abort(error);
          finish(error);
        },
      );
      // Called by the channel's reader with the reply, or with why the channel ended.
      channel.waiting.set(exportId, finish);
      channel.connection.send(frame, [request.fd], { signal: sending.signal }).then(
        () => silence.written(),
        (error: unknown) => finish(error instanceof Error ? error : new StaleChannel(String(error))),
      );
    });
  }

  async #exchange(channel: Channel, request: ExportRequest): Promise<ExportResult> {
    const { connection } = channel;
    for (let attempt = 1; ; attempt++) {
      const exportId = randomExportId();
      const nonce = randomBytesPooled(NONCE_BYTES);
      const frame = exportFrame(exportId, nonce, request);
      let reply: ExportReplyMessage;
      let watch: { full: boolean; timer: NodeJS.Timeout } | undefined;
      // Outstanding before it is sent: with a message, the target may deliver and import it (and say
      // so) before its reply is read here.
      const outstanding: Outstanding = { settle: request.settle, expiresAtMs: Number.POSITIVE_INFINITY, refusal: undefined };
      channel.outstanding.set(exportId, outstanding);
      try {
        // A target out of descriptors never accepts a fresh channel: watch it instead of waiting out the timeout.
        if (channel.fresh) watch = watchTarget(request.targetPid, connection);
        reply = await this.#request(channel, exportId, frame, request);
      } catch (error) {
        channel.outstanding.delete(exportId);
        // The channel's state is unknown now (a timeout mid-exchange, a dead target): never reuse it.
        if (this.#channels.get(request.targetPid) === channel) this.#drop(request.targetPid);
        if (watch?.full === true || (error instanceof ReplyTimeout && targetOutOfDescriptors(request.targetPid))) {
          throw outOfDescriptors(request.targetPid, error);
        }
        if (error instanceof ReplyTimeout) throw unreachable(request.targetPid, error.message, error);
        if (isStale(error)) throw error;
        const mapped = toWsaError(error, 'hand-off', 'WSAEINVAL');
        if (mapped.code === 'WSAEMFILE' || mapped.code === 'WSAENOBUFS' || mapped.code === 'WSAEINVAL') throw mapped;
        throw unreachable(request.targetPid, mapped.message, error);
      } finally {
        if (watch !== undefined) clearInterval(watch.timer);
      }
      if (reply.status === ExportStatus.OK && reply.exportId === exportId) {
        outstanding.expiresAtMs = reply.expiresAtMs;
        return { exportId, nonce, expiresAtMs: reply.expiresAtMs };
      }
      channel.outstanding.delete(exportId);
      const why = reply.message === '' ? 'no reason given' : reply.message;
      switch (reply.status) {
        case ExportStatus.ID_IN_USE:
          if (attempt < MAX_EXPORT_ID_ATTEMPTS) continue;
          throw new WsaError('WSAENOBUFS', `the target refused ${attempt} export ids: ${why}`);
        default:
          throw refusalError(reply.status, why, request.targetPid);
      }
    }
  }

  /** Closes every channel this client opened, cached or not, and any still being opened (WSPCleanup). */
  async closeAll(): Promise<void> {
    this.#closed = true;
    for (const channel of this.#channels.values()) channel.abandoned = true;
    this.#channels.clear();
    const closing = [...this.#open].map((connection) => connection.close().catch(() => {}));
    this.#open.clear();
    // Opens in flight close their connection themselves when they finish (see #openChannel).
    await Promise.all([...closing, ...[...this.#opening.values()].map((run) => run.catch(() => {}))]);
  }
}

/** Checks the target's descriptors every TARGET_PROBE_INTERVAL_MS; closes `connection` (ending the wait) once it is out. */
function watchTarget(pid: number, connection: UdsConnection): { full: boolean; timer: NodeJS.Timeout } {
  const watch = {
    full: false,
    timer: setInterval(() => {
      if (!targetOutOfDescriptors(pid)) return;
      watch.full = true;
      clearInterval(watch.timer);
      void connection.close().catch(() => {});
    }, TARGET_PROBE_INTERVAL_MS).unref(),
  };
  return watch;
}

/** The `SourceFrame` for `request` under `exportId` and `nonce` (credited or acknowledged alike). */
function exportFrame(exportId: number, nonce: Uint8Array, request: ExportRequest): Uint8Array {
  return encodeSourceFrame({
    version: EXPORT_PROTOCOL_VERSION,
    exportId,
    nonce,
    socketCookie: request.socketCookie,
    targetPid: request.targetPid,
    socket: request.socket,
    options: request.options,
    readAhead: request.readAhead,
    appMessage: request.appMessage,
  });
}
