/**
 * `WSAReceiveDuplicate` and `WSAReceiveDuplicates` over every loaded provider that offers
 * `WSPReceiveDuplicate`: one provider is asked directly; several are asked at once, the first
 * delivery wins and the others are cancelled. A cancelled provider may still have handed out a
 * delivery (its socket arrived in the same turn): that one is kept and returned by the next call, so
 * no socket is ever dropped. `WSAReceiveDuplicates` asks a provider's `WSPReceiveDuplicates` where it
 * offers one, and its `WSPReceiveDuplicate` (one delivery) where not; deliveries over `max` are kept
 * the same way.
 */
import { WsaError, type DuplicateDelivery } from '@sanshare/protocol-info';

export interface ReceiveOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface ReceiveManyOptions extends ReceiveOptions {
  /** At most this many deliveries (a positive integer; default: every one there). */
  max?: number;
}

export type ReceiveDuplicate = (options?: ReceiveOptions) => Promise<DuplicateDelivery>;
export type ReceiveDuplicates = (options?: ReceiveManyOptions) => Promise<DuplicateDelivery[]>;

/** One provider's receive calls. */
export interface DuplicateSource {
  /** `WSPReceiveDuplicate`. */
  readonly one: ReceiveDuplicate;
  /** `WSPReceiveDuplicates`; absent, a receive of many asks `one` for a single delivery. */
  readonly many?: ReceiveDuplicates | undefined;
}

/** How one call asks one provider, as an array of deliveries (not empty). */
type Fetch = (source: DuplicateSource, options: ReceiveManyOptions) => Promise<DuplicateDelivery[]>;

export class DuplicateReceiver {
  readonly #sources: readonly DuplicateSource[];
  /** Deliveries that arrived at a provider after another one won the race, or past a call's `max`: handed out first. */
  readonly #kept: DuplicateDelivery[] = [];
  /** Races waiting for their first delivery: a delivery kept meanwhile goes to the oldest at once. */
  readonly #keptWaiters = new Set<() => boolean>();

  constructor(sources: readonly DuplicateSource[]) {
    this.#sources = sources;
  }

  /** The next delivery (`WSAReceiveDuplicate`). */
  async receive(options: ReceiveOptions = {}): Promise<DuplicateDelivery> {
    const [first] = await this.#take('WSAReceiveDuplicate', options, 1, async (source, asked) => [await source.one(asked)]);
    return first as DuplicateDelivery;
  }

  /** At least one delivery and at most `max` (`WSAReceiveDuplicates`): every one there, oldest first per provider. */
  async receiveMany(options: ReceiveManyOptions = {}): Promise<DuplicateDelivery[]> {
    const call = 'WSAReceiveDuplicates';
    const { max } = options;
    if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
      throw new WsaError('WSAEINVAL', `${call}: max must be a positive integer, got ${String(max)}; omit it to take every socket that is there`);
    }
    return this.#take(call, options, max ?? Infinity, async (source, asked) => {
      if (source.many === undefined) return [await source.one({ ...(asked.signal === undefined ? {} : { signal: asked.signal }), ...(asked.timeoutMs === undefined ? {} : { timeoutMs: asked.timeoutMs }) })];
      const deliveries: unknown = await source.many(asked);
      if (!Array.isArray(deliveries) || deliveries.length === 0) {
        throw new WsaError(
          'WSAEINVALIDPROVIDER',
          `${call}: a provider's WSPReceiveDuplicates resolved with ${Array.isArray(deliveries) ? 'no delivery' : 'something that is not an array'}; it must wait until at least one socket is there and resolve with an array of them`,
        );
      }
      return deliveries as DuplicateDelivery[];
    });
  }

  /** Forgets kept deliveries (WSACleanup: their providers closed the pending imports). */
  clear(): void {
    this.#kept.length = 0;
  }

  async #take(call: string, options: ReceiveManyOptions, max: number, fetch: Fetch): Promise<DuplicateDelivery[]> {
    if (this.#sources.length === 0) {
      throw new WsaError('WSAEINVAL', `${call}: no loaded provider offers WSPReceiveDuplicate; use WSADuplicateSocket and a protocol-info channel instead`);
    }
    options.signal?.throwIfAborted();
    if (this.#kept.length > 0) return this.#kept.splice(0, max);
    const [only] = this.#sources;
    if (this.#sources.length === 1 && only !== undefined) return this.#trim(await fetch(only, options), max);
    return this.#race(options, max, fetch);
  }

  /** The first `max` deliveries; the rest are kept for the next call. */
  #trim(deliveries: DuplicateDelivery[], max: number): DuplicateDelivery[] {
    if (deliveries.length <= max) return deliveries;
    this.#keep(deliveries.slice(max));
    return deliveries.slice(0, max);
  }

  /** Keeps deliveries nobody asked for, and offers them to the waiting races, oldest first. */
  #keep(deliveries: readonly DuplicateDelivery[]): void {
    this.#kept.push(...deliveries);
    for (const waiter of this.#keptWaiters) {
      if (this.#kept.length === 0) break;
      this.#keptWaiters.delete(waiter);
      waiter();
    }
  }

  #race(options: ReceiveManyOptions, max: number, fetch: Fetch): Promise<DuplicateDelivery[]> {
    const race = new AbortController();
    /** The reason the losers are cancelled with: their rejection with it is no failure. */
    const lost = new Error('another provider delivered first');
    const onAbort = (): void => race.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const asked: ReceiveManyOptions = {
      signal: race.signal,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.max === undefined ? {} : { max: options.max }),
    };
    return new Promise<DuplicateDelivery[]>((resolve, reject) => {
      let won = false;
      let failed = 0;
      let firstFailure: unknown;
      const win = (deliveries: DuplicateDelivery[]): void => {
        won = true;
        this.#keptWaiters.delete(takeKept);
        options.signal?.removeEventListener('abort', onAbort);
        race.abort(lost);
        resolve(deliveries);
      };
      // Another call's loser may keep a delivery while this race waits: it is this race's then.
      const takeKept = (): boolean => {
        // Aborted: by the caller (this call is over), or after a win.
        if (won || race.signal.aborted || this.#kept.length === 0) return false;
        win(this.#kept.splice(0, max));
        return true;
      };
      this.#keptWaiters.add(takeKept);
      for (const source of this.#sources) {
        fetch(source, asked).then(
          (deliveries) => {
            if (won) this.#keep(deliveries);
            else win(this.#trim(deliveries, max));
          },
          (error: unknown) => {
            if (error === lost) return;
            if (failed === 0) firstFailure = error;
            failed++;
            if (!won && failed === this.#sources.length) {
              won = true;
              this.#keptWaiters.delete(takeKept);
              options.signal?.removeEventListener('abort', onAbort);
              reject(firstFailure);
            }
          },
        );
      }
    });
  }
}
