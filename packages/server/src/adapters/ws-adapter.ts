/**
 * Moves `ws` WebSocket connections between processes, between two messages. Relies on undocumented
 * internals of ws (tested with ws 8.23.1; the README's "Internals relied upon" lists them,
 * `ws-internals.ts` checks them).
 *
 * The safe point: the receiver between frames with no fragmented message open, the sender idle. When
 * `'message'` fires the receiver may already hold the following whole frames in its own buffers (the
 * socket delivers up to 64 KiB at a time), so the receiver is frozen inside that event: its loop stops
 * after the current frame and later writes only append to its buffers. Those buffers travel first in
 * the read-ahead, then what the socket had buffered; draining the socket alone would lose them.
 * permessage-deflate moves only with no_context_takeover both ways (fresh zlib streams are then exactly
 * equivalent at a message boundary); with context takeover the window cannot leave the process.
 * (A workaround exists and is not implemented: record each direction's last 32 KiB of plaintext from
 * the connection's start and prime the successor's zlib streams with it as a `dictionary`, at up to
 * 64 KiB per connection and a copy of every message.)
 */
import { EventEmitter } from 'node:events';
import { IncomingMessage } from 'node:http';
import type * as net from 'node:net';
import { ServerError } from '../errors.js';
import type { ConnectionAdapter, FreezeResult } from './connection-adapter.js';
import { decodeConnectionState, encodeConnectionState, type WsConnectionState } from './connection-state.js';
import { WS_CLOSE_SERVICE_RESTART, WS_CLOSE_SERVICE_RESTART_REASON } from './constants.js';
import { freezeWhen, type FreezeStep } from './freeze-when.js';
import { holdReading, releaseReading } from './hold-reading.js';
import { internalsMissing } from './http-internals.js';
import { parkSocket } from './park-socket.js';
import { unmovable } from './unmovable.js';
import {
  WS_CLOSED,
  WS_OPEN,
  kWebSocketOf,
  receiverAtBoundary,
  senderIdle,
  wsLibraryOf,
  wsInternalsOf,
  type WsLibrary,
  type WsPerMessageDeflate,
  type WsSocketInternals,
} from './ws-internals.js';

/** A ws WebSocket as the adapter sees it (ws's own `WebSocket` fits). */
export interface WebSocketLike extends EventEmitter {
  readonly readyState: number;
}

/** A ws `WebSocketServer` (noServer, or attached to an http.Server) as the adapter sees it. */
export interface WebSocketServerLike<W extends WebSocketLike = WebSocketLike> extends EventEmitter {
  readonly options: object;
  readonly clients?: Set<W>;
}

/** Options of `createWsAdapter`. */
export interface WsAdapterOptions<W extends WebSocketLike = WebSocketLike> {
  /**
   * The application's own state of a connection, carried with it (called at `detach`). The upgrade
   * request's method, URL and headers, the subprotocol and the extensions travel too; all of it must
   * fit in 64 KiB (`ERR_STATE_TOO_LARGE` otherwise, and the connection stays).
   */
  serializeState?: (ws: W) => Uint8Array;
  /**
   * In the receiving process, with what `serializeState` gave, before the server emits
   * `'connection'(ws, req)` (so that the connection handler sees the restored state).
   */
  restoreState?: (ws: W, state: Uint8Array, req: IncomingMessage) => void;
  /**
   * In the old process, after a connection moved out: the old `ws` object is dead (no `'close'` event
   * comes, sends fail); drop what refers to it (timers, maps).
   */
  movedOut?: (ws: W) => void;
}

/** A `ConnectionAdapter` for the connections of one ws `WebSocketServer`. */
export interface WsAdapter<W extends WebSocketLike = WebSocketLike> extends ConnectionAdapter<W> {
  readonly kind: 'ws';
}

/** The upgrade request of a connection, as it will be rebuilt in the receiving process. */
type UpgradeRequest = Pick<WsConnectionState, 'method' | 'url' | 'httpVersion' | 'rawHeaders'>;

interface WsConn {
  readonly ws: WsSocketInternals;
  readonly request: UpgradeRequest | undefined;
  /** Whether the application had paused the connection (restored by unfreeze). */
  wasPaused: boolean;
  receiverFrozen: boolean;
  frozen: boolean;
  readonly pokes: Set<() => void>;
  cancel: (() => void) | undefined;
}

const kConn = Symbol('sanshare.server.wsConnection');
const EMPTY = Buffer.alloc(0);

/**
 * Adapts a ws `WebSocketServer` so that its connections can move: tracks each one at `'connection'`
 * (create the adapter before the first one; in noServer mode the application must emit
 * `'connection'(ws, req)` as ws's examples do), and serves moved-in ones with `adopt`: a WebSocket
 * rebuilt like ws's own upgrade builds it, in `wss.clients`, announced with `'connection'(ws, req)`.
 * Throws `ERR_INTERNALS_MISSING` when the server's WebSocket class lacks ws's statics.
 */
export function createWsAdapter<W extends WebSocketLike = WebSocketLike>(wss: WebSocketServerLike<W>, options: WsAdapterOptions<W> = {}): WsAdapter<W> {
  return new WsAdapterImpl(wss, options);
}

class WsAdapterImpl<W extends WebSocketLike> implements WsAdapter<W> {
  readonly kind = 'ws' as const;
  readonly #wss: WebSocketServerLike<W>;
  readonly #options: WsAdapterOptions<W>;
  readonly #ws: WsLibrary;
  readonly #conns = new Set<WsConn>();

  constructor(wss: WebSocketServerLike<W>, options: WsAdapterOptions<W>) {
    this.#wss = wss;
    this.#options = options;
    this.#ws = wsLibraryOf(wss.options as { WebSocket?: unknown });
    wss.on('connection', (ws: W, req?: IncomingMessage) => this.#track(ws, req));
  }

  *connections(): Iterable<W> {
    for (const c of this.#conns) if (c.ws.readyState === WS_OPEN) yield c.ws as unknown as W;
  }

  freeze(conn: W, signal: AbortSignal): Promise<FreezeResult> {
    const c = connOf(conn);
    if (c === undefined) return Promise.resolve({ frozen: false, why: unmovable('untracked') });
    if (c.frozen) return Promise.resolve({ frozen: true });
    const refused = refusal(c);
    if (refused !== undefined) return Promise.resolve(refused);
    let ws: WsSocketInternals;
    try {
      ws = wsInternalsOf(c.ws);
    } catch (error) {
      return Promise.reject(error);
    }
    const r = ws._receiver;
    if (!c.receiverFrozen) c.wasPaused = ws.isPaused;
    let cancelled = false;
    return freezeWhen(
      signal,
      () => (cancelled ? { frozen: false, why: unmovable('abandoned') } : this.#step(c)),
      () => whyNotYet(c),
      () => thawReceiver(c),
      (poke) => {
        // Runs inside the receiver's emit, after ws's own listener (so after the application's
        // 'message' handlers): for a final frame _fragmented is already 0; the loop has not yet moved
        // on to the frames that follow in its buffers.
        const onFrame = (): void => {
          if (!c.receiverFrozen && r._fragmented === 0) freezeReceiver(c);
          // The receiver settles (state GET_INFO, its write callback called) once its stack unwinds.
          setImmediate(poke);
        };
        const onDrain = (): void => poke();
        r.on('message', onFrame).on('ping', onFrame).on('pong', onFrame);
        ws.on('close', poke);
        ws._socket.on('drain', onDrain);
        c.pokes.add(poke);
        c.cancel = () => {
          cancelled = true;
          poke();
        };
        // Frozen from inside a 'message' handler, the current emit never reaches onFrame: look again
        // once the receiver's loop is done.
        const immediate = setImmediate(poke);
        return () => {
          clearImmediate(immediate);
          r.off('message', onFrame).off('ping', onFrame).off('pong', onFrame);
          ws.off('close', poke);
          ws._socket.off('drain', onDrain);
          c.pokes.delete(poke);
          c.cancel = undefined;
        };
      },
    );
  }

  detach(conn: W): { socket: net.Socket; state: Uint8Array } {
    const c = connOf(conn);
    if (c === undefined || !this.#conns.has(c)) {
      throw new ServerError('ERR_INVALID_ARGUMENT', 'detach: this WebSocket is not a connection of the adapter\'s server (or it was detached already); pass one from connections()');
    }
    const ws = wsInternalsOf(c.ws);
    const notSafe = !c.frozen ? 'it was never frozen (call freeze first)' : unsafeNow(c);
    if (notSafe !== undefined) throw new ServerError('ERR_NOT_AT_SAFE_POINT', `detach: this WebSocket is not at a safe point: ${notSafe}; freeze it again, or unfreeze it`);
    const request = c.request as UpgradeRequest; // a tracked connection without its request never freezes
    const pmd = deflateOf(ws, this.#ws);
    // Everything that can fail comes before the first step that cannot be undone.
    const state = encodeConnectionState({
      kind: 'ws',
      ...request,
      protocol: ws._protocol,
      extensions: pmd === undefined || pmd.params === null ? '' : this.#ws.extension.format({ [this.#ws.PerMessageDeflate.extensionName]: [pmd.params] }),
      appState: this.#options.serializeState?.(c.ws as unknown as W) ?? EMPTY,
    });
    const socket = ws._socket;
    const r = ws._receiver;
    // ws's socket listeners (socketOnClose / OnData / OnEnd / OnError): the socket leaves, unclosed.
    for (const event of ['close', 'data', 'end', 'error'] as const) socket.removeAllListeners(event);
    const k = kWebSocketOf(socket);
    if (k !== undefined) (socket as unknown as Record<symbol, unknown>)[k] = undefined;
    // The receiver's unparsed bytes first, then the socket's: the stream order.
    parkSocket(socket, r._buffers);
    r._buffers = [];
    r._bufferedBytes = 0;
    // The old object is gone for good: no close frame, no FIN, no 'close' event; sends fail.
    r.removeAllListeners();
    ws._readyState = WS_CLOSED;
    pmd?.cleanup();
    this.#forget(c);
    this.#options.movedOut?.(c.ws as unknown as W);
    return { socket, state };
  }

  unfreeze(conn: W): void {
    const c = connOf(conn);
    if (c === undefined || !this.#conns.has(c)) return;
    c.cancel?.();
    thawReceiver(c);
    c.frozen = false;
  }

  adopt(socket: net.Socket, state: Uint8Array): void {
    const decoded = decodeConnectionState(state);
    if (decoded.kind !== 'ws') {
      throw new ServerError('ERR_BAD_STATE', `adopt: the state is of a ${decoded.kind} connection, not a WebSocket; hand the socket to the ${decoded.kind} adapter`);
    }
    if (socket.destroyed) throw new ServerError('ERR_INVALID_ARGUMENT', 'adopt: the socket is already destroyed; the connection ended before it could be served');
    const wss = this.#wss as WebSocketServerLike<W> & { _server?: unknown; _shouldEmitClose?: boolean };
    const options = wss.options as Record<string, unknown>;
    const extensions = decoded.extensions === '' ? undefined : this.#rebuildDeflate(decoded.extensions, options);
    // Built before anything touches the socket: it only refers to it.
    const req = rebuildRequest(socket, decoded);
    const ws = new this.#ws.WebSocket(null, undefined, options);
    ws._protocol = decoded.protocol;
    if (extensions !== undefined) ws._extensions = { [this.#ws.PerMessageDeflate.extensionName]: extensions };
    // The application's state first: if it throws, the socket is still untouched (the caller's).
    this.#options.restoreState?.(ws as unknown as W, decoded.appState, req);
    // As the upgraded socket of an http.Server: half-open allowed (ws ends its side itself), and
    // counted by that server if the WebSocketServer is attached to one, so that its close() waits.
    socket.allowHalfOpen = true;
    const httpServer = wss._server as (net.Server & { _connections?: number }) | null | undefined;
    if (httpServer !== null && httpServer !== undefined && typeof httpServer._connections === 'number') {
      const s = socket as net.Socket & { _server?: net.Server; server?: net.Server };
      s._server = httpServer;
      s.server = httpServer;
      httpServer._connections++;
    }
    // The read-ahead is already in the socket's buffer: ws's 'data' listener parses it on the next
    // tick, after the application's 'connection' handler has attached its 'message' listener.
    ws.setSocket(socket, EMPTY, {
      allowSynchronousEvents: options['allowSynchronousEvents'],
      maxBufferedChunks: options['maxBufferedChunks'],
      maxFragments: options['maxFragments'],
      maxPayload: options['maxPayload'],
      skipUTF8Validation: options['skipUTF8Validation'],
    });
    const clients = wss.clients;
    if (clients !== undefined) {
      clients.add(ws as unknown as W);
      ws.on('close', () => {
        clients.delete(ws as unknown as W);
        if (wss._shouldEmitClose === true && clients.size === 0) process.nextTick(emitServerClose, wss);
      });
    }
    wss.emit('connection', ws, req);
  }

  fallback(conn: W): void {
    const c = connOf(conn);
    if (c === undefined) return;
    this.unfreeze(conn);
    if (c.ws.readyState === WS_OPEN) c.ws.close(WS_CLOSE_SERVICE_RESTART, WS_CLOSE_SERVICE_RESTART_REASON);
  }

  #track(ws: W, req: IncomingMessage | undefined): void {
    const tracked = ws as unknown as { [kConn]?: WsConn };
    if (tracked[kConn] !== undefined) return;
    const c: WsConn = {
      ws: ws as unknown as WsSocketInternals,
      request:
        req === undefined
          ? undefined
          : { method: req.method ?? 'GET', url: req.url ?? '/', httpVersion: req.httpVersion, rawHeaders: [...req.rawHeaders] },
      wasPaused: false,
      receiverFrozen: false,
      frozen: false,
      pokes: new Set(),
      cancel: undefined,
    };
    tracked[kConn] = c;
    this.#conns.add(c);
    ws.once('close', () => this.#forget(c));
  }

  #forget(c: WsConn): void {
    this.#conns.delete(c);
    const wss = this.#wss as WebSocketServerLike<W> & { _shouldEmitClose?: boolean };
    if (wss.clients?.delete(c.ws as unknown as W) === true && wss._shouldEmitClose === true && wss.clients.size === 0) {
      // What ws does when its last client closes after wss.close(): the server's 'close' is due.
      process.nextTick(emitServerClose, wss);
    }
  }

  #step(c: WsConn): FreezeStep {
    const refused = refusal(c);
    if (refused !== undefined) return refused;
    const ws = c.ws;
    const r = ws._receiver;
    if (!c.receiverFrozen) {
      if (!receiverAtBoundary(r)) return 'wait';
      freezeReceiver(c);
    }
    // Frozen inside an emit: the state settles as the stack unwinds; writes queued meanwhile drain
    // into the frozen receiver's buffers on the next ticks.
    if (!receiverAtBoundary(r)) return 'poll';
    if (!senderIdle(ws._sender)) return 'poll';
    const socket = ws._socket;
    if (socket.writableLength > 0) return socket.writableNeedDrain ? 'wait' : 'poll';
    c.frozen = true;
    return { frozen: true };
  }

  /** The extension as negotiated in the old process: the same parameters, this server's other deflate options. */
  #rebuildDeflate(header: string, options: Record<string, unknown>): WsPerMessageDeflate {
    const { PerMessageDeflate, extension } = this.#ws;
    const name = PerMessageDeflate.extensionName;
    let offers: unknown[] | undefined;
    try {
      offers = extension.parse(header)[name];
    } catch (error) {
      throw new ServerError('ERR_BAD_STATE', `adopt: the WebSocket's extensions "${header}" cannot be parsed`, { cause: error });
    }
    if (offers === undefined || offers.length !== 1) throw new ServerError('ERR_BAD_STATE', `adopt: the WebSocket's extensions "${header}" are not one ${name}`);
    const params = offers[0] as Record<string, unknown>;
    const base = typeof options['perMessageDeflate'] === 'object' && options['perMessageDeflate'] !== null ? (options['perMessageDeflate'] as Record<string, unknown>) : {};
    const numberOf = (v: unknown): number | undefined => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : typeof v === 'number' ? v : undefined);
    // The negotiation options are taken from what was negotiated, so that accept() gives it back
    // exactly; threshold, concurrency and zlib options stay this server's.
    const pmd = new PerMessageDeflate({
      ...base,
      serverNoContextTakeover: params['server_no_context_takeover'] !== undefined,
      clientNoContextTakeover: params['client_no_context_takeover'] !== undefined,
      serverMaxWindowBits: numberOf(params['server_max_window_bits']),
      clientMaxWindowBits: numberOf(params['client_max_window_bits']),
      isServer: true,
      maxPayload: options['maxPayload'],
    });
    try {
      pmd.accept(offers);
    } catch (error) {
      throw new ServerError('ERR_BAD_STATE', `adopt: the WebSocket's extensions "${header}" cannot be accepted again`, { cause: error });
    }
    const again = extension.format({ [name]: [pmd.params] });
    if (again !== header) {
      pmd.cleanup();
      throw new ServerError('ERR_BAD_STATE', `adopt: the WebSocket's extensions "${header}" came out as "${again}" when rebuilt; the two ends would not agree on compression`);
    }
    return pmd;
  }
}

function connOf(ws: object): WsConn | undefined {
  return (ws as { [kConn]?: WsConn })[kConn];
}

function deflateOf(ws: WsSocketInternals, lib: WsLibrary): WsPerMessageDeflate | undefined {
  return ws._extensions[lib.PerMessageDeflate.extensionName];
}

/** Why `c` cannot move at all, or undefined. */
function refusal(c: WsConn): FreezeResult | undefined {
  const ws = c.ws;
  if (c.request === undefined) return { frozen: false, why: unmovable('untracked', "'connection' was emitted without the upgrade request") };
  if (ws.readyState !== WS_OPEN) return { frozen: false, why: unmovable('closed') };
  const socket = ws._socket as (net.Socket & { encrypted?: boolean; _handle?: unknown }) | undefined;
  if (socket === undefined || socket.destroyed) return { frozen: false, why: unmovable('closed') };
  if (socket.encrypted === true) return { frozen: false, why: unmovable('tls') };
  if (socket._handle === null || socket._handle === undefined) return { frozen: false, why: unmovable('not-a-socket') };
  const pmd = Object.values(ws._extensions ?? {})[0];
  if (pmd !== undefined && !(pmd.params?.['server_no_context_takeover'] === true && pmd.params?.['client_no_context_takeover'] === true)) {
    return {
      frozen: false,
      why: unmovable('deflate-context-takeover', 'negotiate it without: perMessageDeflate { serverNoContextTakeover: true, clientNoContextTakeover: true }'),
    };
  }
  return undefined;
}

/** What still stands between `c` and its safe point now (the freeze gave up), as a reason. */
function whyNotYet(c: WsConn): string {
  const refused = refusal(c);
  if (refused !== undefined && !refused.frozen) return refused.why;
  const ws = c.ws;
  if (!receiverAtBoundary(ws._receiver)) return unmovable('fragmented-message');
  if (!senderIdle(ws._sender)) return unmovable('sender-busy');
  if (ws._socket.writableLength > 0) return unmovable('slow-reader', `${ws._socket.writableLength} bytes unsent`);
  return unmovable('fragmented-message');
}

/** Why a frozen connection is not at its safe point any more, or undefined. */
function unsafeNow(c: WsConn): string | undefined {
  const refused = refusal(c);
  if (refused !== undefined && !refused.frozen) return refused.why;
  if (!c.receiverFrozen || !receiverAtBoundary(c.ws._receiver)) return 'its receiver is not stopped between frames';
  // Bytes in the socket's own write buffer are fine: adoptNetSocket waits for them to reach the kernel.
  if (!senderIdle(c.ws._sender)) return 'a message is being sent (queued, compressing or fragmented)';
  return undefined;
}

/**
 * Stops the receiver parsing: its loop exits after the current frame, and every later write only
 * appends to its buffers, in order (an own `startLoop` that calls back at once). The socket stops
 * flowing (`ws.pause()`: receiverOnDrain will not resume it) and libuv stops reading (the rest waits
 * in the kernel under TCP flow control, and travels with the socket).
 */
function freezeReceiver(c: WsConn): void {
  const ws = c.ws;
  const r = ws._receiver;
  ws.pause();
  holdReading(ws._socket);
  r._loop = false;
  (r as { startLoop: (cb: (error?: Error | null) => void) => void }).startLoop = function frozenLoop(this: typeof r, cb) {
    if (!this._errored) cb();
  };
  c.receiverFrozen = true;
}

/** Undoes `freezeReceiver`: the receiver parses what it buffered meanwhile, and the socket reads again. */
function thawReceiver(c: WsConn): void {
  if (!c.receiverFrozen) return;
  c.receiverFrozen = false;
  const ws = c.ws;
  const r = ws._receiver;
  delete (r as { startLoop?: unknown }).startLoop;
  releaseReading(ws._socket);
  if (!c.wasPaused && ws.readyState === WS_OPEN) ws.resume();
  // Frames that arrived while frozen sit in its buffers with no write to parse them: an empty write
  // runs the loop through the Writable, so that its callback (and any later write) stays in order.
  if (r._bufferedBytes > 0 && !r._errored) r.write(EMPTY);
}

/** A request like the upgrade request, on the moved socket: what ws handlers authenticate and route by. */
function rebuildRequest(socket: net.Socket, state: WsConnectionState): IncomingMessage {
  const req = new IncomingMessage(socket);
  req.method = state.method;
  req.url = state.url;
  req.httpVersion = state.httpVersion;
  const [major, minor] = state.httpVersion.split('.').map(Number);
  req.httpVersionMajor = major ?? 1;
  req.httpVersionMinor = minor ?? 1;
  const addHeaderLines = (req as unknown as { _addHeaderLines?: (headers: string[], n: number) => void })._addHeaderLines;
  if (typeof addHeaderLines !== 'function') throw internalsMissing('IncomingMessage.prototype._addHeaderLines');
  // Before `complete`: with complete set, http takes these lines as trailers.
  addHeaderLines.call(req, [...state.rawHeaders], state.rawHeaders.length);
  req.complete = true;
  (req as unknown as { upgrade: boolean }).upgrade = true;
  req.push(null);
  return req;
}

function emitServerClose(wss: EventEmitter & { _state?: number }): void {
  // ws's emitClose: the server's state becomes CLOSED (2), then 'close'.
  wss._state = 2;
  wss.emit('close');
}
