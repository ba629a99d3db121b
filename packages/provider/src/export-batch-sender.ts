/**
 * The source's side of an `ExportBatch` on one channel (docs/provider.md section 13): many sockets
 * for one target in as few transport messages as the kernel and the byte budget allow (at most 253
 * descriptors, `SCM_MAX_FD`, and at most `MAX_BATCH_MESSAGE_BYTES` per message), each socket with its
 * own export id, nonce, read-ahead and message, exactly as if it went alone. The target answers each
 * message with one `ExportBatchReply`; its replies go, one per export, through the channel's
 * `waiting` map as single replies do, and every export that went through is outstanding on the
 * channel until a notice (or the channel's end) settles it.
 *
 * At most `BATCH_MESSAGES_IN_FLIGHT` messages are written and unanswered at once. The reply timeout
 * is the target's silence (silence-timer.ts): it starts again when a message of the batch is written
 * and whenever any frame comes from the target.
 */
import { WsaError } from '@sanshare/protocol-info';
import { BATCH_MESSAGES_IN_FLIGHT, EXPORT_PROTOCOL_VERSION, MAX_BATCH_EXPORTS, MAX_BATCH_MESSAGE_BYTES, NONCE_BYTES } from './constants.js';
import { toWsaError } from './errors.js';
import { isStale, outOfDescriptors, refusalError, ReplyTimeout, unreachable, type Channel } from './export-channel.js';
import { batchEntryBytes, batchFrameBytes, encodeExport, encodeSourceBatch, ExportStatus, type ExportReplyMessage } from './export-codec.js';
import type { ExportRequest, ExportResult } from './export-sender.js';
import { randomBytesPooled, randomExportId } from './random-pool.js';
import { SilenceTimer } from './silence-timer.js';
import { targetOutOfDescriptors } from './target-descriptors.js';

/** One socket of a batch: what a single `ExportRequest` carries besides its target and timeout. */
export type BatchItemRequest = Omit<ExportRequest, 'endpoint' | 'targetPid' | 'timeoutMs'>;

export interface BatchRequest {
  endpoint: string;
  targetPid: number;
  /** The target's silence that fails what is unanswered (section 13), in ms; Infinity: none. */
  timeoutMs: number;
  /** Aborted: messages not written yet are not sent (their items fail); those written are answered. */
  signal: AbortSignal | undefined;
  items: readonly BatchItemRequest[];
}

/** An item to send again: the target had its id pending (`id`), or the channel was dead before it got there (`stale`). */
export type Again = 'id' | 'stale';

export type ItemOutcome = ExportResult | WsaError | Again;

/** One item as it goes in a message. */
interface Planned {
  index: number;
  exportId: number;
  nonce: Uint8Array;
  encoded: Uint8Array;
}

/**
 * The items `indices` of `request` as messages: in item order, a message closed when one more item
 * would pass 253 descriptors or `MAX_BATCH_MESSAGE_BYTES`, so the fewest messages these limits allow.
 */
function plan(channel: Channel, request: BatchRequest, indices: readonly number[]): Planned[][] {
  const messages: Planned[][] = [];
  const used = new Set<number>();
  let current: Planned[] = [];
  let entriesBytes = 0;
  for (const index of indices) {
    const item = request.items[index] as BatchItemRequest;
    let exportId = randomExportId();
    // Unique on this channel: a reply is matched to its export by id.
    while (used.has(exportId) || channel.waiting.has(exportId) || channel.outstanding.has(exportId)) exportId = randomExportId();
    used.add(exportId);
    const nonce = randomBytesPooled(NONCE_BYTES);
    const encoded = encodeExport({
      version: EXPORT_PROTOCOL_VERSION,
      exportId,
      nonce,
      socketCookie: item.socketCookie,
      targetPid: request.targetPid,
      socket: item.socket,
      options: item.options,
      readAhead: item.readAhead,
      appMessage: item.appMessage,
    });
    const entry = batchEntryBytes(encoded.length);
    if (current.length > 0 && (current.length === MAX_BATCH_EXPORTS || batchFrameBytes(entriesBytes + entry) > MAX_BATCH_MESSAGE_BYTES)) {
      messages.push(current);
      current = [];
      entriesBytes = 0;
    }
    current.push({ index, exportId, nonce, encoded });
    entriesBytes += entry;
  }
  if (current.length > 0) messages.push(current);
  return messages;
}

/** Resolves once `count` calls of `done` were made. */
function countdown(count: number): { done: () => void; all: Promise<void> } {
  let left = count;
  let resolve: () => void = () => {};
  const all = new Promise<void>((r) => {
    resolve = r;
  });
  if (left === 0) resolve();
  return {
    done: () => {
      if (--left === 0) resolve();
    },
    all,
  };
}

/**
 * Sends the items `indices` of `request` on `channel` and waits for their replies (or the target's
 * silence). Returns each item's outcome. `drop` takes the channel out of use for new exports (its
 * state is unknown after a failed send); `abandon` closes it at once (after the target's silence),
 * leaving every export already answered on it to the target.
 */
export async function sendBatchOnChannel(
  channel: Channel,
  request: BatchRequest,
  indices: readonly number[],
  drop: () => void,
  abandon: () => void,
): Promise<Map<number, ItemOutcome>> {
  const { targetPid } = request;
  const outcomes = new Map<number, ItemOutcome>();
  const messages = plan(channel, request, indices);
  /** Set once nothing more may be sent on this channel (silence, a failed send): the items not sent get it. */
  let halt: WsaError | Again | undefined;
  /** Aborts a send in progress when the target falls silent. */
  const sending = new AbortController();
  const waitingHere = new Set<number>();
  const silence = new SilenceTimer(
    request.timeoutMs,
    () => channel.heardAtMs,
    () => {
      const error = new ReplyTimeout(`no reply within ${request.timeoutMs} ms of silence (measured from the last message written and the last frame received)`);
      // Read from /proc once for the whole batch, not once per unanswered socket.
      const failure = silentTarget(targetPid, error);
      halt = failure;
      // Closed, not only dropped: the target, should it wake, cannot write its reply to a closed
      // channel, and then closes the imports it made of this batch (its sockets are back here).
      abandon();
      sending.abort(error);
      // Every export written and unanswered fails as a single one does after its timeout.
      for (const exportId of [...waitingHere]) channel.waiting.get(exportId)?.(failure);
    },
  );
  let inFlight = 0;
  let slotFreed: (() => void) | undefined;
  const answered: Promise<void>[] = [];
  try {
    for (const message of messages) {
      while (inFlight >= BATCH_MESSAGES_IN_FLIGHT && halt === undefined) {
        await new Promise<void>((resolve) => {
          slotFreed = resolve;
        });
      }
      const stop = halt ?? (request.signal?.aborted === true ? aborted(targetPid) : undefined);
      if (stop !== undefined) {
        for (const item of message) outcomes.set(item.index, stop);
        continue;
      }
      const replies = countdown(message.length);
      for (const item of message) register(channel, request, item, outcomes, waitingHere, replies.done);
      inFlight++;
      answered.push(
        replies.all.then(() => {
          inFlight--;
          slotFreed?.();
          slotFreed = undefined;
        }),
      );
      const fds = message.map((item) => (request.items[item.index] as BatchItemRequest).fd);
      try {
        // No deadline of its own: the silence timer aborts it (a send queued behind other hand-offs
        // on this channel, or waiting out ETOOMANYREFS, is not the target's silence).
        await channel.connection.send(
          encodeSourceBatch(message.map((item) => item.encoded)),
          fds,
          { signal: sending.signal },
        );
        silence.written();
      } catch (error) {
        // Nothing of this message reached the target (or the channel is gone): its items fail, and
        // nothing more goes on this channel.
        if (halt === undefined) {
          halt = isStale(error) ? 'stale' : unreachable(targetPid, toWsaError(error, 'hand-off', 'WSAEINVAL').message, error);
          drop();
        }
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const item of message) channel.waiting.get(item.exportId)?.(failure);
      }
    }
    await Promise.all(answered);
  } finally {
    silence.stop();
    // A slot waiter left behind by a halt: release it (the loop has ended).
    slotFreed?.();
  }
  return outcomes;
}

function aborted(targetPid: number): WsaError {
  return new WsaError('WSAECONNABORTED', `the batch was cancelled (its signal was aborted) before this socket was sent to process ${targetPid}; it is still this process's`);
}

/**
 * Registers one item before its message is written: waiting for its reply (the channel's reader calls
 * back with it, or with why the channel ended), and outstanding (a notice about it may be read before
 * the reply is handled here).
 */
function register(
  channel: Channel,
  request: BatchRequest,
  item: Planned,
  outcomes: Map<number, ItemOutcome>,
  waitingHere: Set<number>,
  done: () => void,
): void {
  const { targetPid } = request;
  const { exportId, nonce } = item;
  const outstanding = { settle: (request.items[item.index] as BatchItemRequest).settle, expiresAtMs: Number.POSITIVE_INFINITY, refusal: undefined };
  channel.outstanding.set(exportId, outstanding);
  waitingHere.add(exportId);
  channel.waiting.set(exportId, (reply: ExportReplyMessage | Error) => {
    channel.waiting.delete(exportId);
    waitingHere.delete(exportId);
    if (reply instanceof Error) {
      channel.outstanding.delete(exportId);
      outcomes.set(item.index, outcomeOfFailure(reply, targetPid));
    } else if (reply.status === ExportStatus.OK && reply.exportId === exportId) {
      outstanding.expiresAtMs = reply.expiresAtMs;
      outcomes.set(item.index, { exportId, nonce, expiresAtMs: reply.expiresAtMs });
    } else {
      channel.outstanding.delete(exportId);
      outcomes.set(item.index, reply.status === ExportStatus.ID_IN_USE ? 'id' : refusalError(reply.status, reply.message === '' ? 'no reason given' : reply.message, targetPid));
    }
    done();
  });
}

/**
 * A target silent for the whole timeout: out of descriptors (it cannot take the sockets, nor accept a
 * fresh channel; read from /proc only on this failure path) is `WSAEMFILE`, anything else `WSAEINVAL`.
 */
function silentTarget(targetPid: number, error: ReplyTimeout): WsaError {
  return targetOutOfDescriptors(targetPid) ? outOfDescriptors(targetPid, error) : unreachable(targetPid, error.message, error);
}

function outcomeOfFailure(error: Error, targetPid: number): WsaError | Again {
  if (isStale(error)) return 'stale';
  const mapped = toWsaError(error, 'hand-off', 'WSAEINVAL');
  if (mapped.code === 'WSAEMFILE' || mapped.code === 'WSAENOBUFS' || mapped.code === 'WSAEINVAL') return mapped;
  return unreachable(targetPid, mapped.message, error);
}
