/**
 * Moves plain TCP connections of a `net.Server` between processes, at points the application
 * chooses: only it knows where its protocol's messages end and what it keeps per connection. Nothing
 * here relies on a library's internals beyond transport-uds's way of stopping a socket and Node's
 * `socket._handle` (see `hold-reading.ts`).
 */
import type * as net from 'node:net';
import { ServerError } from '../errors.js';
import type { ConnectionAdapter, FreezeResult } from './connection-adapter.js';
import { decodeConnectionState, encodeConnectionState } from './connection-state.js';
import { freezeWhen, type FreezeStep } from './freeze-when.js';
import { holdReading, releaseReading } from './hold-reading.js';
import { parkSocket } from './park-socket.js';
import { unmovable } from './unmovable.js';

/** Options of `createTcpAdapter`. */
export interface TcpAdapterOptions {
  /**
   * Asked when a move wants `socket`, outside any of its `'data'` handlers: return the connection's
   * state (bytes, possibly empty) if it is at a safe point now, or `null` if it is not; then call
   * `adapter.movable(socket, state)` as soon as it is (from a `'data'` handler, say). From that
   * moment the socket emits no more `'data'` (unread bytes wait, and travel with it) until it moves
   * or the move is abandoned. Without this option every moment is a safe point with empty state
   * (right for a protocol whose every `'data'` event is handled completely, like an echo).
   */
  checkpoint?: (socket: net.Socket) => Uint8Array | null;
  /** In the receiving process, with the state given at the safe point, before the server emits `'connection'`. */
  restoreState?: (socket: net.Socket, state: Uint8Array) => void;
  /** What to do with a connection that cannot move by the deadline; default: `socket.end()`. */
  fallback?: (socket: net.Socket) => void;
  /** In the old process, after a connection moved out (its `'close'` follows): it is served elsewhere now. */
  movedOut?: (socket: net.Socket) => void;
}

/** A `ConnectionAdapter` for the connections of one `net.Server`. */
export interface TcpAdapter extends ConnectionAdapter<net.Socket> {
  readonly kind: 'tcp';
  readonly server: net.Server;
  /**
   * Says that `socket` is at a safe point now, with `state` to carry. Only a connection a move is
   * waiting for (its `checkpoint` returned null) takes it: then this returns true and the socket
   * emits no more `'data'` from now on, so stop handling it. Otherwise it returns false and nothing
   * changes.
   */
  movable(socket: net.Socket, state?: Uint8Array): boolean;
}

interface TcpConn {
  readonly socket: net.Socket;
  /** A freeze is waiting for this connection. */
  waiting: boolean;
  /** The state given at the safe point; the socket is stopped from then on. */
  captured: Uint8Array | undefined;
  wasPaused: boolean;
  /** The application called resume() while the socket was stopped: done on release. */
  resumeWanted: boolean;
  frozen: boolean;
  readonly pokes: Set<() => void>;
  cancel: (() => void) | undefined;
}

const kConn = Symbol('sanshare.server.tcpConnection');
const EMPTY = new Uint8Array(0);

/**
 * Adapts a `net.Server` so that its connections can move at points the application chooses (see
 * `TcpAdapterOptions.checkpoint` and `TcpAdapter.movable`), and serves moved-in ones with `adopt`:
 * the server emits `'connection'` with the socket, as for one it accepted. Create the adapter before
 * the server's first connection.
 */
export function createTcpAdapter(server: net.Server, options: TcpAdapterOptions = {}): TcpAdapter {
  return new TcpAdapterImpl(server, options);
}

class TcpAdapterImpl implements TcpAdapter {
  readonly kind = 'tcp' as const;
  readonly server: net.Server;
  readonly #options: TcpAdapterOptions;
  readonly #conns = new Set<TcpConn>();

  constructor(server: net.Server, options: TcpAdapterOptions) {
    this.server = server;
    this.#options = options;
    server.on('connection', (socket: net.Socket) => this.#track(socket));
  }

  *connections(): Iterable<net.Socket> {
    for (const c of this.#conns) if (!c.socket.destroyed) yield c.socket;
  }

  freeze(conn: net.Socket, signal: AbortSignal): Promise<FreezeResult> {
    const c = connOf(conn);
    if (c === undefined || !this.#conns.has(c)) return Promise.resolve({ frozen: false, why: unmovable('untracked') });
    if (c.frozen) return Promise.resolve({ frozen: true });
    const refused = refusal(c.socket);
    if (refused !== undefined) return Promise.resolve(refused);
    c.waiting = true;
    if (c.captured === undefined) {
      const state = this.#options.checkpoint === undefined ? EMPTY : this.#options.checkpoint(c.socket);
      if (state !== null) capture(c, state);
    }
    let cancelled = false;
    return freezeWhen(
      signal,
      () => (cancelled ? { frozen: false, why: unmovable('abandoned') } : this.#step(c)),
      () => whyNotYet(c),
      () => release(c),
      (poke) => {
        c.pokes.add(poke);
        c.socket.on('drain', poke);
        c.socket.on('close', poke);
        c.cancel = () => {
          cancelled = true;
          poke();
        };
        return () => {
          c.pokes.delete(poke);
          c.socket.off('drain', poke);
          c.socket.off('close', poke);
          c.cancel = undefined;
        };
      },
    );
  }

  movable(socket: net.Socket, state: Uint8Array = EMPTY): boolean {
    const c = connOf(socket);
    if (c === undefined || !c.waiting || c.captured !== undefined) return false;
    capture(c, state);
    for (const poke of c.pokes) poke();
    return true;
  }

  detach(conn: net.Socket): { socket: net.Socket; state: Uint8Array } {
    const c = connOf(conn);
    if (c === undefined || !this.#conns.has(c)) {
      throw new ServerError('ERR_INVALID_ARGUMENT', 'detach: this socket is not a connection of the adapter\'s net.Server (or it was detached already); pass one from connections()');
    }
    const refused = refusal(c.socket);
    const notSafe = !c.frozen || c.captured === undefined ? 'it was never frozen (call freeze first)' : refused !== undefined && !refused.frozen ? refused.why : undefined;
    if (notSafe !== undefined) throw new ServerError('ERR_NOT_AT_SAFE_POINT', `detach: this TCP connection is not at a safe point: ${notSafe}; freeze it again, or unfreeze it`);
    const state = encodeConnectionState({ kind: 'tcp', appState: c.captured as Uint8Array });
    const socket = c.socket;
    delete (socket as { resume?: unknown }).resume;
    // Every byte the application did not consume (it stopped at the safe point) travels.
    parkSocket(socket);
    this.#conns.delete(c);
    c.waiting = false;
    c.frozen = false;
    this.#options.movedOut?.(socket);
    return { socket, state };
  }

  unfreeze(conn: net.Socket): void {
    const c = connOf(conn);
    if (c === undefined || !this.#conns.has(c)) return;
    c.cancel?.();
    release(c);
  }

  adopt(socket: net.Socket, state: Uint8Array): void {
    const decoded = decodeConnectionState(state);
    if (decoded.kind !== 'tcp') {
      throw new ServerError('ERR_BAD_STATE', `adopt: the state is of a ${decoded.kind} connection, not a TCP one; hand the socket to the ${decoded.kind} adapter`);
    }
    if (socket.destroyed) throw new ServerError('ERR_INVALID_ARGUMENT', 'adopt: the socket is already destroyed; the connection ended before it could be served');
    this.#options.restoreState?.(socket, decoded.appState);
    const server = this.server as net.Server & { _connections: number; allowHalfOpen?: boolean };
    // What net's onconnection does for an accepted socket: the server's half-open policy, counted in
    // _connections (close() waits for it), _server so that destroy decrements the count.
    socket.allowHalfOpen = server.allowHalfOpen === true;
    const s = socket as net.Socket & { _server?: net.Server; server?: net.Server };
    s._server = server;
    s.server = server;
    server._connections++;
    server.emit('connection', socket);
  }

  fallback(conn: net.Socket): void {
    const c = connOf(conn);
    if (c === undefined || !this.#conns.has(c)) return;
    this.unfreeze(conn);
    if (c.socket.destroyed) return;
    if (this.#options.fallback !== undefined) this.#options.fallback(c.socket);
    else c.socket.end();
  }

  #track(socket: net.Socket): void {
    if (connOf(socket) !== undefined) return;
    const c: TcpConn = { socket, waiting: false, captured: undefined, wasPaused: false, resumeWanted: false, frozen: false, pokes: new Set(), cancel: undefined };
    (socket as { [kConn]?: TcpConn })[kConn] = c;
    this.#conns.add(c);
    socket.once('close', () => this.#conns.delete(c));
  }

  #step(c: TcpConn): FreezeStep {
    const refused = refusal(c.socket);
    if (refused !== undefined) return refused;
    if (c.captured === undefined) return 'wait';
    if (c.socket.writableLength > 0) return c.socket.writableNeedDrain ? 'wait' : 'poll';
    c.frozen = true;
    return { frozen: true };
  }
}

function connOf(socket: net.Socket): TcpConn | undefined {
  return (socket as { [kConn]?: TcpConn })[kConn];
}

/** Why `socket` cannot move at all, or undefined. */
function refusal(socket: net.Socket): FreezeResult | undefined {
  const s = socket as net.Socket & { encrypted?: boolean; _handle?: unknown; _readableState: { ended: boolean } };
  if (s.destroyed || !s.writable) return { frozen: false, why: unmovable('closed') };
  if (s.encrypted === true) return { frozen: false, why: unmovable('tls') };
  if (s._handle === null || s._handle === undefined) return { frozen: false, why: unmovable('not-a-socket') };
  if (s.readableEnded || s._readableState.ended) return { frozen: false, why: unmovable('peer-closed') };
  return undefined;
}

function whyNotYet(c: TcpConn): string {
  const refused = refusal(c.socket);
  if (refused !== undefined && !refused.frozen) return refused.why;
  if (c.captured === undefined) return unmovable('no-safe-point');
  return unmovable('slow-reader', `${c.socket.writableLength} bytes unsent`);
}

/**
 * The safe point: the state is kept and the socket stops for the application (no more 'data': paused,
 * and a resume() of its own is deferred) and for libuv (later bytes wait in the kernel).
 */
function capture(c: TcpConn, state: Uint8Array): void {
  const socket = c.socket;
  c.captured = state;
  c.wasPaused = socket.isPaused();
  c.resumeWanted = false;
  socket.pause();
  holdReading(socket);
  (socket as { resume: () => net.Socket }).resume = function deferredResume(this: net.Socket) {
    c.resumeWanted = true;
    return this;
  };
}

/** Back into service: the application's reading as it was (or as it asked meanwhile). */
function release(c: TcpConn): void {
  c.waiting = false;
  c.frozen = false;
  if (c.captured === undefined) return;
  c.captured = undefined;
  const socket = c.socket;
  delete (socket as { resume?: unknown }).resume;
  releaseReading(socket);
  if ((!c.wasPaused || c.resumeWanted) && !socket.destroyed) socket.resume();
}
