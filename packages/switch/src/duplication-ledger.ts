import { WsaError, type DuplicateSettlement, type Socket } from '@sanshare/protocol-info';
import type { AccessControl, Lock } from './access-control.js';
import { MAX_UNSETTLED_DUPLICATIONS_PER_DESCRIPTOR } from './constants.js';
import type { DescriptorTable } from './descriptor-table.js';
import type { DuplicateSettledEvent } from './switch-api.js';

/** One duplication the switch made and whose outcome it has not heard yet. */
export interface Duplication<P> {
  readonly provider: P;
  /** The switch descriptor that was duplicated. */
  readonly s: Socket;
  readonly dwProcessId: number;
  /** The access-control lock this duplication took. */
  readonly lock: Lock;
  /** The returned protocol info's `dwProviderReserved`; undefined while the provider's call runs. */
  dwProviderReserved: number | undefined;
  /** Settlements that arrived while the provider's call ran (matched once it returns). */
  readonly early: DuplicateSettlement[];
}

const OUTCOMES: ReadonlySet<unknown> = new Set(['claimed', 'lapsed']);
const isUint32 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;

/**
 * The switch's side of `WPUNotifyDuplicateSettled`: the duplications it made, matched with the
 * outcome their provider reports, by descriptor, `dwProviderReserved` and `dwProcessId`.
 *
 * - `'lapsed'` (the target never imported it; the provider gave the socket back): the lock that
 *   duplication took is lifted, unless it is no longer the socket's lock (an import lifted it, or a
 *   newer duplication locked the socket again): a late lapse never frees a socket that is away.
 * - `'claimed'` (the target imported it): nothing changes here; the lock stays until the socket is
 *   imported back.
 * - Both: the application's listeners are told, asynchronously (never inside the provider's upcall,
 *   so that a listener may call the switch, and the provider, at once).
 *
 * A settlement for a descriptor that is closed since (or was never opened) is ignored: nothing is
 * left to give back or to tell. One for another provider's descriptor is `WSAENOTSOCK`, a malformed
 * one `WSAEINVAL` (thrown to the provider, as the other upcalls do). Records go with their descriptor
 * (`forget`), and at most `MAX_UNSETTLED_DUPLICATIONS_PER_DESCRIPTOR` are kept per descriptor for a
 * provider that never reports.
 */
export class DuplicationLedger<P> {
  readonly #table: DescriptorTable<P>;
  readonly #access: AccessControl;
  readonly #open = new Map<Socket, Duplication<P>[]>();
  readonly #listeners = new Set<(event: DuplicateSettledEvent) => void>();

  constructor(table: DescriptorTable<P>, access: AccessControl) {
    this.#table = table;
    this.#access = access;
  }

  /** Records a duplication of `s` whose provider call is about to start; it took `lock`. */
  begin(provider: P, s: Socket, dwProcessId: number, lock: Lock): Duplication<P> {
    const duplication: Duplication<P> = { provider, s, dwProcessId, lock, dwProviderReserved: undefined, early: [] };
    let list = this.#open.get(s);
    if (list === undefined) this.#open.set(s, (list = []));
    list.push(duplication);
    if (list.length > MAX_UNSETTLED_DUPLICATIONS_PER_DESCRIPTOR) list.shift();
    return duplication;
  }

  /** The provider's call failed: no outcome will come (the caller lifts the lock). */
  abandon(duplication: Duplication<P>): void {
    this.#remove(duplication);
  }

  /** The provider's call returned a protocol info with this `dwProviderReserved`: settlements can match now. */
  complete(duplication: Duplication<P>, dwProviderReserved: number): void {
    duplication.dwProviderReserved = dwProviderReserved;
    const early = duplication.early.splice(0);
    const settlement = early.find((e) => e.dwProviderReserved === dwProviderReserved);
    if (settlement !== undefined) this.#apply(duplication, settlement);
  }

  /** `WPUNotifyDuplicateSettled(s, settlement)` of `provider`. */
  settle(provider: P, s: Socket, settlement: DuplicateSettlement): void {
    const what = 'WPUNotifyDuplicateSettled';
    if (typeof settlement !== 'object' || settlement === null) throw new WsaError('WSAEINVAL', `${what}: the settlement is not an object; pass { outcome, dwProcessId, dwProviderReserved, reason }`);
    const { outcome, dwProcessId, dwProviderReserved, reason } = settlement;
    if (!OUTCOMES.has(outcome)) throw new WsaError('WSAEINVAL', `${what}: outcome ${String(outcome)} is neither 'claimed' nor 'lapsed'`);
    if (!isUint32(dwProcessId) || !isUint32(dwProviderReserved)) {
      throw new WsaError('WSAEINVAL', `${what}: dwProcessId and dwProviderReserved must be the uint32 values of the duplication (got ${String(dwProcessId)}, ${String(dwProviderReserved)})`);
    }
    if (typeof reason !== 'string') throw new WsaError('WSAEINVAL', `${what}: reason must be a string that says why, for people`);
    const d = Number.isInteger(s) ? this.#table.get(s) : undefined;
    if (d === undefined) return;
    if (d.provider !== provider) throw new WsaError('WSAENOTSOCK', `${what}: ${String(s)} is another provider's descriptor; a provider reports only its own duplications`);
    const list = this.#open.get(s) ?? [];
    const settled = { outcome, dwProcessId, dwProviderReserved, reason } as DuplicateSettlement;
    // Oldest first: a provider reports a duplication once, and in the order they end.
    const match = list.find((dup) => dup.dwProviderReserved === dwProviderReserved && dup.dwProcessId === dwProcessId);
    if (match !== undefined) {
      this.#apply(match, settled);
      return;
    }
    // Reported before the provider's call returned (its protocol info is not known yet).
    const running = list.find((dup) => dup.dwProviderReserved === undefined && dup.dwProcessId === dwProcessId);
    running?.early.push(settled);
  }

  /** Descriptor `s` is closed: its duplications will not be reported to anyone. */
  forget(s: Socket): void {
    this.#open.delete(s);
  }

  /** Adds a listener; returns the function that removes it. */
  onSettled(listener: (event: DuplicateSettledEvent) => void): () => void {
    if (typeof listener !== 'function') throw new WsaError('WSAEINVAL', 'onDuplicateSettled: the listener must be a function');
    // A wrapper per registration: the same function added twice is called twice, and removed once each.
    const entry = (event: DuplicateSettledEvent): void => listener(event);
    this.#listeners.add(entry);
    return () => void this.#listeners.delete(entry);
  }

  clear(): void {
    this.#open.clear();
    this.#listeners.clear();
  }

  #remove(duplication: Duplication<P>): void {
    const list = this.#open.get(duplication.s);
    const at = list?.indexOf(duplication) ?? -1;
    if (list === undefined || at < 0) return;
    list.splice(at, 1);
    if (list.length === 0) this.#open.delete(duplication.s);
  }

  #apply(duplication: Duplication<P>, settlement: DuplicateSettlement): void {
    this.#remove(duplication);
    // Synchronous: once the provider's upcall returns, calls on the socket work again.
    if (settlement.outcome === 'lapsed') this.#access.unlockIfHeld(duplication.lock);
    const event: DuplicateSettledEvent = Object.freeze({
      s: duplication.s,
      outcome: settlement.outcome,
      dwProcessId: settlement.dwProcessId,
      dwProviderReserved: settlement.dwProviderReserved,
      reason: settlement.reason,
    });
    // Each listener in its own microtask: one that throws (an uncaught exception, as with an
    // EventEmitter) does not keep the others from hearing it.
    for (const listener of [...this.#listeners]) queueMicrotask(() => listener(event));
  }
}
