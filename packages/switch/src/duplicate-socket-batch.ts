import { isTimeoutMs, kindOf } from '@sanshare/internal';
import { WsaError, isWsaError, type DuplicateBatchItem, type DuplicateBatchResult, type ProtocolInfo, type Socket } from '@sanshare/protocol-info';
import { BATCH_FALLBACK_CONCURRENCY, MAX_DUPLICATE_MESSAGE_BYTES } from './constants.js';
import { assertProcessId, beginDuplication, completeDuplication, failDuplication, type BegunDuplication } from './duplicate-socket.js';
import { reasonOf } from './explain.js';
import type { ProviderSlot } from './provider-slot.js';
import { runWithConcurrency } from './run-with-concurrency.js';
import type { DuplicateSocketBatchItem, DuplicateSocketBatchOptions } from './switch-api.js';
import type { SwitchCore } from './switch-core.js';

const CALL = 'WSADuplicateSocketBatch';
const encoder = new TextEncoder();

/** One item that passed its checks: its socket is locked and its duplication recorded. */
interface PlannedItem extends BegunDuplication {
  readonly index: number;
  readonly message: Uint8Array | undefined;
}

/** What one batch needs while it runs. */
interface Batch {
  readonly core: SwitchCore;
  readonly dwProcessId: number;
  readonly signal: AbortSignal | undefined;
  readonly results: DuplicateBatchResult[];
}

/** The call's own arguments: anything wrong here rejects the whole call, before any socket is touched. */
function checkCall(core: SwitchCore, items: unknown, dwProcessId: number, options: unknown): DuplicateSocketBatchOptions {
  core.assertAlive();
  if (!Array.isArray(items)) throw new WsaError('WSAEINVAL', `${CALL}: items must be an array of { s, message? }, got ${kindOf(items)}`);
  assertProcessId(dwProcessId, CALL);
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) throw new WsaError('WSAEINVAL', `${CALL}: options must be an object ({ signal?, timeoutMs? }), got ${kindOf(options)}`);
  const { signal, timeoutMs } = options as DuplicateSocketBatchOptions;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new WsaError('WSAEINVAL', `${CALL}: options.signal must be an AbortSignal`);
  if (timeoutMs !== undefined && !isTimeoutMs(timeoutMs)) {
    throw new WsaError('WSAEINVAL', `${CALL}: options.timeoutMs must be a non-negative number of milliseconds or Infinity, got ${String(timeoutMs)}`);
  }
  signal?.throwIfAborted();
  return { ...(signal === undefined ? {} : { signal }), ...(timeoutMs === undefined ? {} : { timeoutMs }) };
}

/** The item's message as bytes, or undefined; `WSAEFAULT` / `WSAEMSGSIZE` when it cannot go. */
function messageOf(item: DuplicateSocketBatchItem, where: string): Uint8Array | undefined {
  const { message } = item;
  if (message === undefined) return undefined;
  if (typeof message !== 'string' && !(message instanceof Uint8Array)) throw new WsaError('WSAEFAULT', `${where}: message must be a Uint8Array or a string, got ${kindOf(message)}`);
  const bytes = typeof message === 'string' ? encoder.encode(message) : message;
  if (bytes.length > MAX_DUPLICATE_MESSAGE_BYTES) {
    throw new WsaError('WSAEMSGSIZE', `${where}: a message of ${bytes.length} bytes exceeds the limit of ${MAX_DUPLICATE_MESSAGE_BYTES} bytes; send the rest over your own channel`);
  }
  return bytes;
}

/**
 * One item's checks, then its lock (`beginDuplication`), in item order: a second descriptor of a
 * socket that an earlier item locked finds it locked (`WSAEACCES`). Throws the item's error.
 */
function planItem(batch: Batch, item: unknown, index: number, firstIndexOf: Map<unknown, number>): PlannedItem {
  const where = `${CALL} (item ${index})`;
  if (typeof item !== 'object' || item === null) throw new WsaError('WSAEFAULT', `${where}: an item must be { s, message? }, got ${kindOf(item)}`);
  const { s } = item as DuplicateSocketBatchItem;
  const first = firstIndexOf.get(s);
  if (first !== undefined) throw new WsaError('WSAEINVAL', `${where}: socket ${String(s)} is item ${first} of this batch already; a socket goes once per batch`);
  firstIndexOf.set(s, index);
  const d = batch.core.use(s, where);
  const message = messageOf(item as DuplicateSocketBatchItem, where);
  if (message !== undefined && d.provider.extensions?.WSPDuplicateSocketWithMessage === undefined) {
    throw new WsaError('WSAEINVAL', `${where}: the provider of socket ${String(s)} does not offer WSPDuplicateSocketWithMessage; leave out the message and send the protocol info yourself`);
  }
  return { ...beginDuplication(batch.core, s, batch.dwProcessId, where), index, message };
}

/** The socket went: its protocol info is the item's result, and the ledger can match its settlement. */
function succeed(batch: Batch, item: PlannedItem, info: ProtocolInfo): void {
  completeDuplication(batch.core, item, info);
  batch.results[item.index] = { protocolInfo: info };
}

/** The item failed and the socket is still here: its lock is lifted, its error is the item's result. */
function fail(batch: Batch, item: PlannedItem, error: unknown): void {
  failDuplication(batch.core, item);
  let itemError: WsaError;
  if (isWsaError(error)) itemError = error;
  else if (batch.signal?.aborted === true && error === batch.signal.reason) {
    itemError = new WsaError('WSAECONNABORTED', `${CALL} (item ${item.index}): the batch was cancelled (its signal was aborted) before socket ${item.d.s} went; it is still this process's`, { cause: error });
  } else {
    itemError = new WsaError(
      'WSAEINVALIDPROVIDER',
      `${CALL} (item ${item.index}): provider ${item.d.provider.providerModule} failed with an error that is not a WsaError: ${reasonOf(error)}; socket ${item.d.s} is still this process's`,
      { cause: error },
    );
  }
  batch.results[item.index] = { error: itemError };
}

/**
 * The provider broke the batch contract for this item: whether the socket went is unknown, so it
 * stays locked (as after a duplication whose protocol info matches nothing) until it is closed or
 * imported back; no settlement can match it.
 */
function broken(batch: Batch, item: PlannedItem, what: string): void {
  batch.core.ledger.abandon(item.duplication);
  const error = new WsaError(
    'WSAEINVALIDPROVIDER',
    `${CALL} (item ${item.index}): provider ${item.d.provider.providerModule}'s WSPDuplicateSocketBatch ${what}; whether socket ${item.d.s} went is unknown, so it stays handed off here (isHandedOff): close it`,
  );
  batch.results[item.index] = { error };
}

/** The items of a provider that offers `WSPDuplicateSocketBatch`: one call, one result per item. */
async function runProviderBatch(batch: Batch, slot: ProviderSlot, items: readonly PlannedItem[], options: DuplicateSocketBatchOptions): Promise<void> {
  const extensions = slot.extensions;
  const duplicateBatch = extensions?.WSPDuplicateSocketBatch as NonNullable<NonNullable<typeof extensions>['WSPDuplicateSocketBatch']>;
  const asked: DuplicateBatchItem[] = items.map((item) => (item.message === undefined ? { s: item.d.context } : { s: item.d.context, message: item.message }));
  // Infinity is the switch's "no bound"; a provider's own default is the same, and it need not take Infinity.
  const providerOptions = {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.timeoutMs === undefined || options.timeoutMs === Infinity ? {} : { timeoutMs: options.timeoutMs }),
  };
  let answers: unknown;
  try {
    answers = await duplicateBatch.call(extensions, asked, batch.dwProcessId, providerOptions);
  } catch (error) {
    // Nothing could be attempted (the contract): every socket is still here.
    for (const item of items) fail(batch, item, error);
    return;
  }
  if (!Array.isArray(answers) || answers.length !== items.length) {
    const got = Array.isArray(answers) ? `${answers.length} results` : kindOf(answers);
    for (const item of items) broken(batch, item, `resolved with ${got} for ${items.length} items (one result per item, in order)`);
    return;
  }
  items.forEach((item, at) => {
    const answer: unknown = answers[at];
    const { protocolInfo, error } = (typeof answer === 'object' && answer !== null ? answer : {}) as { protocolInfo?: unknown; error?: unknown };
    if (error === undefined && typeof protocolInfo === 'object' && protocolInfo !== null) succeed(batch, item, protocolInfo as ProtocolInfo);
    else if (error !== undefined && protocolInfo === undefined) fail(batch, item, error);
    else broken(batch, item, `gave result ${at} as neither { protocolInfo } nor { error }`);
  });
}

/** One item of a provider without `WSPDuplicateSocketBatch`: `WSPDuplicateSocket`, or the extension with a message. */
async function runOne(batch: Batch, item: PlannedItem): Promise<void> {
  if (batch.signal?.aborted === true) {
    fail(batch, item, batch.signal.reason);
    return;
  }
  const { procTable, extensions } = item.d.provider;
  try {
    // WSACleanup while the batch ran: the provider is gone, and so is the item's lock.
    batch.core.assertAlive();
    const info =
      item.message === undefined
        ? await procTable.WSPDuplicateSocket(item.d.context, batch.dwProcessId)
        : await (extensions?.WSPDuplicateSocketWithMessage as NonNullable<NonNullable<typeof extensions>['WSPDuplicateSocketWithMessage']>).call(
            extensions,
            item.d.context,
            batch.dwProcessId,
            item.message,
          );
    succeed(batch, item, info);
  } catch (error) {
    fail(batch, item, error);
  }
}

/**
 * `WSADuplicateSocketBatch`: the call's checks (a fault rejects it whole), then each item's checks
 * and lock in item order (a fault is that item's result), then the duplications: grouped per
 * provider, one `WSPDuplicateSocketBatch` call for each provider that offers it, and one duplication
 * per socket, at most `BATCH_FALLBACK_CONCURRENCY` at once, for the others. Every provider starts only
 * once every item is locked. Results are in item order whatever order the duplications end in.
 */
export async function duplicateSocketBatch(
  core: SwitchCore,
  items: readonly DuplicateSocketBatchItem[],
  dwProcessId: number,
  options?: DuplicateSocketBatchOptions,
): Promise<DuplicateBatchResult[]> {
  const checked = checkCall(core, items, dwProcessId, options);
  const batch: Batch = { core, dwProcessId, signal: checked.signal, results: new Array<DuplicateBatchResult>(items.length) };
  const groups = new Map<ProviderSlot, PlannedItem[]>();
  const firstIndexOf = new Map<unknown, number>();
  items.forEach((item, index) => {
    let planned: PlannedItem;
    try {
      planned = planItem(batch, item, index, firstIndexOf);
    } catch (error) {
      batch.results[index] = { error: isWsaError(error) ? error : new WsaError('WSAEINVAL', `${CALL} (item ${index}): ${reasonOf(error)}`, { cause: error }) };
      return;
    }
    const group = groups.get(planned.d.provider);
    if (group === undefined) groups.set(planned.d.provider, [planned]);
    else group.push(planned);
  });
  const oneByOne: PlannedItem[] = [];
  const running: Promise<void>[] = [];
  for (const [slot, group] of groups) {
    if (slot.extensions?.WSPDuplicateSocketBatch === undefined) oneByOne.push(...group);
    else running.push(runProviderBatch(batch, slot, group, checked));
  }
  oneByOne.sort((a, b) => a.index - b.index);
  running.push(runWithConcurrency(oneByOne, BATCH_FALLBACK_CONCURRENCY, (item) => runOne(batch, item)));
  await Promise.all(running);
  return batch.results;
}
