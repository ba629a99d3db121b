import type { Socket } from '@sanshare/protocol-info';

/**
 * One lock, as `lock` took it: whoever holds this object can lift that lock and no later one
 * (`unlockIfHeld`). A duplication keeps its lock, so that its lapse, reported late, never lifts the
 * lock a newer duplication of the same socket took.
 */
export interface Lock {
  readonly key: string;
}

/**
 * The switch's access control for shared sockets (the spec's Note): once this process's switch has
 * duplicated a socket, it "does not access the shared socket again until the switch calls the
 * WSPSocket function to explicitly create again a descriptor for the shared socket".
 *
 * A lock is on a socket, not on a descriptor: every descriptor of this process whose key is the
 * socket's is locked with it. Keys come from `socketKeyOf` (asked through the provider's table);
 * a descriptor whose socket has no key gets `descriptorKey(s)`, so that only it is locked.
 *
 * Which descriptors carry a key: one created from a protocol info gets it at once; one created by
 * `socket`, `accept` or an adoption gets it at its first duplication. That covers every descriptor a
 * lock must reach: a second descriptor of one socket in a process only ever comes from a protocol
 * info, since a socket leaves its first process only by a duplication of its first descriptor.
 *
 * A key is forgotten (and its lock lifted) with the last descriptor of this process that carries it:
 * an address pair can name another connection later, which a stale lock must not block.
 *
 * A lock is lifted by an import (`unlock`: the socket is back, whoever locked it), or by the lapse of
 * the duplication that took it (`unlockIfHeld`: only if no newer lock replaced it).
 */
export class AccessControl {
  readonly #keyOf = new Map<Socket, string>();
  /**
   * How many of this process's descriptors are known under each key (`#keyOf` holds each descriptor
   * under one key at most): a count, not a set of them, since only the last one's release matters,
   * and a set per socket was an allocation on every duplication and every import.
   */
  readonly #holders = new Map<string, number>();
  readonly #locked = new Map<string, Lock>();

  /** The key of a socket whose identity is unknown: only descriptor `s` is locked. */
  static descriptorKey(s: Socket): string {
    return `descriptor/${s}`;
  }

  /** Records that descriptor `s` refers to the socket `key` (replacing what it was known as before). */
  assign(s: Socket, key: string): void {
    const previous = this.#keyOf.get(s);
    if (previous === key) return;
    if (previous !== undefined) this.release(s);
    this.#keyOf.set(s, key);
    this.#holders.set(key, (this.#holders.get(key) ?? 0) + 1);
  }

  /** Forgets descriptor `s` (closed); the last descriptor of a key takes its lock with it. */
  release(s: Socket): void {
    const key = this.#keyOf.get(s);
    if (key === undefined) return;
    this.#keyOf.delete(s);
    const holders = (this.#holders.get(key) ?? 1) - 1;
    if (holders > 0) {
      this.#holders.set(key, holders);
    } else {
      this.#holders.delete(key);
      this.#locked.delete(key);
    }
  }

  /** Marks the socket `key` as in another process's hands; the returned lock replaces any earlier one. */
  lock(key: string): Lock {
    const lock: Lock = Object.freeze({ key });
    this.#locked.set(key, lock);
    return lock;
  }

  /** Gives this process access to the socket `key` again (it was imported back: whoever locked it). */
  unlock(key: string): void {
    this.#locked.delete(key);
  }

  /**
   * Lifts `lock` if it is still the lock of its socket: not after an import lifted it, nor once a
   * newer duplication locked the socket again. Returns whether it did.
   */
  unlockIfHeld(lock: Lock): boolean {
    if (this.#locked.get(lock.key) !== lock) return false;
    this.#locked.delete(lock.key);
    return true;
  }

  /** The key descriptor `s` is known under, if any. */
  keyOf(s: Socket): string | undefined {
    return this.#keyOf.get(s);
  }

  /** Whether descriptor `s`'s socket is locked. */
  isLocked(s: Socket): boolean {
    const key = this.#keyOf.get(s);
    return key !== undefined && this.#locked.has(key);
  }

  clear(): void {
    this.#keyOf.clear();
    this.#holders.clear();
    this.#locked.clear();
  }
}
