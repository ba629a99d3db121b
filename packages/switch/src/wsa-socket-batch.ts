import { kindOf } from '@sanshare/internal';
import { FROM_PROTOCOL_INFO, WsaError, isWsaError, type ProtocolInfo, type Socket, type SocketBatchResult } from '@sanshare/protocol-info';
import { BATCH_FALLBACK_CONCURRENCY, MAX_SOCKET_BATCH_ITEMS } from './constants.js';
import { copyProtocolInfo } from './copy-protocol-info.js';
import { reasonOf } from './explain.js';
import { selectProvider } from './provider-selection.js';
import type { Descriptor, ProviderSlot } from './provider-slot.js';
import { runWithConcurrency } from './run-with-concurrency.js';
import { socketKeyOf } from './socket-key.js';
import type { SwitchCore } from './switch-core.js';

const CALL = 'WSASocketBatch';
const FROM = FROM_PROTOCOL_INFO;

/** An item whose provider was found: what that provider gets, and where its result goes. */
interface PlannedItem {
  readonly index: number;
  /** The switch's own copy: the provider may keep or change it, the caller's stays as it was. */
  readonly info: ProtocolInfo;
}

/** What one batch needs while it runs. */
interface Batch {
  readonly core: SwitchCore;
  readonly flags: number;
  readonly results: SocketBatchResult[];
}

/** Item `item`'s new switch descriptor `d`: its access-control key, which lifts the socket's lock here (spec step 14), exactly as `WSASocket` does. */
function assignKey(batch: Batch, slot: ProviderSlot, item: PlannedItem, d: Descriptor, context: Socket): void {
  const key = socketKeyOf(slot, context);
  if (key !== undefined) {
    batch.core.access.assign(d.s, key);
    batch.core.access.unlock(key);
  }
  batch.results[item.index] = { s: d.s };
}

/**
 * The provider created `context` for item `item`: its switch descriptor (made by the provider's
 * `WPUCreateSocketHandle`) gets its key. Synchronous for a provider that keeps the contract (no
 * promise per item); a promise only when the provider made no switch descriptor: `adoptResult`
 * closes its descriptor then, and the item fails with `WSAEINVALIDPROVIDER`.
 */
function succeed(batch: Batch, slot: ProviderSlot, item: PlannedItem, context: Socket): Promise<void> | undefined {
  const d = batch.core.table.findByContext(slot, context);
  if (d !== undefined) {
    assignKey(batch, slot, item, d, context);
    return undefined;
  }
  return batch.core.adoptResult(slot, context, `${CALL} (item ${item.index})`).then(
    (adopted) => assignKey(batch, slot, item, adopted, context),
    (error: unknown) => {
      batch.results[item.index] = { error: error as WsaError };
    },
  );
}

/** The item's error as its result: the provider's `WsaError` as is, anything else a broken contract. */
function fail(batch: Batch, slot: ProviderSlot, item: PlannedItem, error: unknown): void {
  const itemError = isWsaError(error)
    ? error
    : new WsaError('WSAEINVALIDPROVIDER', `${CALL} (item ${item.index}): provider ${slot.providerModule} failed with an error that is not a WsaError: ${reasonOf(error)}`, { cause: error });
  batch.results[item.index] = { error: itemError };
}

/**
 * Results the switch cannot use (the provider broke the contract) that name provider descriptors:
 * each is closed, with its switch descriptor if it made one, as `adoptResult` closes one for
 * `WSASocket`. Nobody else could ever close it: the caller never learns of it. Left alone: a
 * descriptor that another item of this batch returns as its socket, and one whose switch descriptor
 * existed before the call (`firstNew`): not this call's to close, whatever the provider says.
 */
async function discard(batch: Batch, slot: ProviderSlot, answers: readonly unknown[], firstNew: Socket, kept: ReadonlySet<number>): Promise<void> {
  const named = new Set<number>();
  for (const answer of answers) {
    const s = typeof answer === 'object' && answer !== null ? (answer as { s?: unknown }).s : undefined;
    if (typeof s === 'number' && !kept.has(s)) named.add(s);
  }
  await Promise.all(
    [...named].map(async (context) => {
      const d = batch.core.table.findByContext(slot, context);
      if (d !== undefined && d.s < firstNew) return;
      try {
        await slot.procTable.WSPCloseSocket(context);
      } catch {
        // The provider is misbehaving already: its item's error says so.
      }
      if (d !== undefined) batch.core.forget(d);
    }),
  );
}

/** Items of a provider that offers `WSPSocketBatch`: one call per 253 of them, one result per item. */
async function runProviderBatch(batch: Batch, slot: ProviderSlot, items: readonly PlannedItem[]): Promise<void> {
  const extensions = slot.extensions;
  const socketBatch = extensions?.WSPSocketBatch as NonNullable<NonNullable<typeof extensions>['WSPSocketBatch']>;
  let answers: unknown;
  const firstNew = batch.core.table.nextSocket;
  try {
    answers = await socketBatch.call(
      extensions,
      items.map((item) => item.info),
      batch.flags,
    );
    // WSACleanup while the provider ran: its sockets are gone, and so is the table.
    batch.core.assertAlive();
  } catch (error) {
    for (const item of items) fail(batch, slot, item, error);
    return;
  }
  if (!Array.isArray(answers) || answers.length !== items.length) {
    const got = Array.isArray(answers) ? `${answers.length} results` : kindOf(answers);
    for (const item of items) {
      batch.results[item.index] = {
        error: new WsaError('WSAEINVALIDPROVIDER', `${CALL} (item ${item.index}): provider ${slot.providerModule}'s WSPSocketBatch resolved with ${got} for ${items.length} protocol infos (one result per info, in order)`),
      };
    }
    if (Array.isArray(answers)) await discard(batch, slot, answers, firstNew, new Set());
    return;
  }
  let adopting: Promise<void>[] | undefined;
  let unusable: unknown[] | undefined;
  const kept = new Set<number>();
  for (let at = 0; at < items.length; at++) {
    const item = items[at] as PlannedItem;
    const answer: unknown = answers[at];
    const { s, error } = (typeof answer === 'object' && answer !== null ? answer : {}) as { s?: unknown; error?: unknown };
    if (error === undefined && typeof s === 'number') {
      kept.add(s);
      const adopted = succeed(batch, slot, item, s);
      if (adopted !== undefined) (adopting ??= []).push(adopted);
    } else if (error !== undefined && s === undefined) {
      fail(batch, slot, item, error);
    } else {
      batch.results[item.index] = {
        error: new WsaError('WSAEINVALIDPROVIDER', `${CALL} (item ${item.index}): provider ${slot.providerModule}'s WSPSocketBatch gave result ${at} as neither { s } nor { error }`),
      };
      (unusable ??= []).push(answer);
    }
  }
  if (unusable !== undefined) (adopting ??= []).push(discard(batch, slot, unusable, firstNew, kept));
  if (adopting !== undefined) await Promise.all(adopting);
}

/** One item of a provider without `WSPSocketBatch`: its `WSPSocket`, as `WSASocket` calls it. */
async function runOne(batch: Batch, slot: ProviderSlot, item: PlannedItem): Promise<void> {
  let context: Socket;
  try {
    batch.core.assertAlive();
    context = await slot.procTable.WSPSocket(FROM, FROM, FROM, item.info, 0, batch.flags);
    batch.core.assertAlive();
  } catch (error) {
    fail(batch, slot, item, error);
    return;
  }
  await succeed(batch, slot, item, context);
}

/**
 * `WSASocketBatch`: `WSASocket(FROM_PROTOCOL_INFO x3, info, 0, flags)` for each protocol info, with
 * the same provider selection, checks, access control and errors per item; one result per info, in
 * order. The items are grouped by provider: a provider that offers `WSPSocketBatch` gets them in calls
 * of at most 253, a provider without it one `WSPSocket` per item (at most
 * `BATCH_FALLBACK_CONCURRENCY` at once). Rejects only for the call's own faults: `WSAENETDOWN`,
 * `protocolInfos` not an array.
 */
export async function wsaSocketBatch(core: SwitchCore, protocolInfos: readonly ProtocolInfo[], flags: number): Promise<SocketBatchResult[]> {
  core.assertAlive();
  if (!Array.isArray(protocolInfos)) throw new WsaError('WSAEINVAL', `${CALL}: protocolInfos must be an array of protocol infos, got ${kindOf(protocolInfos)}`);
  const batch: Batch = { core, flags, results: new Array<SocketBatchResult>(protocolInfos.length) };
  const groups = new Map<ProviderSlot, PlannedItem[]>();
  for (let index = 0; index < protocolInfos.length; index++) {
    const given = protocolInfos[index] as ProtocolInfo | null | undefined;
    let slot: ProviderSlot;
    let info: ProtocolInfo;
    try {
      // WSASocket with FROM_PROTOCOL_INFO and no info: its WSAEINVAL, as the single call gives it.
      slot = selectProvider(core.slots, core.failures, FROM, FROM, FROM, given ?? null).slot;
      info = copyProtocolInfo(given as ProtocolInfo);
    } catch (error) {
      batch.results[index] = { error: isWsaError(error) ? error : new WsaError('WSAEINVAL', `${CALL} (item ${index}): ${reasonOf(error)}`, { cause: error }) };
      continue;
    }
    const group = groups.get(slot);
    if (group === undefined) groups.set(slot, [{ index, info }]);
    else group.push({ index, info });
  }
  const running: Promise<void>[] = [];
  for (const [slot, items] of groups) {
    if (slot.extensions?.WSPSocketBatch === undefined) {
      running.push(runWithConcurrency(items, BATCH_FALLBACK_CONCURRENCY, (item) => runOne(batch, slot, item)));
      continue;
    }
    for (let at = 0; at < items.length; at += MAX_SOCKET_BATCH_ITEMS) running.push(runProviderBatch(batch, slot, items.slice(at, at + MAX_SOCKET_BATCH_ITEMS)));
  }
  await Promise.all(running);
  return batch.results;
}
