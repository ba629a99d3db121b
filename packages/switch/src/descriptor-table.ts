import { WsaError, type Socket, type WspUpcallTable } from '@sanshare/protocol-info';
import { FIRST_SWITCH_SOCKET } from './constants.js';

/** One switch descriptor: which provider it belongs to and the provider's context (its descriptor). */
export interface SwitchDescriptor<P> {
  readonly s: Socket;
  readonly catalogEntryId: number;
  readonly provider: P;
  /**
   * What the provider gave `WPUCreateSocketHandle`: its own descriptor for the socket, the one its
   * `WSPSocket`/`WSPAccept` returns and the switch passes to every later call (spec: the provider
   * "returns its own descriptor", and "must supply the switch's socket descriptor in upcalls").
   */
  readonly context: number;
}

/**
 * The switch's descriptor table and the three upcalls that fill it. A non-IFS provider mints every
 * switch descriptor through `WPUCreateSocketHandle(catalogEntryId, context)` and releases it with
 * `WPUCloseSocketHandle`; `WPUQuerySocketHandleContext` gives the context back (SDK semantics).
 *
 * Descriptors count up from `FIRST_SWITCH_SOCKET` and are never reused, so a stale one is always
 * `WSAENOTSOCK` and never silently another socket.
 */
export class DescriptorTable<P> {
  readonly #byS = new Map<Socket, SwitchDescriptor<P>>();
  readonly #byContext = new Map<P, Map<number, Socket>>();
  #next = FIRST_SWITCH_SOCKET;

  get size(): number {
    return this.#byS.size;
  }

  get(s: Socket): SwitchDescriptor<P> | undefined {
    return this.#byS.get(s);
  }

  /** The switch descriptor a provider created for its own descriptor `context`. */
  findByContext(provider: P, context: number): SwitchDescriptor<P> | undefined {
    const s = this.#byContext.get(provider)?.get(context);
    return s === undefined ? undefined : this.#byS.get(s);
  }

  values(): IterableIterator<SwitchDescriptor<P>> {
    return this.#byS.values();
  }

  /** Allocates a descriptor of `provider` for its context `context`. */
  create(provider: P, catalogEntryId: number, context: number): Socket {
    if (!Number.isInteger(catalogEntryId)) throw new WsaError('WSAEINVAL', `WPUCreateSocketHandle: catalog entry id ${String(catalogEntryId)} is not an integer`);
    if (!Number.isInteger(context)) throw new WsaError('WSAEINVAL', `WPUCreateSocketHandle: context ${String(context)} is not an integer`);
    const s = this.#next++;
    this.#byS.set(s, { s, catalogEntryId, provider, context });
    let contexts = this.#byContext.get(provider);
    if (contexts === undefined) this.#byContext.set(provider, (contexts = new Map()));
    contexts.set(context, s);
    return s;
  }

  /** The switch descriptor the next `create` will return: every one made after this point is at least this. */
  get nextSocket(): Socket {
    return this.#next;
  }

  /** Removes `s`; false when it was not there. */
  delete(s: Socket): boolean {
    const d = this.#byS.get(s);
    if (d === undefined) return false;
    this.#byS.delete(s);
    const contexts = this.#byContext.get(d.provider);
    if (contexts?.get(d.context) === s) contexts.delete(d.context);
    return true;
  }

  clear(): void {
    this.#byS.clear();
    this.#byContext.clear();
  }

  /**
   * The upcall table handed to one provider's `WSPStartup`, bound to that provider: a descriptor it
   * creates is its own whatever catalog entry id it names. An id that is not one of `catalogEntryIds`
   * (a protocol info from a process whose catalog numbers entries differently) is recorded as the
   * provider's first entry.
   */
  upcalls(provider: P, catalogEntryIds: readonly number[]): WspUpcallTable {
    return {
      WPUCreateSocketHandle: (catalogEntryId, context) =>
        this.create(provider, catalogEntryIds.includes(catalogEntryId) ? catalogEntryId : (catalogEntryIds[0] ?? catalogEntryId), context),
      WPUCloseSocketHandle: (s) => {
        // A provider may only release its own descriptors.
        if (this.#byS.get(s)?.provider !== provider || !this.delete(s)) throw new WsaError('WSAENOTSOCK', `WPUCloseSocketHandle: ${String(s)} is not a switch descriptor`);
      },
      WPUQuerySocketHandleContext: (s) => {
        const d = this.#byS.get(s);
        if (d === undefined || d.provider !== provider) throw new WsaError('WSAENOTSOCK', `WPUQuerySocketHandleContext: ${String(s)} is not a switch descriptor`);
        return d.context;
      },
    };
  }
}
