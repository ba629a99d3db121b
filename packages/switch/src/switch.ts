import {
  FROM_PROTOCOL_INFO,
  PFL,
  SOCK,
  WINSOCK_VERSION_2_2,
  WSA_FLAG,
  WsaError,
  isWsaError,
  type DuplicateDelivery,
  type ProtocolInfo,
  type RecvOptions,
  type SockAddr,
  type SockOptValue,
  type Socket,
} from '@sanshare/protocol-info';
import { AccessControl } from './access-control.js';
import type { Catalog, CatalogEntry } from './catalog.js';
import { DEFAULT_BACKLOG } from './constants.js';
import { DescriptorTable, type SwitchDescriptor } from './descriptor-table.js';
import { DuplicateReceiver, type ReceiveOptions } from './duplicate-receiver.js';
import { SwitchError } from './errors.js';
import { type StartedProvider, loadProvider } from './load-provider.js';

/** Options of `WSAStartup`. */
export interface WsaStartupOptions {
  /** The catalog whose providers this switch loads. */
  catalog: Catalog;
  /** `MAKEWORD(major, minor)`; only 2.2 (`0x0202`, the default) is supported. */
  versionRequested?: number;
}

/** A catalog entry whose provider failed to load; the switch works on with the others. */
export interface ProviderLoadFailure {
  readonly catalogEntryId: number;
  readonly providerModule: string;
  /** `WSAEPROVIDERFAILEDINIT`, `WSAEINVALIDPROCTABLE` or `WSAVERNOTSUPPORTED`. */
  readonly error: SwitchError;
}

/** A provider the switch loaded, and the catalog entries it serves. */
export interface LoadedProvider {
  readonly catalogEntryIds: readonly number[];
  readonly providerModule: string;
  readonly description: string;
  readonly version: number;
  /** Whether the provider offers sanshare's extensions (cookie, adopt, detach). */
  readonly hasExtensions: boolean;
}

/**
 * A started switch: the Winsock application API of one process. Descriptors are the switch's own;
 * the switch translates them to its providers' descriptors and back.
 *
 * Every call throws `WsaError`: `WSAENOTSOCK` for an unknown descriptor, `WSAEACCES` for a descriptor
 * whose socket this process has handed to another (access control; only `closesocket` and the two
 * trace queries are allowed then), `WSAENETDOWN` after `WSACleanup`, and the provider's own errors.
 */
export interface Switch {
  /** This process's pid: what a peer's `WSADuplicateSocket` needs. */
  readonly pid: number;
  /** The providers that failed to load (each one's error); the others work. */
  readonly loadFailures: readonly ProviderLoadFailure[];
  /** The providers that loaded. */
  readonly providers: readonly LoadedProvider[];
  /** The protocol infos of the catalog entries whose provider is loaded (`WSAEnumProtocols`). */
  WSAEnumProtocols(): ProtocolInfo[];
  /**
   * Creates a socket. With a protocol info from `WSADuplicateSocket` (and `af`, `type`, `protocol`
   * all `FROM_PROTOCOL_INFO`), creates this process's descriptor for the shared socket and gives this
   * process access to it again. Without one, the first catalog entry matching `af`/`type`/`protocol`
   * (protocol 0 matches entries flagged `PFL_MATCHES_PROTOCOL_ZERO`) is used.
   */
  WSASocket(af: number, type: number, protocol: number, protocolInfo?: ProtocolInfo | null, group?: number, flags?: number): Promise<Socket>;
  /** `socket(af, type, protocol)`: `WSASocket` with no protocol info and `WSA_FLAG_OVERLAPPED`. */
  socket(af: number, type: number, protocol: number): Promise<Socket>;
  bind(s: Socket, name: SockAddr): Promise<void>;
  listen(s: Socket, backlog?: number): Promise<void>;
  /** Waits for a connection; returns the new switch descriptor. */
  accept(s: Socket, options?: { signal?: AbortSignal }): Promise<Socket>;
  connect(s: Socket, name: SockAddr, options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<void>;
  /** Sends every byte (a string as UTF-8); resolves with the count once it is in the kernel. */
  send(s: Socket, data: Uint8Array | string): Promise<number>;
  /** Receives what is available (up to `maxBytes`); an empty array means the peer closed gracefully. */
  recv(s: Socket, options?: RecvOptions): Promise<Uint8Array>;
  /** `SD.RECEIVE`, `SD.SEND` or `SD.BOTH`. */
  shutdown(s: Socket, how: number): Promise<void>;
  setsockopt(s: Socket, level: number, optname: number, value: SockOptValue): void;
  getsockopt(s: Socket, level: number, optname: number): SockOptValue;
  getsockname(s: Socket): SockAddr;
  getpeername(s: Socket): SockAddr;
  /** Releases `s`; the connection ends when the last descriptor in any process is closed. Allowed after `WSADuplicateSocket`. */
  closesocket(s: Socket): Promise<void>;
  /**
   * Duplicates `s` for process `dwProcessId` and returns the protocol info that process passes to
   * its `WSASocket` (once). From then on this process may only `closesocket` the socket's
   * descriptors, until it creates one again from a protocol info.
   */
  WSADuplicateSocket(s: Socket, dwProcessId: number): Promise<ProtocolInfo>;
  /**
   * sanshare extension: `WSADuplicateSocket`, and the protocol info travels with the socket and
   * `message` (bytes, or a string as UTF-8; at most 64 KiB) to the target's provider, in one
   * message: the target gets all three from `WSAReceiveDuplicate`, with no IPC of the application's.
   * Same access control as `WSADuplicateSocket`. `WSAEINVAL` when the socket's provider does not
   * offer `WSPDuplicateSocketWithMessage`; `WSAEMSGSIZE` for a message over its limit.
   */
  WSADuplicateSocketWithMessage(s: Socket, dwProcessId: number, message: Uint8Array | string): Promise<ProtocolInfo>;
  /**
   * sanshare extension: the next socket another process duplicated to this one with
   * `WSADuplicateSocketWithMessage`, oldest first per provider, each once. Pass `protocolInfo` to
   * `WSASocket` (single use, within the import timeout). `timeoutMs` ends the wait with
   * `WSAETIMEDOUT`, `signal` with its reason; `WSAEINVAL` when no loaded provider offers
   * `WSPReceiveDuplicate`.
   */
  WSAReceiveDuplicate(options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<DuplicateDelivery>;
  /** For traces: the provider descriptor behind switch descriptor `s` (its upcall context). */
  providerSocketOf(s: Socket): number;
  /** For traces: `SO_COOKIE` of the underlying socket, the same in every process (needs the provider's extensions). */
  socketCookie(s: Socket): bigint;
  /** Whether this process has handed `s`'s socket to another one and not taken it back. */
  isHandedOff(s: Socket): boolean;
  /** Stops every provider (closing their sockets) and the switch; later calls throw `WSAENETDOWN`. */
  WSACleanup(): Promise<void>;
}

/** A loaded provider as the switch keeps it (internal). */
export interface ProviderSlot extends StartedProvider {
  readonly entries: CatalogEntry[];
  readonly providerModule: string;
}

/** A switch descriptor of this switch (internal). */
export type Descriptor = SwitchDescriptor<ProviderSlot>;

const internals = new WeakMap<Switch, SwitchCore>();

/** The switch behind a `Switch` object, for the bridges (not exported from the package). */
export function switchCoreOf(sw: Switch): SwitchCore {
  const core = internals.get(sw);
  if (core === undefined) throw new WsaError('WSAEINVAL', 'not a switch made by WSAStartup');
  return core;
}

/**
 * Starts a switch: loads the provider of every catalog entry (entries naming the same module and
 * options share one provider instance, started once) and hands each the upcall table. A provider
 * that fails to load is listed in `loadFailures`; the others work. Rejects with `WsaError` `WSAEINVAL` without a catalog, with
 * `WSAVERNOTSUPPORTED` when asked for a version other than 2.2.
 */
export async function WSAStartup(options: WsaStartupOptions): Promise<Switch> {
  if (typeof options !== 'object' || options === null || typeof options.catalog?.list !== 'function') {
    throw new WsaError('WSAEINVAL', 'WSAStartup: options.catalog must be a catalog from createCatalog');
  }
  const versionRequested = options.versionRequested ?? WINSOCK_VERSION_2_2;
  if (versionRequested !== WINSOCK_VERSION_2_2) {
    throw new SwitchError('WSAVERNOTSUPPORTED', `version 0x${Number(versionRequested).toString(16)} requested; this switch supports 2.2 (0x0202) only`);
  }
  const core = new SwitchCore();
  await core.load(options.catalog.list(), versionRequested);
  const sw = core.api();
  internals.set(sw, core);
  return sw;
}

/** The switch's state and its calls; `api()` is the public face. */
export class SwitchCore {
  readonly slots: ProviderSlot[] = [];
  readonly failures: ProviderLoadFailure[] = [];
  readonly table = new DescriptorTable<ProviderSlot>();
  readonly access = new AccessControl();
  #cleanedUp = false;
  #receiver: DuplicateReceiver | undefined;

  async load(entries: CatalogEntry[], versionRequested: number): Promise<void> {
    const groups = new Map<string, CatalogEntry[]>();
    for (const entry of entries) {
      const key = JSON.stringify([entry.providerModule, entry.providerOptions ?? {}]);
      groups.set(key, [...(groups.get(key) ?? []), entry]);
    }
    for (const group of groups.values()) {
      const first = group[0] as CatalogEntry;
      // The slot exists before WSPStartup runs: its upcall table is bound to it.
      const pending = { entries: group, providerModule: first.providerModule } as ProviderSlot;
      const upcalls = this.table.upcalls(
        pending,
        group.map((e) => e.catalogEntryId),
      );
      try {
        Object.assign(pending, await loadProvider(first, upcalls, versionRequested));
        this.slots.push(pending);
      } catch (error) {
        for (const e of group) {
          const failure = error instanceof SwitchError ? error : new SwitchError('WSAEPROVIDERFAILEDINIT', String(error), { cause: error });
          this.failures.push({ catalogEntryId: e.catalogEntryId, providerModule: e.providerModule, error: failure });
        }
      }
    }
  }

  #alive(): void {
    if (this.#cleanedUp) throw new WsaError('WSAENETDOWN', 'WSACleanup has been called on this switch');
  }

  /** Looks up a descriptor for a call that touches the socket: unknown → WSAENOTSOCK, handed off → WSAEACCES. */
  use(s: Socket, call: string): Descriptor {
    const d = this.lookup(s, call);
    if (this.access.isHandedOff(d.socketKey)) {
      throw new WsaError(
        'WSAEACCES',
        `${call}: socket ${s} was duplicated to another process (WSADuplicateSocket); this process may only closesocket it until WSASocket creates a descriptor from a protocol info for it again`,
      );
    }
    return d;
  }

  /** Looks up a descriptor without the access check (closesocket, trace queries). */
  lookup(s: Socket, call: string): Descriptor {
    this.#alive();
    const d = Number.isInteger(s) ? this.table.get(s) : undefined;
    if (d === undefined) throw new WsaError('WSAENOTSOCK', `${call}: ${String(s)} is not a socket of this switch`);
    return d;
  }

  /** The switch descriptor for a provider descriptor just returned; made here if the provider did not upcall. */
  adoptResult(slot: ProviderSlot, catalogEntryId: number, context: number): Descriptor {
    const existing = this.table.findByContext(slot, context);
    if (existing !== undefined) return existing;
    const s = this.table.create(slot, catalogEntryId, context);
    return this.table.get(s) as Descriptor;
  }

  /** The underlying socket's cookie through the provider's extensions, or undefined. */
  cookieOf(d: Descriptor): bigint | undefined {
    if (d.provider.extensions === undefined) return undefined;
    try {
      return d.provider.extensions.WSPGetSocketCookie(d.context);
    } catch {
      return undefined;
    }
  }

  /** The access-control key of `d`'s socket (cached once the cookie is known). */
  keyOf(d: Descriptor): string {
    if (d.socketKey !== undefined) return d.socketKey;
    const cookie = this.cookieOf(d);
    if (cookie === undefined) return AccessControl.descriptorKey(d.s);
    d.socketKey = AccessControl.cookieKey(cookie);
    return d.socketKey;
  }

  /** Releases the switch's record of `d` (after the provider closed or detached it). */
  forget(d: Descriptor): void {
    this.table.delete(d.s);
    const key = d.socketKey;
    if (key !== undefined && ![...this.table.values()].some((o) => o.socketKey === key)) this.access.forget(key);
  }

  #selectSlot(af: number, type: number, protocol: number, info: ProtocolInfo | null): { slot: ProviderSlot; entry: CatalogEntry } {
    const candidates = this.slots.flatMap((slot) => slot.entries.map((entry) => ({ slot, entry })));
    if (info !== null) {
      if (typeof info !== 'object') throw new WsaError('WSAEFAULT', 'WSASocket: protocolInfo is not a protocol info');
      const byId = candidates.find((c) => c.entry.catalogEntryId === info.dwCatalogEntryId && c.entry.protocolInfo.ProviderId === info.ProviderId);
      // A protocol info from another process names that process's catalog entry id; when the ids
      // differ the entry is found by provider and protocol, as the same provider serves both.
      const match =
        byId ??
        candidates.find(
          (c) =>
            c.entry.protocolInfo.ProviderId === info.ProviderId &&
            c.entry.protocolInfo.iAddressFamily === info.iAddressFamily &&
            c.entry.protocolInfo.iSocketType === info.iSocketType &&
            c.entry.protocolInfo.iProtocol === info.iProtocol,
        );
      if (match === undefined) throw new WsaError('WSAEINVAL', `WSASocket: no loaded provider implements catalog entry ${info.dwCatalogEntryId} (${info.szProtocol})`);
      return match;
    }
    if (af === FROM_PROTOCOL_INFO || type === FROM_PROTOCOL_INFO || protocol === FROM_PROTOCOL_INFO) {
      throw new WsaError('WSAEINVAL', 'WSASocket: FROM_PROTOCOL_INFO needs a protocol info');
    }
    const match = candidates.find(
      (c) =>
        c.entry.protocolInfo.iAddressFamily === af &&
        c.entry.protocolInfo.iSocketType === type &&
        (c.entry.protocolInfo.iProtocol === protocol || (protocol === 0 && (c.entry.protocolInfo.dwProviderFlags & PFL.MATCHES_PROTOCOL_ZERO) !== 0)),
    );
    if (match === undefined) throw new WsaError('WSAEINVAL', `WSASocket: no loaded provider for af ${af}, type ${type}, protocol ${protocol}`);
    return match;
  }

  /** The provider (with extensions) and catalog entry that adopt a connected stream socket of family `af`. */
  providerForAdoption(af: number): { slot: ProviderSlot; entry: CatalogEntry } {
    this.#alive();
    for (const slot of this.slots) {
      if (slot.extensions === undefined) continue;
      const entry = slot.entries.find((e) => e.protocolInfo.iAddressFamily === af && e.protocolInfo.iSocketType === SOCK.STREAM);
      if (entry !== undefined) return { slot, entry };
    }
    throw new WsaError('WSAEINVAL', `no loaded provider can adopt a stream socket of address family ${af} (none offers the extensions)`);
  }

  async WSASocket(af: number, type: number, protocol: number, protocolInfo: ProtocolInfo | null, group: number, flags: number): Promise<Socket> {
    this.#alive();
    const { slot, entry } = this.#selectSlot(af, type, protocol, protocolInfo);
    // As ws2_32 does, the provider always gets a protocol info: the caller's (a duplicated socket's,
    // to import) or the selected catalog entry's.
    const info = protocolInfo ?? entry.protocolInfo;
    const context = await slot.procTable.WSPSocket(af, type, protocol, structuredClone(info), group, flags);
    this.#alive();
    const d = this.adoptResult(slot, entry.catalogEntryId, context);
    if (protocolInfo !== null && protocolInfo.exportContext !== undefined) {
      // This process holds the socket again: the access-control lock (if this process had handed it
      // off) is lifted for all its descriptors here.
      const cookie = this.cookieOf(d);
      const key = AccessControl.cookieKey(cookie ?? protocolInfo.exportContext.socketCookie);
      d.socketKey = key;
      this.access.regain(key);
    }
    return d.s;
  }

  WSADuplicateSocket(s: Socket, dwProcessId: number): Promise<ProtocolInfo> {
    return this.#duplicate(s, dwProcessId, 'WSADuplicateSocket', (d) => d.provider.procTable.WSPDuplicateSocket(d.context, dwProcessId));
  }

  WSADuplicateSocketWithMessage(s: Socket, dwProcessId: number, message: Uint8Array | string): Promise<ProtocolInfo> {
    const call = 'WSADuplicateSocketWithMessage';
    return this.#duplicate(s, dwProcessId, call, (d) => {
      const duplicate = d.provider.extensions?.WSPDuplicateSocketWithMessage;
      if (duplicate === undefined) throw new WsaError('WSAEINVAL', `${call}: the provider of socket ${s} does not offer WSPDuplicateSocketWithMessage`);
      return duplicate(d.context, dwProcessId, typeof message === 'string' ? new TextEncoder().encode(message) : message);
    });
  }

  /**
   * A duplication under access control: `s` is locked before the provider starts (so no call of
   * this process slips in while the socket is on its way) and unlocked if it fails.
   */
  async #duplicate(s: Socket, dwProcessId: number, call: string, run: (d: Descriptor) => Promise<ProtocolInfo>): Promise<ProtocolInfo> {
    const d = this.use(s, call);
    if (!Number.isInteger(dwProcessId) || dwProcessId < 0 || dwProcessId > 0xffffffff) {
      throw new WsaError('WSAEINVAL', `${call}: process id ${String(dwProcessId)} is not in 0..0xFFFFFFFF`);
    }
    const key = this.keyOf(d);
    this.access.handOff(key);
    try {
      const info = await run(d);
      if (key.startsWith('descriptor:') && info.exportContext !== undefined) {
        // The provider has no cookie extension, but the hand-off context names the socket.
        const cookieKey = AccessControl.cookieKey(info.exportContext.socketCookie);
        this.access.regain(key);
        this.access.handOff(cookieKey);
        d.socketKey = cookieKey;
      }
      return info;
    } catch (error) {
      this.access.regain(key);
      throw error;
    }
  }

  /** WSAReceiveDuplicate across the providers that offer it (made at first use: the slots are fixed by then). */
  receiveDuplicate(options?: ReceiveOptions): Promise<DuplicateDelivery> {
    this.#alive();
    this.#receiver ??= new DuplicateReceiver(
      this.slots.flatMap((slot) => {
        const receive = slot.extensions?.WSPReceiveDuplicate;
        return receive === undefined ? [] : [receive];
      }),
    );
    return this.#receiver.receive(options);
  }

  async closesocket(s: Socket): Promise<void> {
    const d = this.lookup(s, 'closesocket');
    try {
      await d.provider.procTable.WSPCloseSocket(d.context);
    } catch (error) {
      if (!isWsaError(error, 'WSAENOTSOCK')) throw error;
    }
    this.forget(d);
  }

  async cleanup(): Promise<void> {
    if (this.#cleanedUp) return;
    this.#cleanedUp = true;
    this.#receiver?.clear();
    const errors: unknown[] = [];
    for (const slot of this.slots) {
      try {
        await slot.procTable.WSPCleanup();
      } catch (error) {
        errors.push(error);
      }
    }
    this.table.clear();
    this.access.clear();
    if (errors.length > 0) throw new WsaError('WSAENETDOWN', 'WSACleanup: a provider failed to clean up', { cause: errors.length === 1 ? errors[0] : new AggregateError(errors) });
  }

  api(): Switch {
    const core = this;
    return {
      pid: process.pid,
      get loadFailures() {
        return [...core.failures];
      },
      get providers() {
        return core.slots.map((slot) => ({
          catalogEntryIds: slot.entries.map((e) => e.catalogEntryId),
          providerModule: slot.providerModule,
          description: slot.description,
          version: slot.version,
          hasExtensions: slot.extensions !== undefined,
        }));
      },
      WSAEnumProtocols: () => core.slots.flatMap((slot) => slot.entries.map((e) => structuredClone(e.protocolInfo))),
      WSASocket: (af, type, protocol, protocolInfo = null, group = 0, flags = WSA_FLAG.OVERLAPPED) => core.WSASocket(af, type, protocol, protocolInfo, group, flags),
      socket: (af, type, protocol) => core.WSASocket(af, type, protocol, null, 0, WSA_FLAG.OVERLAPPED),
      bind: async (s, name) => {
        const d = core.use(s, 'bind');
        await d.provider.procTable.WSPBind(d.context, name);
      },
      listen: async (s, backlog = DEFAULT_BACKLOG) => {
        const d = core.use(s, 'listen');
        await d.provider.procTable.WSPListen(d.context, backlog);
      },
      accept: async (s, options) => {
        const d = core.use(s, 'accept');
        const context = await d.provider.procTable.WSPAccept(d.context, options);
        return core.adoptResult(d.provider, d.catalogEntryId, context).s;
      },
      connect: async (s, name, options) => {
        const d = core.use(s, 'connect');
        await d.provider.procTable.WSPConnect(d.context, name, options);
      },
      send: async (s, data) => {
        const d = core.use(s, 'send');
        if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new WsaError('WSAEFAULT', 'send: data must be a Uint8Array or a string');
        const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
        return d.provider.procTable.WSPSend(d.context, bytes);
      },
      recv: async (s, options) => {
        const d = core.use(s, 'recv');
        return d.provider.procTable.WSPRecv(d.context, options);
      },
      shutdown: async (s, how) => {
        const d = core.use(s, 'shutdown');
        await d.provider.procTable.WSPShutdown(d.context, how);
      },
      setsockopt: (s, level, optname, value) => {
        const d = core.use(s, 'setsockopt');
        d.provider.procTable.WSPSetSockOpt(d.context, level, optname, value);
      },
      getsockopt: (s, level, optname) => {
        const d = core.use(s, 'getsockopt');
        return d.provider.procTable.WSPGetSockOpt(d.context, level, optname);
      },
      getsockname: (s) => {
        const d = core.use(s, 'getsockname');
        return d.provider.procTable.WSPGetSockName(d.context);
      },
      getpeername: (s) => {
        const d = core.use(s, 'getpeername');
        return d.provider.procTable.WSPGetPeerName(d.context);
      },
      closesocket: (s) => core.closesocket(s),
      WSADuplicateSocket: (s, dwProcessId) => core.WSADuplicateSocket(s, dwProcessId),
      WSADuplicateSocketWithMessage: (s, dwProcessId, message) => core.WSADuplicateSocketWithMessage(s, dwProcessId, message),
      WSAReceiveDuplicate: (options) => core.receiveDuplicate(options),
      providerSocketOf: (s) => core.lookup(s, 'providerSocketOf').context,
      socketCookie: (s) => {
        const d = core.lookup(s, 'socketCookie');
        if (d.provider.extensions === undefined) throw new WsaError('WSAEINVAL', `socketCookie: the provider of socket ${s} has no WSPGetSocketCookie extension`);
        return d.provider.extensions.WSPGetSocketCookie(d.context);
      },
      isHandedOff: (s) => core.access.isHandedOff(core.lookup(s, 'isHandedOff').socketKey),
      WSACleanup: () => core.cleanup(),
    };
  }
}
