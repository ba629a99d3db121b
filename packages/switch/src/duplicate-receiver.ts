/**
 * `WSAReceiveDuplicate` over every loaded provider that offers `WSPReceiveDuplicate`: one provider
 * is asked directly; several are asked at once, the first delivery wins and the others are
 * cancelled. A cancelled provider may still have handed out a delivery (its socket arrived in the
 * same turn): that one is kept and returned by the next call, so no socket is ever dropped.
 */
import { WsaError, type DuplicateDelivery } from '@sanshare/protocol-info';

export interface ReceiveOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export type ReceiveDuplicate = (options?: ReceiveOptions) => Promise<DuplicateDelivery>;

export class DuplicateReceiver {
  readonly #sources: readonly ReceiveDuplicate[];
  /** Deliveries that arrived at a provider after another one won the race: handed out first. */
  readonly #kept: DuplicateDelivery[] = [];

  constructor(sources: readonly ReceiveDuplicate[]) {
    this.#sources = sources;
  }

  async receive(options: ReceiveOptions = {}): Promise<DuplicateDelivery> {
    if (this.#sources.length === 0) {
      throw new WsaError('WSAEINVAL', 'WSAReceiveDuplicate: no loaded provider offers WSPReceiveDuplicate');
    }
    options.signal?.throwIfAborted();
    const kept = this.#kept.shift();
    if (kept !== undefined) return kept;
    const [only] = this.#sources;
    if (this.#sources.length === 1 && only !== undefined) return only(options);
    return this.#race(options);
  }

  /** Forgets kept deliveries (WSACleanup: their providers closed the pending imports). */
  clear(): void {
    this.#kept.length = 0;
  }

  #race(options: ReceiveOptions): Promise<DuplicateDelivery> {
    const race = new AbortController();
    /** The reason the losers are cancelled with: their rejection with it is no failure. */
    const lost = new Error('another provider delivered first');
    const onAbort = (): void => race.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const asked: ReceiveOptions = { signal: race.signal, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) };
    return new Promise<DuplicateDelivery>((resolve, reject) => {
      let won = false;
      let failed = 0;
      let firstFailure: unknown;
      for (const receive of this.#sources) {
        receive(asked).then(
          (delivery) => {
            if (won) {
              this.#kept.push(delivery);
              return;
            }
            won = true;
            options.signal?.removeEventListener('abort', onAbort);
            race.abort(lost);
            resolve(delivery);
          },
          (error: unknown) => {
            if (error === lost) return;
            if (failed === 0) firstFailure = error;
            failed++;
            if (!won && failed === this.#sources.length) {
              options.signal?.removeEventListener('abort', onAbort);
              reject(firstFailure);
            }
          },
        );
      }
    });
  }
}
