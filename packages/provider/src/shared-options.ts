/**
 * The options this provider emulates (SO_RCVTIMEO, SO_SNDTIMEO: the kernel does not hold them for
 * a non-blocking socket), one object per kernel socket in this process, keyed by its SO_COOKIE and
 * shared by every descriptor of that socket here. A hand-off carries the values; an import brings
 * the newest ones (the exporter was the last to use the socket). See docs/decisions/0003, item 7.
 */
import { getSocketCookie } from '@sanshare/transport-uds';
import type { EmulatedOptions } from './export-codec.js';

/** The emulated options of one kernel socket, and how many descriptors here share them. */
export interface SharedOptions {
  options: EmulatedOptions;
  refs: number;
  /** The SO_COOKIE as a map key; undefined while the socket has no kernel socket yet. */
  key: string | undefined;
  /** The kernel socket's SO_COOKIE, once known: it never changes, so a hand-off need not ask again. */
  cookie: bigint | undefined;
}

/** The options of a socket that has no kernel socket yet (WSPSocket before WSPConnect): its own, shared with nobody. */
export function unsharedOptions(): SharedOptions {
  return { options: { rcvtimeoMs: 0, sndtimeoMs: 0 }, refs: 1, key: undefined, cookie: undefined };
}

export class SharedOptionsTable {
  readonly #byCookie = new Map<string, SharedOptions>();

  /**
   * The shared options of the kernel socket `fd` names in this process, joined by one more
   * descriptor whose options so far were `current` (they seed the shared object when it is new).
   * `imported`: an import's options, the newest values. `knownCookie`: an import's cookie, already
   * checked against its descriptor by the receiver, so the kernel need not be asked again.
   */
  share(current: SharedOptions, fd: number, imported?: EmulatedOptions, knownCookie?: bigint): SharedOptions {
    const cookie = knownCookie ?? getSocketCookie(fd);
    const key = cookie.toString();
    let shared = this.#byCookie.get(key);
    if (shared === undefined) {
      shared = { options: { ...current.options }, refs: 0, key, cookie };
      this.#byCookie.set(key, shared);
    }
    if (imported !== undefined) Object.assign(shared.options, imported);
    shared.refs++;
    return shared;
  }

  /** One descriptor of the socket less; the last one forgets the socket's options. */
  unshare(shared: SharedOptions): void {
    shared.refs--;
    if (shared.refs <= 0 && shared.key !== undefined) this.#byCookie.delete(shared.key);
  }
}
