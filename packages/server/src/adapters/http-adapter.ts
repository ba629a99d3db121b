/**
 * Moves HTTP/1.1 keep-alive connections of Node's own `http.Server` between processes, between two
 * requests. Relies on undocumented internals of Node's HTTP server (tested with Node 20.20.2; the
 * README's "Internals relied upon" lists them, `http-internals.ts` checks them).
 *
 * The safe point: no response in flight or queued (`socket._httpMessage` is unset), no byte of a next
 * request taken by the parser (a partial request lives inside llhttp, in C++, where no API can give
 * it back, so one waits for it to complete), everything written in the kernel. Pipelined clients may
 * never leave such an instant on their own, so a freeze also stops reading at the next request
 * boundary (sticky): requests sent meanwhile stay in the kernel and travel with the socket.
 */
import type * as http from 'node:http';
import type * as net from 'node:net';
import { ServerError } from '../errors.js';
import type { ConnectionAdapter, FreezeResult } from './connection-adapter.js';
import { decodeConnectionState, encodeConnectionState } from './connection-state.js';
import { KEEP_ALIVE_TIMEOUT_BUFFER_MS } from './constants.js';
import { freezeWhen, type FreezeStep } from './freeze-when.js';
import { holdReading, isReadingHeld, releaseReading } from './hold-reading.js';
import {
  connectionsListOf,
  httpInternals,
  internalsMissing,
  parserSlot,
  setParserSlot,
  type HttpInternals,
  type HttpParser,
  type HttpServerInternals,
  type HttpSocket,
} from './http-internals.js';
import { parkSocket } from './park-socket.js';
import { prepareServer } from './prepare-server.js';
import { unmovable } from './unmovable.js';

/** A `ConnectionAdapter` for the keep-alive connections of one `http.Server`. */
export interface HttpAdapter extends ConnectionAdapter<net.Socket> {
  readonly kind: 'http';
  readonly server: http.Server;
}

/** What the adapter knows of one connection. */
interface HttpConn {
  readonly socket: HttpSocket;
  /** The parser http gave the socket; a different `socket.parser` (or none) means upgraded or closed. */
  readonly parser: HttpParser;
  /** Whether a request began on this connection in this process (false: the parser's duration() is not meaningful yet). */
  begun: boolean;
  /** Moved in by `adopt`: its keep-alive idle timer is ours until its first request begins. */
  movedIn: boolean;
  idleTimerArmed: boolean;
  /** The freeze's boundary watch: http's kOnExecute, wrapped. */
  watch: { readonly onExecute: unknown } | undefined;
  /** Frozen at a safe point; the socket's idle timeout, suspended while frozen. */
  frozen: { readonly timeout: number } | undefined;
  /** `fallback` ran: every later response says `Connection: close`; closed once idle. */
  draining: boolean;
  detached: boolean;
  /** What a waiting freeze re-checks on (parser chunks, response 'finish', 'drain', 'close'). */
  readonly pokes: Set<() => void>;
  /** Ends a waiting freeze with 'abandoned' (unfreeze). */
  cancel: (() => void) | undefined;
}

const kConn = Symbol('sanshare.server.httpConnection');
const kWatched = Symbol('sanshare.server.responseWatched');

type Tracked = HttpSocket & { [kConn]?: HttpConn };
type WatchedResponse = http.ServerResponse & { [kWatched]?: true; _header: string | null };

/**
 * Adapts an `http.Server` so that its keep-alive connections can move: tracks each connection as it
 * arrives (create the adapter before the server's first connection; connections already open are
 * picked up from the server's ConnectionsList when it listens), and serves moved-in ones with
 * `adopt`. Prepares a server that never listens (`prepareServer`) so that its timeouts and close
 * functions work. Throws `ERR_INTERNALS_MISSING` on a Node without the internals it relies on.
 */
export function createHttpAdapter(server: http.Server): HttpAdapter {
  return new HttpAdapterImpl(server as HttpServerInternals);
}

class HttpAdapterImpl implements HttpAdapter {
  readonly kind = 'http' as const;
  readonly server: HttpServerInternals;
  readonly #internals: HttpInternals;
  readonly #conns = new Set<HttpConn>();

  constructor(server: HttpServerInternals) {
    this.#internals = httpInternals();
    this.server = server;
    prepareServer(server);
    // After http's own connectionListener (added in the constructor): socket.parser exists here, and
    // no byte has been parsed yet (parsing starts on a later turn of the loop).
    server.on('connection', (socket: net.Socket) => this.#track(socket as HttpSocket, false));
    // Runs before the application's handlers: a draining connection's response says Connection: close
    // before anything builds its header, and a waiting freeze learns that a response now exists.
    server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => this.#onRequest(req, res));
    for (const entry of connectionsListOf(server)?.all() ?? []) {
      if (entry.socket !== undefined) this.#track(entry.socket as HttpSocket, true);
    }
    // A moved-in connection that never began a request counts as active in the ConnectionsList (its
    // parser was initialized "now"): close() and closeIdleConnections() would leave it open.
    const conns = this.#conns;
    const closeIdle = server.closeIdleConnections;
    server.closeIdleConnections = function closeIdleConnections(this: http.Server): void {
      closeIdle.call(this);
      for (const c of conns) if (c.movedIn && isIdle(c) && !c.socket.destroyed) c.socket.destroy();
    };
  }

  *connections(): Iterable<net.Socket> {
    for (const c of this.#conns) {
      if (c.socket.parser !== c.parser) {
        // Upgraded (the socket left http for ws, say) or closing: not an HTTP connection any more.
        this.#conns.delete(c);
        continue;
      }
      if (!c.detached && !c.socket.destroyed) yield c.socket;
    }
  }

  freeze(conn: net.Socket, signal: AbortSignal): Promise<FreezeResult> {
    const c = (conn as Tracked)[kConn];
    if (c === undefined || c.detached) return Promise.resolve({ frozen: false, why: unmovable('untracked') });
    if (c.frozen !== undefined) return Promise.resolve({ frozen: true });
    const first = this.#refusal(c);
    if (first !== undefined) return Promise.resolve(first);
    try {
      this.#watchBoundary(c);
    } catch (error) {
      return Promise.reject(error);
    }
    let cancelled = false;
    return freezeWhen(
      signal,
      () => (cancelled ? { frozen: false, why: unmovable('abandoned') } : this.#step(c)),
      () => this.#whyNotYet(c),
      () => this.#release(c),
      (poke) => {
        c.pokes.add(poke);
        const onDrain = (): void => poke();
        c.socket.on('drain', onDrain);
        c.cancel = () => {
          cancelled = true;
          poke();
        };
        return () => {
          c.pokes.delete(poke);
          c.socket.removeListener('drain', onDrain);
          c.cancel = undefined;
        };
      },
    );
  }

  detach(conn: net.Socket): { socket: net.Socket; state: Uint8Array } {
    const c = (conn as Tracked)[kConn];
    if (c === undefined || c.detached) throw new ServerError('ERR_INVALID_ARGUMENT', 'detach: this socket is not a connection of the adapter\'s http.Server (or it was detached already); pass one from connections()');
    const notSafe = c.frozen === undefined ? 'it was never frozen (call freeze first)' : this.#unsafeNow(c);
    if (notSafe !== undefined) {
      throw new ServerError('ERR_NOT_AT_SAFE_POINT', `detach: this HTTP connection is not at a safe point: ${notSafe}; freeze it again, or unfreeze it`);
    }
    const state = encodeConnectionState({ kind: 'http' });
    const socket = c.socket;
    this.#unwatchBoundary(c);
    // Stop for real first (libuv and the stream), then free the parser: it unconsumes the handle,
    // leaves the ConnectionsList and goes back to http's free list (so nothing of http refers to the
    // socket any more) and sets socket.parser to null.
    parkSocket(socket);
    this.#internals.freeParser(c.parser, null, socket);
    // http's per-socket wrappers (they unconsume on a 'data' listener) and the listeners that would
    // touch a parser now reused by another connection; 'close' stays (it only releases http's
    // bookkeeping of this socket, and net's own close accounting decrements server._connections).
    for (const name of ['on', 'addListener', 'prependListener', 'setEncoding'] as const) {
      if (Object.hasOwn(socket, name)) delete (socket as unknown as Record<string, unknown>)[name];
    }
    for (const event of ['drain', 'timeout', 'resume', 'pause'] as const) socket.removeAllListeners(event);
    socket.setTimeout(0);
    // The reading hold stays until adoptNetSocket destroys the socket: nothing reads it meanwhile.
    c.detached = true;
    c.frozen = undefined;
    this.#conns.delete(c);
    return { socket, state };
  }

  unfreeze(conn: net.Socket): void {
    const c = (conn as Tracked)[kConn];
    if (c === undefined || c.detached) return;
    c.cancel?.();
    this.#release(c);
  }

  adopt(socket: net.Socket, state: Uint8Array): void {
    const decoded = decodeConnectionState(state);
    if (decoded.kind !== 'http') {
      throw new ServerError('ERR_BAD_STATE', `adopt: the state is of a ${decoded.kind} connection, not an HTTP one; hand the socket to the ${decoded.kind} adapter`);
    }
    if (socket.destroyed) throw new ServerError('ERR_INVALID_ARGUMENT', 'adopt: the socket is already destroyed; the connection ended before it could be served');
    const s = socket as HttpSocket;
    // What an http.Server's own sockets have, and what net's onconnection does for an accepted one:
    // half-open allowed (http decides when to end), counted in _connections so that close() waits
    // for it, and _server so that net's destroy decrements the count.
    s.allowHalfOpen = true;
    s.server = this.server;
    s._server = this.server;
    this.server._connections++;
    this.server.emit('connection', s);
    const c = (s as Tracked)[kConn];
    if (c === undefined) return;
    c.movedIn = true;
    // To http this is a fresh connection: no keep-alive timer until its first response. Arm the one
    // resOnFinish would have armed after the last response in the old process; cleared when a
    // request begins (as http's resetSocketTimeout does). Not when bytes of a request came with it.
    // Also fresh to the ConnectionsList: until its first request completes, headersTimeout counts
    // from now, so a client idle that long gets 408 (with the defaults, 5 s keep-alive against 60 s
    // headersTimeout, the keep-alive timer closes it first).
    const keepAlive = this.server.keepAliveTimeout;
    if (keepAlive > 0 && !c.begun && s.readableLength === 0) {
      c.idleTimerArmed = true;
      s.setTimeout(keepAlive + KEEP_ALIVE_TIMEOUT_BUFFER_MS);
    }
  }

  fallback(conn: net.Socket): void {
    const c = (conn as Tracked)[kConn];
    if (c === undefined || c.detached) return;
    this.unfreeze(conn);
    c.draining = true;
    this.#markDraining(c);
  }

  #track(socket: HttpSocket, predates: boolean): void {
    const tracked = socket as Tracked;
    if (tracked[kConn] !== undefined || socket.parser == null || socket.destroyed) return;
    const c: HttpConn = {
      socket,
      parser: socket.parser,
      // A connection that predates the adapter may have begun a request already: trust only duration().
      begun: predates,
      movedIn: false,
      idleTimerArmed: false,
      watch: undefined,
      frozen: undefined,
      draining: false,
      detached: false,
      pokes: new Set(),
      cancel: undefined,
    };
    tracked[kConn] = c;
    this.#conns.add(c);
    // Called by C++ on_message_begin (the first byte of a request other than CR/LF); http never sets it.
    const previous = parserSlot(socket.parser, this.#internals.kOnMessageBegin);
    setParserSlot(socket.parser, this.#internals.kOnMessageBegin, () => {
      if (typeof previous === 'function') (previous as () => void)();
      this.#onMessageBegin(c);
    });
    socket.once('close', () => {
      this.#conns.delete(c);
      poke(c);
    });
  }

  #onMessageBegin(c: HttpConn): void {
    c.begun = true;
    if (c.idleTimerArmed) {
      c.idleTimerArmed = false;
      c.socket.setTimeout(this.server.timeout || 0);
    }
    // A request began from bytes read before the hold (the read-ahead of a moved-in socket): let its
    // rest come from the kernel; the hold comes back at the next boundary.
    if (c.watch !== undefined && isReadingHeld(c.socket)) releaseReading(c.socket);
  }

  #onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const c = (req.socket as Tracked)[kConn];
    if (c === undefined) return;
    if (c.draining) res.shouldKeepAlive = false;
    poke(c);
  }

  /** Why `c` cannot move at all (checked first and at each step), or undefined. */
  #refusal(c: HttpConn): FreezeResult | undefined {
    const s = c.socket;
    if (s.destroyed || s.parser !== c.parser || !s.writable) return { frozen: false, why: unmovable('closed') };
    if ((s as unknown as { encrypted?: boolean }).encrypted === true) return { frozen: false, why: unmovable('tls') };
    if (s._handle === null) return { frozen: false, why: unmovable('not-a-socket') };
    if (!c.parser._consumed) return { frozen: false, why: unmovable('app-reads-socket') };
    if (s.readableEnded || (s as unknown as { _readableState: { ended: boolean } })._readableState.ended) return { frozen: false, why: unmovable('peer-closed') };
    return undefined;
  }

  /** One check of a waiting freeze. */
  #step(c: HttpConn): FreezeStep {
    const refused = this.#refusal(c);
    if (refused !== undefined) return refused;
    this.#holdIfIdle(c);
    if (!parserIdle(c)) return 'wait';
    const res = responseOf(c.socket);
    if (res !== null) {
      watchResponse(c, res);
      return 'wait';
    }
    if (c.socket.writableLength > 0) return c.socket.writableNeedDrain ? 'wait' : 'poll';
    if (!isReadingHeld(c.socket)) return 'wait';
    // Frozen: the socket's idle timer is suspended, so that a move queued behind others does not
    // lose the connection to keepAliveTimeout; the receiving process arms its own.
    c.frozen = { timeout: c.socket.timeout ?? 0 };
    c.socket.setTimeout(0);
    return { frozen: true };
  }

  /** What still stands between `c` and its safe point now (the freeze gave up), as a reason. */
  #whyNotYet(c: HttpConn): string {
    const refused = this.#refusal(c);
    if (refused !== undefined && !refused.frozen) return refused.why;
    if (!parserIdle(c)) return unmovable('request-in-progress');
    if (responseOf(c.socket) !== null) return unmovable('long-response');
    if (c.socket.writableLength > 0) return unmovable('slow-reader', `${c.socket.writableLength} bytes unsent`);
    return unmovable('request-in-progress');
  }

  /** Why a frozen connection is not at its safe point any more, or undefined. */
  #unsafeNow(c: HttpConn): string | undefined {
    const refused = this.#refusal(c);
    if (refused !== undefined && !refused.frozen) return refused.why;
    if (!parserIdle(c)) return 'a request has begun';
    if (responseOf(c.socket) !== null) return 'a response is in flight';
    if (!isReadingHeld(c.socket)) return 'it reads again';
    return undefined;
  }

  /** Stops reading at a request boundary from now on: after every parsed chunk, if the parser is idle. */
  #watchBoundary(c: HttpConn): void {
    if (c.watch !== undefined) return;
    const { kOnExecute } = this.#internals;
    const onExecute = parserSlot(c.parser, kOnExecute);
    if (typeof onExecute !== 'function') throw internalsMissing('parser[HTTPParser.kOnExecute] (the per-connection execute callback)');
    c.watch = { onExecute };
    setParserSlot(c.parser, kOnExecute, (...args: unknown[]) => {
      const result: unknown = (onExecute as (...a: unknown[]) => unknown)(...args);
      this.#holdIfIdle(c);
      poke(c);
      return result;
    });
  }

  #unwatchBoundary(c: HttpConn): void {
    if (c.watch === undefined) return;
    if (c.socket.parser === c.parser) setParserSlot(c.parser, this.#internals.kOnExecute, c.watch.onExecute);
    c.watch = undefined;
  }

  #holdIfIdle(c: HttpConn): void {
    if (c.watch !== undefined && c.socket.parser === c.parser && parserIdle(c)) holdReading(c.socket);
  }

  /** Back into service: the boundary watch off, reading on, the idle timer back. */
  #release(c: HttpConn): void {
    this.#unwatchBoundary(c);
    releaseReading(c.socket);
    if (c.frozen !== undefined) {
      const { timeout } = c.frozen;
      c.frozen = undefined;
      if (!c.socket.destroyed) c.socket.setTimeout(timeout);
    }
  }

  /**
   * A draining connection's next response says Connection: close: the one in flight if its header
   * is not built yet, else the next one (a pipelined response queued behind it, marked when http
   * assigns it; or the answer to a later request, marked by the 'request' hook). An idle connection
   * is not closed here: a pipelining client may have requests on the way that no process would then
   * answer; it closes on its next response, or at its keep-alive timeout.
   */
  #markDraining(c: HttpConn): void {
    const res = responseOf(c.socket);
    if (res === null || c.socket.destroyed) return;
    if (res._header === null) {
      res.shouldKeepAlive = false;
      return;
    }
    watchResponse(c, res, () => this.#markDraining(c));
  }
}

/** True when the parser holds no byte of an unfinished request. */
function parserIdle(c: HttpConn): boolean {
  if (c.socket.parser !== c.parser) return false;
  // Never began: no request byte taken (a leading CRLF aside). Otherwise last_message_start_ is
  // zeroed by on_message_complete and set by on_message_begin.
  return !c.begun || c.parser.duration() === 0;
}

/** No response, no request begun, nothing unread in the stream's buffer: what closeIdleConnections closes. */
function isIdle(c: HttpConn): boolean {
  return responseOf(c.socket) === null && parserIdle(c) && c.socket.readableLength === 0;
}

/** The response in flight on `socket` (http leaves `_httpMessage` undefined until a first response, null after one). */
function responseOf(socket: HttpSocket): WatchedResponse | null {
  return (socket._httpMessage as WatchedResponse | null | undefined) ?? null;
}

function poke(c: HttpConn): void {
  for (const p of c.pokes) p();
}

/** Re-checks `c` when `res` finishes (after http's resOnFinish, which detaches it and assigns the next queued response). */
function watchResponse(c: HttpConn, res: WatchedResponse, then?: () => void): void {
  if (then !== undefined) {
    res.once('finish', then);
    return;
  }
  if (res[kWatched] === true) return;
  res[kWatched] = true;
  res.once('finish', () => poke(c));
  res.once('close', () => poke(c));
}
