/**
 * The undocumented internals of Node's HTTP server that moving a keep-alive connection relies on
 * (tested with Node 20.20.2; the README's "Internals relied upon" lists them). Loaded and checked
 * once, so that another Node version without them fails with one clear `ServerError` instead of a
 * TypeError in the middle of a move.
 */
import { createRequire } from 'node:module';
import type * as http from 'node:http';
import type * as net from 'node:net';
import { TESTED_VERSIONS } from '../constants.js';
import { ServerError } from '../errors.js';

/** Node's HTTPParser (a C++ object), as far as a move touches it. */
export interface HttpParser {
  /** Milliseconds since the current request began; 0 between requests (`last_message_start_`). */
  duration(): number;
  /** Whether the parser reads the socket's libuv stream natively (`parser.consume(handle)`). */
  _consumed: boolean;
}

/** The libuv stream of a `net.Socket` (`socket._handle`). */
export interface StreamHandle {
  readStart(): number;
  readStop(): number;
  /** http's own flag: whether it believes libuv reads (onSocketPause / onSocketResume). */
  reading?: boolean;
}

/** A `net.Socket` of an `http.Server`, with the fields http gives it. */
export interface HttpSocket extends net.Socket {
  parser: HttpParser | null;
  /** The response in flight: undefined before the first one, null between responses. */
  _httpMessage: (http.ServerResponse & { _header: string | null }) | null | undefined;
  _handle: StreamHandle | null;
  _server: net.Server | null;
  server: net.Server;
}

/** An `http.Server` with the fields a move touches. */
export interface HttpServerInternals extends http.Server {
  _connections: number;
}

export interface HttpInternals {
  /** `_http_server.setupConnectionsTracking`: what `'listening'` runs (ConnectionsList + the timeout checker). */
  setupConnectionsTracking(this: http.Server): void;
  /** `_http_common.freeParser`: unconsume, leave the ConnectionsList, back to the free list, `socket.parser = null`. */
  freeParser(parser: HttpParser, req: null, socket: net.Socket): void;
  /** `HTTPParser.kOnMessageBegin` (0): called by C++ `on_message_begin`; http leaves it null. */
  kOnMessageBegin: number;
  /** `HTTPParser.kOnExecute` (5): called by C++ after each natively read chunk. */
  kOnExecute: number;
}

/** Only built-in modules are loaded through it: they resolve the same from any base path. */
const requireBuiltin = createRequire(process.execPath);

let cached: HttpInternals | undefined;

/** Thrown when Node lacks an internal a move relies on; says which, and what to do. */
export function internalsMissing(what: string, library: 'Node' | 'ws' = 'Node'): ServerError {
  const running = library === 'Node' ? `Node ${process.version}` : 'this ws';
  const tested = library === 'Node' ? `Node ${TESTED_VERSIONS.node}` : `ws ${TESTED_VERSIONS.ws}`;
  return new ServerError(
    'ERR_INTERNALS_MISSING',
    `cannot move this connection: ${what} is missing in ${running} (@sanshare/server was tested with ${tested}); run a tested version, or keep this server out of moves`,
  );
}

/** The HTTP server internals, checked; throws `ERR_INTERNALS_MISSING` naming the first one missing. */
export function httpInternals(): HttpInternals {
  if (cached !== undefined) return cached;
  const server = requireBuiltin('_http_server') as { setupConnectionsTracking?: unknown };
  const common = requireBuiltin('_http_common') as { freeParser?: unknown; HTTPParser?: { kOnMessageBegin?: unknown; kOnExecute?: unknown } };
  if (typeof server.setupConnectionsTracking !== 'function') throw internalsMissing("require('_http_server').setupConnectionsTracking");
  if (typeof common.freeParser !== 'function') throw internalsMissing("require('_http_common').freeParser");
  const kOnMessageBegin = common.HTTPParser?.kOnMessageBegin;
  const kOnExecute = common.HTTPParser?.kOnExecute;
  if (typeof kOnMessageBegin !== 'number' || typeof kOnExecute !== 'number') throw internalsMissing('HTTPParser.kOnMessageBegin / kOnExecute');
  cached = {
    setupConnectionsTracking: server.setupConnectionsTracking as HttpInternals['setupConnectionsTracking'],
    freeParser: common.freeParser as HttpInternals['freeParser'],
    kOnMessageBegin,
    kOnExecute,
  };
  return cached;
}

/** The server's ConnectionsList (a private symbol `http.server.connections`), once tracking is set up. */
export function connectionsListOf(server: http.Server): { all(): Array<{ socket?: net.Socket }> } | undefined {
  const symbol = Object.getOwnPropertySymbols(server).find((s) => s.description === 'http.server.connections');
  return symbol === undefined ? undefined : (server as unknown as Record<symbol, { all(): Array<{ socket?: net.Socket }> } | undefined>)[symbol];
}

/** Reads and writes a parser's callback slots (numeric keys on the C++ object). */
export function parserSlot(parser: HttpParser, index: number): unknown {
  return (parser as unknown as Record<number, unknown>)[index];
}

export function setParserSlot(parser: HttpParser, index: number, value: unknown): void {
  (parser as unknown as Record<number, unknown>)[index] = value;
}
