/**
 * The switch's access control for shared sockets (the spec's Note): once this process's switch has
 * duplicated a socket, it does not touch that socket again until `WSASocket` creates a descriptor for
 * it from a protocol info. Sockets are identified by a key: the kernel's socket cookie (`SO_COOKIE`,
 * the same in every process) when the provider offers it, else the descriptor itself.
 */
export class AccessControl {
  readonly #handedOff = new Set<string>();

  /** The key of a socket known by its cookie. */
  static cookieKey(cookie: bigint | string): string {
    return `cookie:${String(cookie)}`;
  }

  /** The key of a socket whose cookie is unknown: only that descriptor is locked. */
  static descriptorKey(s: number): string {
    return `descriptor:${s}`;
  }

  /** Marks the socket as in another process's hands; false when it already was. */
  handOff(key: string): boolean {
    if (this.#handedOff.has(key)) return false;
    this.#handedOff.add(key);
    return true;
  }

  /** Gives this process access again (a descriptor was created from a protocol info for it). */
  regain(key: string): void {
    this.#handedOff.delete(key);
  }

  isHandedOff(key: string | undefined): boolean {
    return key !== undefined && this.#handedOff.has(key);
  }

  /** Forgets a socket none of whose descriptors remain in this process. */
  forget(key: string): void {
    this.#handedOff.delete(key);
  }

  clear(): void {
    this.#handedOff.clear();
  }
}
