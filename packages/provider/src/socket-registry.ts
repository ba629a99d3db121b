/**
 * The provider's descriptors and their registration with the switch. The spec: "The SAN service
 * provider must call the switch's WPUCreateSocketHandle function to allocate a descriptor for the
 * new socket [and] store the descriptor returned by the switch" (WSPDuplicateSocket, remarks);
 * callers name the provider's descriptor, upcalls the switch's. Every pending import (and reserved
 * export credit) holds a descriptor slot too: the configured limit counts both.
 */
import { WsaError, type Socket, type WspUpcallTable } from '@sanshare/protocol-info';
import { DescriptorTable } from './descriptor-table.js';
import { toWsaError } from './errors.js';
import type { PendingImports } from './pending-imports.js';
import type { ConnectedEntry, SocketEntry } from './socket-entry.js';

export class SocketRegistry {
  readonly #table: DescriptorTable<SocketEntry>;
  readonly #upcalls: WspUpcallTable;
  readonly #catalogEntryId: number;
  readonly #pending: PendingImports;

  constructor(limit: number, upcalls: WspUpcallTable, catalogEntryId: number, pending: PendingImports) {
    this.#table = new DescriptorTable<SocketEntry>(limit);
    this.#upcalls = upcalls;
    this.#catalogEntryId = catalogEntryId;
    this.#pending = pending;
  }

  /** The configured limit (`maxSockets`). */
  get limit(): number {
    return this.#table.limit;
  }

  /** True when one more socket fits, beside the open ones, the pending imports and `extra` more slots. */
  hasRoom(extra = 0): boolean {
    return this.#table.hasRoom(this.#pending.held + extra);
  }

  /** Throws `WSAEMFILE` unless `hasRoom(extra)`. */
  requireRoom(extra = 0): void {
    if (!this.hasRoom(extra)) {
      throw new WsaError('WSAEMFILE', `no descriptor available: the provider's limit of ${this.#table.limit} sockets is reached`);
    }
  }

  /** Allocates a provider descriptor for `entry` and the switch's descriptor for it (WPUCreateSocketHandle). */
  register(entry: SocketEntry): Socket {
    const s = this.#table.allocate(entry, this.#pending.held);
    try {
      entry.switchSocket = this.#upcalls.WPUCreateSocketHandle(this.#catalogEntryId, s);
    } catch (error) {
      this.#table.release(s);
      throw toWsaError(error, 'WPUCreateSocketHandle failed', 'WSAEMFILE');
    }
    return s;
  }

  /** Releases the switch's descriptor of `entry` (WPUCloseSocketHandle). */
  unregister(entry: SocketEntry): void {
    try {
      this.#upcalls.WPUCloseSocketHandle(entry.switchSocket);
    } catch {
      // The switch already forgot it: nothing more to release here.
    }
  }

  get(s: Socket): SocketEntry | undefined {
    return this.#table.get(s);
  }

  /** The entry of `s`; `WSAENOTSOCK` when `s` is not a descriptor of this provider. */
  require(s: Socket): SocketEntry {
    return this.#table.require(s);
  }

  /** The entry of connected socket `s`; `WSAENOTCONN` when it is not connected. */
  connected(s: Socket): ConnectedEntry {
    const entry = this.#table.require(s);
    if (entry.state !== 'stream' || entry.stream === undefined) {
      throw new WsaError('WSAENOTCONN', `socket ${s} is not connected`);
    }
    return entry as ConnectedEntry;
  }

  /** Frees the provider descriptor `s` (the switch's is released by `unregister`). */
  release(s: Socket): boolean {
    return this.#table.release(s);
  }

  entries(): IterableIterator<[Socket, SocketEntry]> {
    return this.#table.entries();
  }
}
