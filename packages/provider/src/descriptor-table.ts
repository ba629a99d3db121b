/**
 * The provider's descriptor table: its own small integers for the sockets it holds (the switch keeps
 * a table of its own and maps between the two). O(1) allocate, look up and release, so that the cost
 * of a hand-off does not grow with the number of open sockets.
 */
import { WsaError } from '@sanshare/protocol-info';

export class DescriptorTable<T> {
  readonly #entries = new Map<number, T>();
  readonly #limit: number;
  // Numbers are not reused at once (unlike Unix fds): a stale descriptor kept by a buggy caller
  // then fails with WSAENOTSOCK instead of silently naming someone else's socket.
  #next = 1;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#entries.size;
  }

  get limit(): number {
    return this.#limit;
  }

  /** True when `reserve` more descriptors (pending imports, say) would still fit. */
  hasRoom(reserve = 0): boolean {
    return this.#entries.size + reserve < this.#limit;
  }

  /** Stores `entry` under a fresh descriptor; `WSAEMFILE` when the configured limit is reached. */
  allocate(entry: T, reserve = 0): number {
    if (!this.hasRoom(reserve)) {
      throw new WsaError('WSAEMFILE', `no descriptor available: the provider's limit of ${this.#limit} sockets is reached`);
    }
    let s = this.#next;
    while (this.#entries.has(s)) s = s >= 0x7fffffff ? 1 : s + 1;
    this.#next = s >= 0x7fffffff ? 1 : s + 1;
    this.#entries.set(s, entry);
    return s;
  }

  get(s: number): T | undefined {
    return this.#entries.get(s);
  }

  /** The entry of `s`; `WSAENOTSOCK` when `s` is not a descriptor of this table. */
  require(s: number): T {
    const entry = Number.isInteger(s) ? this.#entries.get(s) : undefined;
    if (entry === undefined) throw new WsaError('WSAENOTSOCK', `${String(s)} is not a socket descriptor of this provider`);
    return entry;
  }

  release(s: number): boolean {
    return this.#entries.delete(s);
  }

  entries(): IterableIterator<[number, T]> {
    return this.#entries.entries();
  }
}
