/**
 * WSPDuplicateSocketBatch (an extension, protocol-info spi.ts): WSPDuplicateSocket (or, for an item
 * with a message, WSPDuplicateSocketWithMessage) for many sockets and one target, sent as
 * `ExportBatch`es (docs/provider.md section 13): at most 253 sockets per transport message instead of
 * one. Each socket is handled as a single duplication handles it (duplicate-socket.ts): its reads
 * stop for real and its writes are flushed, its read-ahead and message travel with it, it gets its
 * own single-use protocol info, and it is settled (claimed or lapsed, the read-ahead given back on a
 * lapse) on its own. An item that fails keeps its socket here, reading again with its read-ahead first
 * in line, and has a `WsaError`; the others went. The call rejects only when nothing could be
 * attempted: the provider is down, `dwProcessId` or the options are bad, the signal was aborted.
 *
 * A connected socket goes in the batch. Any other descriptor (a listening socket, say) goes through
 * the single WSPDuplicateSocket, so a batch accepts exactly what a single duplication accepts.
 */
import { isTimeoutMs, kindOf } from '@sanshare/internal';
import { WsaError, type DuplicateBatchResult, type Socket } from '@sanshare/protocol-info';
import { getSocketCookie } from '@sanshare/transport-uds';
import { exportedProtocolInfo } from './build-protocol-info.js';
import { MAX_READ_AHEAD_BYTES } from './constants.js';
import { checkAppMessage, checkProcess, duplicateSocket, DUPLICATE_ERRORS, resumeQuietly, settle, takeHandoffOrder } from './duplicate-socket.js';
import { toWsaError } from './errors.js';
import type { BatchItemRequest } from './export-batch-sender.js';
import type { SocketEssentials } from './export-codec.js';
import type { ExportResult } from './export-sender.js';
import type { ProviderState } from './provider-state.js';
import { endpointPath } from './runtime-dir.js';
import type { ConnectedEntry, OutstandingDuplicate, SocketEntry } from './socket-entry.js';

const CALL = 'WSPDuplicateSocketBatch';

export interface DuplicateBatchOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** A connected socket of the batch, from its checks to its outcome. */
interface StreamItem {
  index: number;
  s: Socket;
  entry: SocketEntry;
  message: Uint8Array | undefined;
  /** Ends this batch's turn in the socket's chain of duplications (the next one, or a settlement, may run). */
  release: () => void;
  /** The socket was stopped before the batch (handed off and not given back): a failure leaves it so. */
  wasStopped: boolean;
  readAhead: Buffer;
  socketCookie: bigint;
  socket: SocketEssentials;
}

/** The call's own arguments: anything wrong rejects the whole call, before any socket is touched. */
function checkCall(state: ProviderState, items: unknown, dwProcessId: number, options: unknown): { signal: AbortSignal | undefined; timeoutMs: number } {
  const receiver = state.receiver;
  if (receiver === undefined) throw new WsaError('WSAENETDOWN', 'the provider has no hand-off endpoint');
  receiver.assertUp();
  if (!Array.isArray(items)) throw new WsaError('WSAEINVAL', `${CALL}: items must be an array of { s, message? }, got ${kindOf(items)}`);
  if (!Number.isInteger(dwProcessId) || dwProcessId < 0 || dwProcessId > 0xffffffff) {
    throw new WsaError('WSAEINVAL', `${CALL}: dwProcessId must be an integer from 0 to 0xFFFFFFFF, got ${String(dwProcessId)}`);
  }
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new WsaError('WSAEINVAL', `${CALL}: options must be an object ({ signal?, timeoutMs? }), got ${kindOf(options)}`);
  }
  const { signal, timeoutMs } = (options ?? {}) as DuplicateBatchOptions;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new WsaError('WSAEINVAL', `${CALL}: options.signal must be an AbortSignal`);
  if (timeoutMs !== undefined && !isTimeoutMs(timeoutMs)) {
    throw new WsaError('WSAEINVAL', `${CALL}: options.timeoutMs must be a non-negative number of milliseconds, got ${String(timeoutMs)}`);
  }
  signal?.throwIfAborted();
  // An open channel to the target already proves it runs (its EOF would have closed the channel).
  if (!state.sender.hasLiveChannel(dwProcessId)) checkProcess(dwProcessId);
  return { signal, timeoutMs: timeoutMs ?? state.options.handoffTimeoutMs };
}

/** An item's error as a single duplication reports it: the spec's codes (and a cancellation), anything else `WSAEINVAL`. */
function itemError(error: unknown, s: unknown): WsaError {
  const mapped = toWsaError(error, CALL);
  if (DUPLICATE_ERRORS.has(mapped.code) || mapped.code === 'WSAEFAULT' || mapped.code === 'WSAEMSGSIZE' || mapped.code === 'WSAECONNABORTED') return mapped;
  return new WsaError('WSAEINVAL', `socket ${String(s)} cannot be duplicated: ${mapped.message.slice(mapped.code.length + 2)} (${mapped.code})`, { cause: mapped });
}

/** Reads again after a failed hand-off, the read-ahead first in line (as a failed single duplication does). */
function resumeReading(item: StreamItem): void {
  if (item.wasStopped || item.entry.stream === undefined) return;
  resumeQuietly(item.entry.stream);
}

/** Stops the socket for its hand-off and takes its read-ahead; throws the item's error (then it reads again). */
async function prepare(state: ProviderState, item: StreamItem): Promise<void> {
  const { entry, s } = item;
  if (state.sockets.get(s) !== entry) throw new WsaError('WSAENOTSOCK', `socket ${s} was closed`);
  if (entry.state !== 'stream' || entry.stream === undefined) throw new WsaError('WSAEINVAL', `socket ${s} is not a connected socket any more`);
  const { stream } = entry;
  item.wasStopped = stream.stopped;
  try {
    item.readAhead = await stream.stopForHandoff();
    if (item.readAhead.length > MAX_READ_AHEAD_BYTES) throw new WsaError('WSAENOBUFS', `${item.readAhead.length} bytes read ahead exceed the hand-off limit`);
    item.socketCookie = entry.shared.cookie ?? getSocketCookie(stream.fd);
    item.socket = { addressFamily: entry.af, socketType: entry.type, protocol: entry.protocol, catalogEntryId: state.catalog.dwCatalogEntryId };
  } catch (error) {
    resumeReading(item);
    throw error;
  }
}

/** The item as the sender takes it; its settlement runs in the socket's chain, as a single duplication's does. */
function toRequest(state: ProviderState, item: StreamItem, duplicate: OutstandingDuplicate, targetPid: number): BatchItemRequest {
  const entry = item.entry as ConnectedEntry;
  // The settlement waits for the claim: it holds the socket and its entry, not the item (its message, its read-ahead).
  const { s } = item;
  return {
    fd: entry.stream.fd,
    socketCookie: item.socketCookie,
    socket: item.socket,
    options: { ...entry.shared.options },
    readAhead: item.readAhead,
    appMessage: item.message,
    settle: (outcome, reason) => {
      if (state.sockets.get(s) !== entry) return;
      entry.duplications = entry.duplications.then(() => settle(state, s, entry, duplicate, targetPid, outcome, reason)).catch(() => {});
    },
  };
}

export async function duplicateSocketBatch(state: ProviderState, items: unknown, dwProcessId: number, options?: unknown): Promise<DuplicateBatchResult[]> {
  const { signal, timeoutMs } = checkCall(state, items, dwProcessId, options);
  const list = items as readonly unknown[];
  const results = new Array<DuplicateBatchResult>(list.length);
  const streams: StreamItem[] = [];
  const singles: Promise<void>[] = [];
  const firstIndexOf = new Map<unknown, number>();
  // A plain loop: a hole in a sparse array is an item too (undefined: WSAEFAULT), never skipped.
  for (let index = 0; index < list.length; index++) {
    const item = list[index];
    try {
      if (typeof item !== 'object' || item === null) throw new WsaError('WSAEFAULT', `${CALL} (item ${index}): an item must be { s, message? }, got ${kindOf(item)}`);
      const { s, message } = item as { s: unknown; message?: unknown };
      const first = firstIndexOf.get(s);
      if (first !== undefined) throw new WsaError('WSAEINVAL', `${CALL} (item ${index}): socket ${String(s)} is item ${first} of this batch already; a socket goes once per batch`);
      firstIndexOf.set(s, index);
      const bytes = message === undefined ? undefined : checkAppMessage(message);
      const entry = state.sockets.require(s as Socket);
      if (entry.state === 'stream' && entry.stream !== undefined) {
        streams.push({ index, s: s as Socket, entry, message: bytes, release: () => {}, wasStopped: false, readAhead: Buffer.alloc(0), socketCookie: 0n, socket: { addressFamily: 0, socketType: 0, protocol: 0, catalogEntryId: 0 } });
      } else {
        // Not a connected socket: the single duplication says whether (and how) it can go.
        singles.push(
          duplicateSocket(state, s as Socket, dwProcessId, bytes).then(
            (protocolInfo) => {
              results[index] = { protocolInfo };
            },
            (error: unknown) => {
              results[index] = { error: itemError(error, s) };
            },
          ),
        );
      }
    } catch (error) {
      results[index] = { error: itemError(error, (item as { s?: unknown } | null)?.s) };
    }
  }
  // Each socket's turn in its chain of duplications: earlier ones end first, later ones (and this
  // batch's settlements) wait until the batch is done with it.
  const before = streams.map((item) => {
    const previous = item.entry.duplications;
    item.entry.duplications = new Promise<void>((resolve) => {
      item.release = resolve;
    });
    return previous;
  });
  try {
    await Promise.all(before);
    const ready: StreamItem[] = [];
    await Promise.all(
      streams.map(async (item) => {
        try {
          await prepare(state, item);
          ready.push(item);
        } catch (error) {
          results[item.index] = { error: itemError(error, item.s) };
        }
      }),
    );
    ready.sort((a, b) => a.index - b.index);
    // Kept until each is claimed (dropped) or lapses (given back), as a single duplication keeps it.
    const duplicates = ready.map((item): OutstandingDuplicate => ({ order: takeHandoffOrder(), exportId: 0, readAhead: item.readAhead }));
    const outcomes =
      ready.length === 0
        ? []
        : await state.sender.exportBatch({
            endpoint: endpointPath(state.options.runtimeDir, dwProcessId),
            targetPid: dwProcessId,
            timeoutMs,
            signal,
            items: ready.map((item, at) => toRequest(state, item, duplicates[at] as OutstandingDuplicate, dwProcessId)),
          });
    ready.forEach((item, at) => {
      const outcome = outcomes[at] as ExportResult | WsaError;
      if (outcome instanceof WsaError) {
        resumeReading(item);
        results[item.index] = { error: itemError(outcome, item.s) };
        return;
      }
      const duplicate = duplicates[at] as OutstandingDuplicate;
      duplicate.exportId = outcome.exportId;
      item.entry.outstanding.add(duplicate);
      (item.entry as ConnectedEntry).stream.commitHandoff();
      results[item.index] = {
        protocolInfo: exportedProtocolInfo(state.catalog, item.socket, item.socketCookie, dwProcessId, outcome),
      };
    });
  } finally {
    for (const item of streams) item.release();
  }
  await Promise.all(singles);
  return results;
}
