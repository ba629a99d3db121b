/**
 * The provider core: one instance per `WSPStartup`. It owns the descriptor table, the sockets
 * (each a real kernel socket), the hand-off endpoint and the pending imports, and implements the
 * procedure table and sanshare's extensions.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import {
  AF,
  FROM_PROTOCOL_INFO,
  type DuplicateDelivery,
  type ExportContext,
  IPPROTO,
  SD,
  SOCK,
  WsaError,
  type ProtocolInfo,
  type RecvOptions,
  type SockAddr,
  type SockOptValue,
  type Socket,
  type WspExtensions,
  type WspProcTable,
  type WspUpcallTable,
} from '@sanshare/protocol-info';
import { DEFAULT_RECV_BYTES, MAX_APP_MESSAGE_BYTES, MAX_READ_AHEAD_BYTES, READ_HIGH_WATER_MARK } from './constants.js';
import { DescriptorTable } from './descriptor-table.js';
import { pick, toWsaError } from './errors.js';
import { ExportClient } from './export-socket.js';
import type { EmulatedOptions, SocketEssentials } from './handoff-codec.js';
import { HandoffEndpoint } from './handoff-endpoint.js';
import {
  closeFd,
  descriptorOf,
  dupFd,
  getLinger,
  getSockOptInt,
  getSocketCookie,
  setLinger,
  setSockOptInt,
  withHighWaterMark,
  wrapDescriptor,
} from './kernel.js';
import { PendingImports } from './pending-imports.js';
import type { ResolvedProviderOptions } from './provider-options.js';
import { endpointPath, ensureRuntimeDir } from './runtime-dir.js';
import {
  kernelDefault,
  lookupSocketOption,
  toBoolOption,
  toIntOption,
  toLingerOption,
  type SocketOption,
} from './socket-options.js';
import { StreamSocket } from './stream-socket.js';

/** Emulated options, one object per kernel socket in this process (keyed by SO_COOKIE), shared by its descriptors. */
interface SharedOptions {
  options: EmulatedOptions;
  refs: number;
  key: string | undefined;
  /** The kernel socket's SO_COOKIE, once known: it never changes, so a hand-off need not ask again. */
  cookie: bigint | undefined;
}

interface Listening {
  server: net.Server;
  queue: net.Socket[];
  waiters: Set<() => void>;
  failure: Error | undefined;
}

interface Entry {
  switchSocket: number;
  af: number;
  type: number;
  protocol: number;
  /** `new`: no kernel socket yet (created by WSPConnect or WSPListen); options wait in `queued`. */
  state: 'new' | 'connecting' | 'listening' | 'stream' | 'closed';
  bound: SockAddr | undefined;
  queued: Map<string, { option: SocketOption; value: SockOptValue }>;
  shared: SharedOptions;
  stream: StreamSocket | undefined;
  listening: Listening | undefined;
  /** The duplications of this descriptor, chained: one runs at a time, in call order. */
  duplications: Promise<unknown>;
}

/** The codes WSPDuplicateSocket may fail with (WSPDuplicateSocket.txt); SAN providers never use WSAEINPROGRESS. */
const DUPLICATE_ERRORS: ReadonlySet<string> = new Set(['WSAENETDOWN', 'WSAEINVAL', 'WSAEMFILE', 'WSAENOBUFS', 'WSAENOTSOCK']);

const noOptions = (): EmulatedOptions => ({ rcvtimeoMs: 0, sndtimeoMs: 0 });

function familyOf(af: number): 4 | 6 {
  return af === AF.INET6 ? 6 : 4;
}

function checkAddress(af: number, name: SockAddr, allowPortZero: boolean): void {
  if (typeof name !== 'object' || name === null || typeof name.address !== 'string') {
    throw new WsaError('WSAEINVAL', 'the address must be { address, port }');
  }
  if (net.isIP(name.address) !== familyOf(af)) {
    throw new WsaError(pick(['WSAEAFNOSUPPORT'], 'WSAEINVAL'), `${name.address} is not an IPv${familyOf(af)} address`);
  }
  if (!Number.isInteger(name.port) || name.port < (allowPortZero ? 0 : 1) || name.port > 65535) {
    throw new WsaError(pick(['WSAEADDRNOTAVAIL'], 'WSAEINVAL'), `invalid port ${String(name.port)}`);
  }
}

export class Provider {
  readonly #options: ResolvedProviderOptions;
  readonly #upcalls: WspUpcallTable;
  readonly #catalog: ProtocolInfo;
  readonly #table: DescriptorTable<Entry>;
  readonly #pending: PendingImports;
  readonly #shared = new Map<string, SharedOptions>();
  readonly #exports = new ExportClient();
  #endpoint: HandoffEndpoint | undefined;
  #cleanedUp = false;

  constructor(options: ResolvedProviderOptions, catalog: ProtocolInfo, upcalls: WspUpcallTable) {
    this.#options = options;
    this.#catalog = catalog;
    this.#upcalls = upcalls;
    this.#table = new DescriptorTable<Entry>(options.maxSockets);
    this.#pending = new PendingImports({
      maxPending: options.maxPendingExports,
      importTimeoutMs: options.importTimeoutMs,
      closeFd: (fd) => {
        try {
          closeFd(fd);
        } catch {
          // Already closed.
        }
      },
      pid: process.pid,
    });
  }

  /** Opens the hand-off endpoint `<runtimeDir>/<pid>.sock`. */
  async start(): Promise<void> {
    ensureRuntimeDir(this.#options.runtimeDir);
    this.#endpoint = await HandoffEndpoint.open({
      path: endpointPath(this.#options.runtimeDir, process.pid),
      pending: this.#pending,
      hasRoom: (extra) => this.#table.hasRoom(this.#pending.held + extra),
      maxPending: this.#options.maxPendingExports,
      creditWindow: this.#options.exportCredits,
      handoffTimeoutMs: this.#options.handoffTimeoutMs,
    });
  }

  /** The procedure table, bound to this instance. */
  procTable(): WspProcTable {
    return {
      WSPSocket: (af, type, protocol, info, group, flags) => this.#guard(() => this.socket(af, type, protocol, info, group, flags)),
      WSPBind: (s, name) => this.#guard(async () => this.bind(s, name)),
      WSPListen: (s, backlog) => this.#guard(() => this.listen(s, backlog)),
      WSPAccept: (s, options) => this.#guard(() => this.accept(s, options?.signal), options?.signal),
      WSPConnect: (s, name, options) => this.#guard(() => this.connect(s, name, options?.signal, options?.timeoutMs), options?.signal),
      WSPSend: (s, data) => this.#guard(() => this.send(s, data)),
      WSPRecv: (s, options) => this.#guard(() => this.recv(s, options), options?.signal),
      WSPShutdown: (s, how) => this.#guard(() => this.shutdown(s, how)),
      WSPSetSockOpt: (s, level, optname, value) => this.#guardSync(() => this.setSockOpt(s, level, optname, value)),
      WSPGetSockOpt: (s, level, optname) => this.#guardSync(() => this.getSockOpt(s, level, optname)),
      WSPGetSockName: (s) => this.#guardSync(() => this.getSockName(s)),
      WSPGetPeerName: (s) => this.#guardSync(() => this.getPeerName(s)),
      WSPCloseSocket: (s) => this.#guard(() => this.closeSocket(s)),
      WSPDuplicateSocket: (s, pid) => this.#guard(() => this.duplicateSocket(s, pid)),
      WSPCleanup: () => this.cleanup(),
    };
  }

  extensions(): WspExtensions {
    return {
      WSPAdoptDescriptor: (fd, readAhead) => this.#guard(() => this.adoptDescriptor(fd, readAhead)),
      WSPDetachDescriptor: (s) => this.#guard(() => this.detachDescriptor(s)),
      WSPGetSocketCookie: (s) => this.#guardSync(() => getSocketCookie(this.#connected(s).stream.fd)),
      WSPDuplicateSocketWithMessage: (s, pid, message) => this.#guard(() => this.duplicateSocket(s, pid, checkAppMessage(message))),
      WSPReceiveDuplicate: (options) => this.#guard(() => this.receiveDuplicate(options?.signal, options?.timeoutMs), options?.signal),
    };
  }

  /**
   * Every call after WSPCleanup fails with WSAENETDOWN; every failure is a WsaError, except a
   * cancellation: the caller's `signal` reason (an AbortError by default, or whatever they aborted with).
   * Not an async function: one `then` on the call's own promise is all a successful call pays.
   */
  #guard<T>(run: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.#cleanedUp) return Promise.reject(new WsaError('WSAENETDOWN', 'the provider was cleaned up (WSPCleanup)'));
    let running: Promise<T>;
    try {
      running = run();
    } catch (error) {
      return Promise.reject(callFailure(error, signal));
    }
    return running.then(undefined, (error: unknown) => {
      throw callFailure(error, signal);
    });
  }

  #guardSync<T>(run: () => T): T {
    if (this.#cleanedUp) throw new WsaError('WSAENETDOWN', 'the provider was cleaned up (WSPCleanup)');
    try {
      return run();
    } catch (error) {
      throw toWsaError(error, 'provider call failed');
    }
  }

  // ---- descriptors ----------------------------------------------------------------------------

  /** Allocates a provider descriptor and the switch's descriptor for it (WPUCreateSocketHandle). */
  #register(entry: Entry): Socket {
    const s = this.#table.allocate(entry, this.#pending.held);
    try {
      entry.switchSocket = this.#upcalls.WPUCreateSocketHandle(this.#catalog.dwCatalogEntryId, s);
    } catch (error) {
      this.#table.release(s);
      throw toWsaError(error, 'WPUCreateSocketHandle failed', 'WSAEMFILE');
    }
    return s;
  }

  /** A socket's state, not registered yet (`switchSocket` is -1 until `#register`). */
  #newEntry(af: number, type: number, protocol: number): Entry {
    return {
      switchSocket: -1,
      af,
      type,
      protocol,
      state: 'new',
      bound: undefined,
      queued: new Map(),
      shared: { options: noOptions(), refs: 1, key: undefined, cookie: undefined },
      stream: undefined,
      listening: undefined,
      duplications: Promise.resolve(),
    };
  }

  /** Joins the emulated-option state of the kernel socket `fd` names in this process (by SO_COOKIE). */
  #share(entry: Entry, fd: number, imported?: EmulatedOptions, knownCookie?: bigint): void {
    // An import's cookie was checked against its descriptor by the endpoint: no need to ask the kernel again.
    const cookie = knownCookie ?? getSocketCookie(fd);
    const key = cookie.toString();
    let shared = this.#shared.get(key);
    if (shared === undefined) {
      shared = { options: { ...entry.shared.options }, refs: 0, key, cookie };
      this.#shared.set(key, shared);
    }
    // An import carries the newest values: the exporter was the last to use the socket.
    if (imported !== undefined) Object.assign(shared.options, imported);
    shared.refs++;
    entry.shared = shared;
  }

  #unshare(entry: Entry): void {
    const { shared } = entry;
    shared.refs--;
    if (shared.refs <= 0 && shared.key !== undefined) this.#shared.delete(shared.key);
  }

  #connected(s: Socket): Entry & { stream: StreamSocket } {
    const entry = this.#table.require(s);
    if (entry.state !== 'stream' || entry.stream === undefined) {
      throw new WsaError('WSAENOTCONN', `socket ${s} is not connected`);
    }
    return entry as Entry & { stream: StreamSocket };
  }

  // ---- WSPSocket ------------------------------------------------------------------------------

  async socket(af: number, type: number, protocol: number, info: ProtocolInfo | null, group: number, flags: number): Promise<Socket> {
    // dwFlags (WSA_FLAG_OVERLAPPED...) change nothing here: every call is already asynchronous.
    void flags;
    if (group !== 0) throw new WsaError('WSAEINVAL', 'socket groups are not supported');
    if (info !== null && info !== undefined) {
      if (typeof info !== 'object') throw new WsaError('WSAEINVAL', 'protocolInfo must be a ProtocolInfo');
      if (info.exportContext !== undefined || info.dwProviderReserved !== 0) {
        if (af !== FROM_PROTOCOL_INFO || type !== FROM_PROTOCOL_INFO || protocol !== FROM_PROTOCOL_INFO) {
          throw new WsaError('WSAEINVAL', 'a shared socket is created with af, type and protocol FROM_PROTOCOL_INFO (-1)');
        }
        return this.#import(info);
      }
      if (af === FROM_PROTOCOL_INFO) af = info.iAddressFamily;
      if (type === FROM_PROTOCOL_INFO) type = info.iSocketType;
      if (protocol === FROM_PROTOCOL_INFO) protocol = info.iProtocol;
    }
    if (af !== AF.INET && af !== AF.INET6) {
      throw new WsaError(pick(['WSAEAFNOSUPPORT'], 'WSAEINVAL'), `address family ${af} is not supported (AF_INET 2, AF_INET6 23)`);
    }
    if (type !== SOCK.STREAM) throw new WsaError(pick(['WSAESOCKTNOSUPPORT'], 'WSAEINVAL'), `socket type ${type} is not supported (SOCK_STREAM 1)`);
    if (protocol !== IPPROTO.TCP && protocol !== 0) {
      throw new WsaError(pick(['WSAEPROTONOSUPPORT'], 'WSAEINVAL'), `protocol ${protocol} is not supported (IPPROTO_TCP 6)`);
    }
    // The kernel socket is created by WSPConnect or WSPListen: Node cannot connect an existing fd.
    return this.#register(this.#newEntry(af, type, IPPROTO.TCP));
  }

  async #import(info: ProtocolInfo): Promise<Socket> {
    // Sent on an export credit, the socket may still be in the channel (the protocol info came by
    // another IPC, possibly faster): wait for it, as long as a hand-off may take.
    const exportId = info.exportContext?.exportId ?? info.dwProviderReserved;
    if (this.#pending.isReserved(exportId)) await this.#pending.arrival(exportId, this.#options.handoffTimeoutMs);
    const pending = this.#pending.find(info);
    // The import's own slot is counted in `pending.held`: room for everything but it.
    if (!this.#table.hasRoom(this.#pending.held - 1)) {
      throw new WsaError('WSAEMFILE', `no descriptor available: the provider's limit of ${this.#table.limit} sockets is reached`);
    }
    this.#pending.take(pending.exportId);
    const entry = this.#newEntry(pending.socket.addressFamily, pending.socket.socketType, pending.socket.protocol);
    entry.state = 'stream';
    // The descriptor is wrapped in a net.Socket at its first use: handed straight on, it never is.
    const stream = new StreamSocket(pending.fd, pending.readAhead);
    entry.stream = stream;
    try {
      this.#share(entry, pending.fd, pending.options, pending.socketCookie);
      return this.#register(entry);
    } catch (error) {
      await stream.close().catch(() => {});
      throw error;
    }
  }

  // ---- connect, bind, listen, accept ----------------------------------------------------------

  bind(s: Socket, name: SockAddr): void {
    const entry = this.#table.require(s);
    if (entry.state !== 'new' || entry.bound !== undefined) throw new WsaError('WSAEINVAL', `socket ${s} is already bound`);
    checkAddress(entry.af, name, true);
    entry.bound = { address: name.address, port: name.port };
  }

  async connect(s: Socket, name: SockAddr, signal?: AbortSignal, timeoutMs?: number): Promise<void> {
    const entry = this.#table.require(s);
    if (entry.state === 'stream') throw new WsaError(pick(['WSAEISCONN'], 'WSAEINVAL'), `socket ${s} is already connected`);
    if (entry.state !== 'new') throw new WsaError('WSAEINVAL', `socket ${s} cannot connect now (${entry.state})`);
    checkAddress(entry.af, name, false);
    signal?.throwIfAborted();
    entry.state = 'connecting';
    const socket = net.connect(withHighWaterMark({
      host: name.address,
      port: name.port,
      family: familyOf(entry.af),
      allowHalfOpen: true,
      ...(entry.bound !== undefined ? { localAddress: entry.bound.address, localPort: entry.bound.port } : {}),
    }));
    try {
      await new Promise<void>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const finish = (error?: unknown): void => {
          socket.off('connect', onConnect);
          socket.off('error', finish);
          signal?.removeEventListener('abort', onAbort);
          if (timer !== undefined) clearTimeout(timer);
          if (error === undefined) resolve();
          else reject(error);
        };
        const onConnect = (): void => finish();
        const onAbort = (): void => finish(signal?.reason);
        socket.once('connect', onConnect);
        socket.once('error', finish);
        signal?.addEventListener('abort', onAbort, { once: true });
        if (timeoutMs !== undefined && timeoutMs > 0) {
          timer = setTimeout(() => finish(new WsaError(pick(['WSAETIMEDOUT'], 'WSAENOTCONN'), `no connection within ${timeoutMs} ms`)), timeoutMs);
        }
      });
      const fd = descriptorOf(socket);
      if (fd === undefined) throw new WsaError('WSAENOTCONN', 'the connection closed at once');
      this.#applyQueued(entry, fd);
      this.#share(entry, fd);
    } catch (error) {
      socket.destroy();
      if (this.#table.get(s) === entry) entry.state = 'new';
      if (error instanceof Error && error.name === 'AbortError') throw error;
      throw toWsaError(error, `connect to ${name.address} port ${name.port}`, 'WSAENOTCONN');
    }
    if (this.#table.get(s) !== entry) {
      // Closed while connecting.
      socket.destroy();
      throw new WsaError('WSAENOTSOCK', `socket ${s} was closed while connecting`);
    }
    entry.stream = new StreamSocket(socket);
    entry.state = 'stream';
  }

  async listen(s: Socket, backlog: number): Promise<void> {
    const entry = this.#table.require(s);
    if (entry.state === 'listening') return;
    if (entry.state !== 'new') throw new WsaError('WSAEINVAL', `socket ${s} cannot listen (${entry.state})`);
    if (entry.bound === undefined) throw new WsaError('WSAEINVAL', `socket ${s} is not bound (WSPBind first)`);
    if (!Number.isInteger(backlog)) throw new WsaError('WSAEINVAL', 'backlog must be an integer');
    const listening: Listening = {
      // pauseOnConnect: an accepted socket reads nothing until its first WSPRecv, so nothing is read ahead before a hand-off.
      server: net.createServer({ allowHalfOpen: true, pauseOnConnect: true, highWaterMark: READ_HIGH_WATER_MARK }),
      queue: [],
      waiters: new Set(),
      failure: undefined,
    };
    const { server } = listening;
    const wake = (): void => {
      for (const waiter of [...listening.waiters]) waiter();
    };
    server.on('connection', (socket: net.Socket) => {
      socket.on('error', () => {});
      listening.queue.push(socket);
      wake();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: entry.bound?.address, port: entry.bound?.port, backlog: Math.max(1, Math.min(backlog, 4096)), exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((error: unknown) => {
      throw toWsaError(error, `listen on ${entry.bound?.address} port ${entry.bound?.port}`, 'WSAEINVAL');
    });
    server.on('error', (error) => {
      listening.failure = error;
      wake();
    });
    const fd = descriptorOf(server);
    if (fd !== undefined) this.#applyQueued(entry, fd);
    entry.listening = listening;
    entry.state = 'listening';
  }

  async accept(s: Socket, signal?: AbortSignal): Promise<Socket> {
    const entry = this.#table.require(s);
    const listening = entry.listening;
    if (entry.state !== 'listening' || listening === undefined) throw new WsaError('WSAEINVAL', `socket ${s} is not listening`);
    for (;;) {
      signal?.throwIfAborted();
      if (entry.state !== 'listening') throw new WsaError('WSAENOTSOCK', `socket ${s} was closed`);
      if (listening.failure !== undefined) throw toWsaError(listening.failure, 'accept');
      // Check the limit before taking a connection: one refused for WSAEMFILE stays queued.
      if (listening.queue.length > 0) {
        if (!this.#table.hasRoom(this.#pending.held)) {
          throw new WsaError('WSAEMFILE', `no descriptor available: the provider's limit of ${this.#table.limit} sockets is reached`);
        }
        const socket = listening.queue.shift() as net.Socket;
        const fd = descriptorOf(socket);
        if (fd === undefined) continue; // The peer gave up and the socket closed while queued.
        const child = this.#newEntry(entry.af, entry.type, entry.protocol);
        child.state = 'stream';
        child.stream = new StreamSocket(socket);
        try {
          this.#share(child, fd);
          return this.#register(child);
        } catch (error) {
          socket.destroy();
          throw error;
        }
      }
      await new Promise<void>((resolve, reject) => {
        const done = (): void => {
          listening.waiters.delete(done);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = (): void => {
          listening.waiters.delete(done);
          reject(signal?.reason);
        };
        listening.waiters.add(done);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  // ---- data -----------------------------------------------------------------------------------

  /** A handed-off descriptor used again for I/O reads and writes again (the switch's access control allowed it). */
  #resumeIfHandedOff(entry: Entry & { stream: StreamSocket }): void {
    if (entry.stream.stopped) entry.stream.resume((fd) => wrapDescriptor(dupFd(fd)));
  }

  async send(s: Socket, data: Uint8Array): Promise<number> {
    if (!(data instanceof Uint8Array)) throw new WsaError(pick(['WSAEFAULT'], 'WSAEINVAL'), 'data must be a Uint8Array');
    const entry = this.#connected(s);
    await entry.duplications;
    this.#resumeIfHandedOff(entry);
    return entry.stream.send(data, entry.shared.options.sndtimeoMs);
  }

  async recv(s: Socket, options: RecvOptions = {}): Promise<Uint8Array> {
    const maxBytes = options.maxBytes ?? DEFAULT_RECV_BYTES;
    if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new WsaError('WSAEINVAL', 'maxBytes must be a positive integer');
    const entry = this.#connected(s);
    await entry.duplications;
    this.#resumeIfHandedOff(entry);
    return entry.stream.recv(maxBytes, { signal: options.signal, timeoutMs: entry.shared.options.rcvtimeoMs });
  }

  async shutdown(s: Socket, how: number): Promise<void> {
    this.#table.require(s);
    if (how !== SD.RECEIVE && how !== SD.SEND && how !== SD.BOTH) throw new WsaError('WSAEINVAL', `invalid how ${how}`);
    const { stream } = this.#connected(s);
    if (how !== SD.SEND) stream.shutdownReceive();
    if (how !== SD.RECEIVE) await stream.shutdownSend();
  }

  // ---- options --------------------------------------------------------------------------------

  /** The kernel descriptor for option calls, or undefined while the kernel socket does not exist yet. */
  #optionFd(entry: Entry): number | undefined {
    if (entry.state === 'stream' && entry.stream !== undefined) return entry.stream.fd;
    if (entry.state === 'listening' && entry.listening !== undefined) return descriptorOf(entry.listening.server);
    return undefined;
  }

  #applyQueued(entry: Entry, fd: number): void {
    for (const { option, value } of entry.queued.values()) this.#setKernelOption(fd, option, value);
    entry.queued.clear();
  }

  #setKernelOption(fd: number, option: SocketOption, value: SockOptValue): void {
    if (option.kind === 'kernel-bool') setSockOptInt(fd, option.level, option.optname, toBoolOption(option, value) ? 1 : 0);
    else if (option.kind === 'kernel-int') setSockOptInt(fd, option.level, option.optname, toIntOption(option, value));
    else if (option.kind === 'kernel-linger') {
      const linger = toLingerOption(option, value);
      setLinger(fd, linger.onoff, linger.linger);
    }
  }

  setSockOpt(s: Socket, level: number, optname: number, value: SockOptValue): void {
    const entry = this.#table.require(s);
    const option = lookupSocketOption(level, optname);
    switch (option.kind) {
      case 'read-only':
        throw new WsaError('WSAEINVAL', `${option.name} is read-only`);
      case 'emulated': {
        const ms = toIntOption(option, value);
        if (option.name === 'SO_RCVTIMEO') entry.shared.options.rcvtimeoMs = ms;
        else entry.shared.options.sndtimeoMs = ms;
        return;
      }
      default: {
        const fd = this.#optionFd(entry);
        if (fd === undefined) {
          // Validate now, apply when the kernel socket exists.
          if (option.kind === 'kernel-bool') toBoolOption(option, value);
          else if (option.kind === 'kernel-int') toIntOption(option, value);
          else toLingerOption(option, value);
          entry.queued.set(option.name, { option, value });
          return;
        }
        this.#setKernelOption(fd, option, value);
      }
    }
  }

  getSockOpt(s: Socket, level: number, optname: number): SockOptValue {
    const entry = this.#table.require(s);
    const option = lookupSocketOption(level, optname);
    switch (option.kind) {
      case 'read-only':
        return option.name === 'SO_TYPE' ? entry.type : this.#protocolInfoOf(entry.af, entry.type, entry.protocol);
      case 'emulated':
        return option.name === 'SO_RCVTIMEO' ? entry.shared.options.rcvtimeoMs : entry.shared.options.sndtimeoMs;
      default: {
        const fd = this.#optionFd(entry);
        if (fd === undefined) {
          return entry.queued.get(option.name)?.value ?? kernelDefault(option, (path) => readFileSync(path, 'utf8'));
        }
        if (option.kind === 'kernel-bool') return getSockOptInt(fd, option.level, option.optname) !== 0;
        if (option.kind === 'kernel-int') return getSockOptInt(fd, option.level, option.optname);
        const linger = getLinger(fd);
        return { onoff: linger.onoff, linger: linger.linger };
      }
    }
  }

  /**
   * A socket's protocol info, built field by field in one fixed order: every info this provider
   * returns has the same shape (no spread of the catalog, no `delete`), so building one per
   * hand-off stays cheap. Each call returns fresh objects: callers may change what they get.
   */
  #protocolInfoOf(af: number, type: number, protocol: number, exportId = 0, context?: ExportContext): ProtocolInfo {
    const c = this.#catalog;
    const sockAddrBytes = af === AF.INET6 ? 28 : 16;
    const info: ProtocolInfo = {
      dwServiceFlags1: c.dwServiceFlags1,
      dwServiceFlags2: c.dwServiceFlags2,
      dwServiceFlags3: c.dwServiceFlags3,
      dwServiceFlags4: c.dwServiceFlags4,
      dwProviderFlags: c.dwProviderFlags,
      ProviderId: c.ProviderId,
      dwCatalogEntryId: c.dwCatalogEntryId,
      ProtocolChain: { chainLen: c.ProtocolChain.chainLen, chainEntries: c.ProtocolChain.chainEntries.slice() },
      iVersion: c.iVersion,
      iAddressFamily: af,
      iMaxSockAddr: sockAddrBytes,
      iMinSockAddr: sockAddrBytes,
      iSocketType: type,
      iProtocol: protocol,
      iProtocolMaxOffset: c.iProtocolMaxOffset,
      iNetworkByteOrder: c.iNetworkByteOrder,
      iSecurityScheme: c.iSecurityScheme,
      dwMessageSize: c.dwMessageSize,
      dwProviderReserved: exportId,
      szProtocol: c.szProtocol,
    };
    // The catalog entry describes the provider; a export context belongs only to a duplicate's info.
    if (context !== undefined) info.exportContext = context;
    return info;
  }

  /** The protocol info of a duplicate: the socket's, with the export context that lets `dwProcessId` import it. */
  #duplicateInfo(socket: SocketEssentials, context: ExportContext): ProtocolInfo {
    return this.#protocolInfoOf(socket.addressFamily, socket.socketType, socket.protocol, context.exportId, context);
  }

  getSockName(s: Socket): SockAddr {
    const entry = this.#table.require(s);
    const address: net.AddressInfo | string | null | undefined | Record<string, never> =
      entry.state === 'stream' ? entry.stream?.socket.address() : entry.state === 'listening' ? entry.listening?.server.address() : undefined;
    if (typeof address === 'object' && address !== null && typeof address.port === 'number' && typeof address.address === 'string') {
      return { address: address.address, port: address.port };
    }
    if (entry.bound !== undefined) return { ...entry.bound };
    throw new WsaError('WSAEINVAL', `socket ${s} is not bound`);
  }

  getPeerName(s: Socket): SockAddr {
    const { stream } = this.#connected(s);
    const { remoteAddress, remotePort } = stream.socket;
    if (remoteAddress === undefined || remotePort === undefined) throw new WsaError('WSAENOTCONN', `socket ${s} has no peer`);
    return { address: remoteAddress, port: remotePort };
  }

  // ---- close, duplicate -----------------------------------------------------------------------

  async closeSocket(s: Socket): Promise<void> {
    const entry = this.#table.require(s);
    this.#table.release(s);
    const previous = entry.state;
    entry.state = 'closed';
    try {
      await this.#closeEntry(entry, previous);
    } finally {
      try {
        this.#upcalls.WPUCloseSocketHandle(entry.switchSocket);
      } catch {
        // The switch already forgot it: nothing more to release here.
      }
    }
  }

  async #closeEntry(entry: Entry, previous: Entry['state']): Promise<void> {
    if (entry.stream !== undefined) {
      this.#unshare(entry);
      await entry.stream.close();
    }
    if (previous === 'listening' && entry.listening !== undefined) {
      const { server, queue, waiters } = entry.listening;
      for (const socket of queue.splice(0)) socket.destroy();
      for (const waiter of [...waiters]) waiter();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  async duplicateSocket(s: Socket, dwProcessId: number, appMessage?: Uint8Array): Promise<ProtocolInfo> {
    // WSAENETDOWN first: a provider that cannot receive sockets must not hand one away, since the
    // spec's scenario needs the socket to come back (and it is the one code that says so).
    const endpoint = this.#endpoint;
    if (endpoint === undefined) throw new WsaError('WSAENETDOWN', 'the provider has no hand-off endpoint');
    endpoint.assertUp();
    const entry = this.#table.require(s);
    if (!Number.isInteger(dwProcessId) || dwProcessId < 0 || dwProcessId > 0xffffffff) {
      throw new WsaError('WSAEINVAL', `dwProcessId must be an integer from 0 to 0xFFFFFFFF, got ${String(dwProcessId)}`);
    }
    if (entry.state !== 'stream' || entry.stream === undefined) {
      throw new WsaError('WSAEINVAL', `socket ${s} is not a connected socket (only those can be duplicated)`);
    }
    // An open channel to the target already proves it runs (its EOF would have closed the channel).
    if (!this.#exports.hasLiveChannel(dwProcessId)) checkProcess(dwProcessId);
    const run = entry.duplications
      .then(() => this.#handOff(s, entry as Entry & { stream: StreamSocket }, dwProcessId, appMessage))
      .catch((error: unknown) => {
        // The spec's five codes only: a connection that failed under us (reset, closed) is a bad argument now.
        const mapped = toWsaError(error, 'WSPDuplicateSocket');
        if (DUPLICATE_ERRORS.has(mapped.code)) throw mapped;
        throw new WsaError('WSAEINVAL', `socket ${s} cannot be duplicated: ${mapped.message}`, { cause: mapped });
      });
    entry.duplications = run.catch(() => {});
    return run;
  }

  async #handOff(s: Socket, entry: Entry & { stream: StreamSocket }, targetPid: number, appMessage: Uint8Array | undefined): Promise<ProtocolInfo> {
    if (this.#table.get(s) !== entry) throw new WsaError('WSAENOTSOCK', `socket ${s} was closed`);
    const { stream } = entry;
    const wasStopped = stream.stopped;
    const readAhead = await stream.stopForHandoff();
    try {
      if (readAhead.length > MAX_READ_AHEAD_BYTES) throw new WsaError('WSAENOBUFS', `${readAhead.length} bytes read ahead exceed the hand-off limit`);
      const fd = stream.fd;
      const socketCookie = entry.shared.cookie ?? getSocketCookie(fd);
      const socket: SocketEssentials = { addressFamily: entry.af, socketType: entry.type, protocol: entry.protocol, catalogEntryId: this.#catalog.dwCatalogEntryId };
      const result = await this.#exports.exportSocket({
        endpoint: endpointPath(this.#options.runtimeDir, targetPid),
        targetPid,
        fd,
        socketCookie,
        socket,
        options: { ...entry.shared.options },
        readAhead,
        appMessage,
        timeoutMs: this.#options.handoffTimeoutMs,
      });
      stream.commitHandoff();
      return this.#duplicateInfo(socket, {
        exportId: result.exportId,
        sourcePid: process.pid,
        targetPid,
        socketCookie: socketCookie.toString(),
        nonce: result.nonce,
        expiresAtMs: result.expiresAtMs,
      });
    } catch (error) {
      // Nothing left: this process keeps the socket and reads again, the read-ahead first in line.
      if (!wasStopped) {
        try {
          stream.resume((fd) => wrapDescriptor(dupFd(fd)));
        } catch {
          // The connection itself is gone (reset, or its descriptor closed): the first error says why.
        }
      }
      throw error;
    }
  }

  // ---- extensions -----------------------------------------------------------------------------

  /** WSPReceiveDuplicate: the next socket duplicated to this process with a message, oldest first. */
  async receiveDuplicate(signal?: AbortSignal, timeoutMs?: number): Promise<DuplicateDelivery> {
    if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 0)) {
      throw new WsaError('WSAEINVAL', `timeoutMs must be a non-negative integer, got ${String(timeoutMs)}`);
    }
    signal?.throwIfAborted();
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    for (;;) {
      if (this.#cleanedUp) throw new WsaError('WSAENETDOWN', 'the provider was cleaned up (WSPCleanup)');
      const pending = this.#pending.nextDelivery();
      if (pending !== undefined) {
        return {
          protocolInfo: this.#duplicateInfo(pending.socket, {
            exportId: pending.exportId,
            sourcePid: pending.sourcePid,
            targetPid: process.pid,
            socketCookie: pending.socketCookie.toString(),
            nonce: pending.nonce,
            expiresAtMs: pending.expiresAtMs,
          }),
          message: pending.appMessage ?? new Uint8Array(0),
          sourcePid: pending.sourcePid,
        };
      }
      signal?.throwIfAborted();
      const left = deadline === undefined ? undefined : deadline - Date.now();
      if (left !== undefined && left <= 0) throw new WsaError('WSAETIMEDOUT', `no socket was duplicated to process ${process.pid} within ${timeoutMs} ms`);
      await this.#nextArrival(signal, left);
    }
  }

  /** Waits for a delivery to arrive, `signal` to abort, or `timeoutMs` to pass (then the caller looks again). */
  #nextArrival(signal: AbortSignal | undefined, timeoutMs: number | undefined): Promise<void> {
    // A caller waiting for a socket keeps the process alive, as a pending accept does (the
    // endpoint is otherwise unref'd); a timer does that by itself.
    const release = timeoutMs === undefined ? this.#endpoint?.hold() : undefined;
    return new Promise<void>((resolve, reject) => {
      const cancel = this.#pending.onDelivery(() => finish());
      // Capped: Node fires a longer delay after 1 ms (TimeoutOverflowWarning), and the caller would
      // spin; at the cap the caller just looks again.
      const timer = timeoutMs === undefined ? undefined : setTimeout(finish, Math.min(timeoutMs, MAX_TIMER_MS));
      const onAbort = (): void => finish(signal?.reason);
      function finish(error?: unknown): void {
        cancel();
        release?.();
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async adoptDescriptor(fd: number, readAhead?: Uint8Array): Promise<Socket> {
    if (!Number.isInteger(fd) || fd < 0) throw new WsaError('WSAEINVAL', `${String(fd)} is not a descriptor`);
    if (!this.#table.hasRoom(this.#pending.held)) {
      throw new WsaError('WSAEMFILE', `no descriptor available: the provider's limit of ${this.#table.limit} sockets is reached`);
    }
    try {
      getSocketCookie(fd);
    } catch (error) {
      throw toWsaError(error, `descriptor ${fd} is not a socket`, 'WSAENOTSOCK');
    }
    // Wrap a duplicate and close the caller's descriptor only on success: on failure it is still theirs.
    const socket = wrapDescriptor(dupFd(fd));
    const entry = this.#newEntry(socket.remoteFamily === 'IPv6' ? AF.INET6 : AF.INET, SOCK.STREAM, IPPROTO.TCP);
    entry.state = 'stream';
    entry.stream = new StreamSocket(socket, readAhead);
    let s: Socket;
    try {
      this.#share(entry, fd);
      s = this.#register(entry);
    } catch (error) {
      socket.destroy();
      throw error;
    }
    closeFd(fd);
    return s;
  }

  async detachDescriptor(s: Socket): Promise<{ fd: number; readAhead: Uint8Array }> {
    const entry = this.#connected(s);
    await entry.duplications;
    const readAhead = Buffer.from(await entry.stream.stopForHandoff());
    const fd = dupFd(entry.stream.fd);
    entry.stream.commitHandoff();
    await this.closeSocket(s);
    return { fd, readAhead };
  }

  // ---- cleanup --------------------------------------------------------------------------------

  async cleanup(): Promise<void> {
    if (this.#cleanedUp) return;
    this.#cleanedUp = true;
    await this.#endpoint?.close();
    await this.#exports.closeAll();
    this.#pending.closeAll();
    const closing: Promise<void>[] = [];
    for (const [s] of [...this.#table.entries()]) closing.push(this.closeSocket(s).catch(() => {}));
    await Promise.all(closing);
  }
}

/** What a failed call rejects with: the caller's own cancellation as is, anything else as a `WsaError`. */
function callFailure(error: unknown, signal: AbortSignal | undefined): unknown {
  if (error instanceof Error && error.name === 'AbortError') return error;
  if (signal?.aborted === true && error === signal.reason) return error;
  return toWsaError(error, 'provider call failed');
}

/** The longest delay a Node timer takes (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 0x7fffffff;

/** The message of WSPDuplicateSocketWithMessage, checked before anything is handed off. */
function checkAppMessage(message: unknown): Uint8Array {
  if (!(message instanceof Uint8Array)) throw new WsaError(pick(['WSAEFAULT'], 'WSAEINVAL'), 'message must be a Uint8Array');
  if (message.length > MAX_APP_MESSAGE_BYTES) {
    throw new WsaError('WSAEMSGSIZE', `a message of ${message.length} bytes exceeds the hand-off limit of ${MAX_APP_MESSAGE_BYTES} bytes`);
  }
  // A copy: the frame is built after the socket's writes are flushed, and the caller may reuse its
  // buffer as soon as it gets control back (at most 64 KiB, small next to the hand-off itself).
  return Uint8Array.prototype.slice.call(message);
}

/** `WSAEINVAL` unless `pid` is a running process this one may signal (same user, or privileged). */
function checkProcess(pid: number): void {
  // kill(0) would probe our own process group, and pids above INT_MAX do not exist on Linux.
  if (pid === 0 || pid > 0x7fffffff) throw new WsaError('WSAEINVAL', `process ${pid} is not a running process`);
  try {
    process.kill(pid, 0);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new WsaError(
      'WSAEINVAL',
      code === 'EPERM' ? `process ${pid} belongs to another user` : `process ${pid} is not a running process`,
      { cause: error },
    );
  }
}
