/**
 * The undocumented internals of `ws` (tested with ws 8.23.1) that moving a WebSocket relies on, as
 * types, and the checks that turn a missing one into `ERR_INTERNALS_MISSING` instead of a TypeError
 * mid-move. The WebSocket class comes from the server itself (`wss.options.WebSocket`); ws's
 * `PerMessageDeflate` and `extension` come from that class's statics when ws was loaded through
 * `require('ws')` (its index.js attaches them), else from `ws/lib/*.js` loaded by path (`import 'ws'`
 * runs wrapper.mjs, which does not), resolved as this package's peer.
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type * as net from 'node:net';
import { dirname, join } from 'node:path';
import { internalsMissing } from './http-internals.js';

/** ws's Receiver (a Writable): its parse state and the bytes it took from the socket but has not parsed. */
export interface WsReceiver extends EventEmitter {
  /** GET_INFO 0 (between frames), GET_PAYLOAD_LENGTH_16 1, _64 2, GET_MASK 3, GET_DATA 4, INFLATING 5, DEFER_EVENT 6. */
  _state: number;
  /** The opcode of an open fragmented message, 0 when none. */
  _fragmented: number;
  _fragments: unknown[];
  _buffers: Buffer[];
  _bufferedBytes: number;
  _loop: boolean;
  _errored: boolean;
  _writableState: { length: number };
  startLoop(cb: (error?: Error | null) => void): void;
  write(chunk: Buffer): boolean;
}

/** ws's Sender: what it has queued, is compressing, or left open. */
export interface WsSender {
  /** DEFAULT 0, DEFLATING 1, GET_BLOB_DATA 2. */
  _state: number;
  _queue: unknown[];
  _bufferedBytes: number;
  /** False while an outgoing fragmented message is open. */
  _firstFragment: boolean;
}

/** ws's PerMessageDeflate instance. */
export interface WsPerMessageDeflate {
  params: Record<string, unknown> | null;
  accept(offers: unknown[]): unknown;
  cleanup(): void;
}

/** A server-side ws WebSocket with the fields a move touches. */
export interface WsSocketInternals extends EventEmitter {
  readonly readyState: number;
  readonly isPaused: boolean;
  pause(): void;
  resume(): void;
  close(code?: number, reason?: string): void;
  setSocket(socket: net.Socket, head: Buffer, options: Record<string, unknown>): void;
  _receiver: WsReceiver;
  _sender: WsSender;
  _socket: net.Socket;
  _protocol: string;
  _extensions: Record<string, WsPerMessageDeflate | undefined>;
  _readyState: number;
}

/** `ws/lib/extension.js`. */
export interface WsExtension {
  parse(header: string): Record<string, unknown[] | undefined>;
  format(extensions: Record<string, unknown[]>): string;
}

/** ws's PerMessageDeflate class. */
export interface WsPerMessageDeflateClass {
  new (options: object): WsPerMessageDeflate;
  readonly extensionName: string;
}

/** What a move needs of ws: the server's WebSocket class, PerMessageDeflate and extension. */
export interface WsLibrary {
  readonly WebSocket: new (address: null, protocols: undefined, options: object) => WsSocketInternals;
  readonly PerMessageDeflate: WsPerMessageDeflateClass;
  readonly extension: WsExtension;
}

/** `WebSocket.OPEN` / `CLOSED`; receiver state GET_INFO; sender state DEFAULT. */
export const WS_OPEN = 1;
export const WS_CLOSED = 3;
export const RECEIVER_GET_INFO = 0;
export const SENDER_DEFAULT = 0;

const isFn = (v: unknown): boolean => typeof v === 'function';

/**
 * ws as a server uses it (`options` are the WebSocketServer's), checked; throws `ERR_INTERNALS_MISSING`
 * naming what is missing.
 */
export function wsLibraryOf(options: { WebSocket?: unknown }): WsLibrary {
  const cls = options.WebSocket as { PerMessageDeflate?: unknown; extension?: unknown; prototype?: { setSocket?: unknown } } | undefined;
  if (!isFn(cls) || cls === undefined) throw internalsMissing('wss.options.WebSocket (the class ws builds connections with)', 'ws');
  if (!isFn(cls.prototype?.setSocket)) throw internalsMissing('WebSocket.prototype.setSocket', 'ws');
  const { PerMessageDeflate, extension } = isFn(cls.PerMessageDeflate) ? (cls as { PerMessageDeflate: unknown; extension: unknown }) : loadWsLib(cls);
  const pmd = PerMessageDeflate as Partial<WsPerMessageDeflateClass>;
  if (!isFn(pmd) || typeof pmd.extensionName !== 'string') throw internalsMissing('ws/lib/permessage-deflate.js (PerMessageDeflate)', 'ws');
  const ext = extension as Partial<WsExtension> | undefined;
  if (!isFn(ext?.parse) || !isFn(ext?.format)) throw internalsMissing('ws/lib/extension.js (parse / format)', 'ws');
  return { WebSocket: cls as unknown as WsLibrary['WebSocket'], PerMessageDeflate: pmd as WsPerMessageDeflateClass, extension: ext as WsExtension };
}

/**
 * ws's lib files by path (its exports map hides them), from the copy whose lib/websocket.js is the
 * server's WebSocket class (or an ancestor of it): first as this package's peer, then from the
 * working directory; any copy found if none is the server's own (they hold no shared state).
 */
function loadWsLib(cls: unknown): { PerMessageDeflate: unknown; extension: unknown } {
  let fallback: { PerMessageDeflate: unknown; extension: unknown } | undefined;
  for (const base of [import.meta.url, join(process.cwd(), 'index.js')]) {
    try {
      const require = createRequire(base);
      const dir = dirname(require.resolve('ws'));
      const found = { PerMessageDeflate: require(join(dir, 'lib/permessage-deflate.js')) as unknown, extension: require(join(dir, 'lib/extension.js')) as unknown };
      const own = require(join(dir, 'lib/websocket.js')) as unknown;
      if (own === cls || (isFn(own) && isFn(cls) && (cls as { prototype: object }).prototype instanceof (own as new () => object))) return found;
      fallback ??= found;
    } catch {
      // Not resolvable from here: try the next place.
    }
  }
  if (fallback === undefined) throw internalsMissing("ws's lib/permessage-deflate.js and lib/extension.js (ws cannot be resolved)", 'ws');
  return fallback;
}

/** `ws` as a WebSocket with the receiver and sender fields a move reads, checked; throws `ERR_INTERNALS_MISSING`. */
export function wsInternalsOf(ws: object): WsSocketInternals {
  const w = ws as Partial<WsSocketInternals>;
  const r = w._receiver as Partial<WsReceiver> | undefined;
  const s = w._sender as Partial<WsSender> | undefined;
  if (r === undefined || r === null) throw internalsMissing('ws._receiver', 'ws');
  for (const field of ['_state', '_fragmented', '_bufferedBytes'] as const) {
    if (typeof r[field] !== 'number') throw internalsMissing(`ws._receiver.${field}`, 'ws');
  }
  if (!Array.isArray(r._buffers) || !Array.isArray(r._fragments) || typeof r._loop !== 'boolean' || !isFn(r.startLoop) || typeof r._writableState?.length !== 'number') {
    throw internalsMissing('ws._receiver (_buffers, _fragments, _loop, startLoop, _writableState)', 'ws');
  }
  if (s === undefined || s === null || typeof s._state !== 'number' || !Array.isArray(s._queue) || typeof s._bufferedBytes !== 'number' || typeof s._firstFragment !== 'boolean') {
    throw internalsMissing('ws._sender (_state, _queue, _bufferedBytes, _firstFragment)', 'ws');
  }
  if (typeof w._extensions !== 'object' || w._extensions === null || typeof w._readyState !== 'number' || typeof w._protocol !== 'string') {
    throw internalsMissing('ws._extensions / _readyState / _protocol', 'ws');
  }
  return ws as WsSocketInternals;
}

/** The receiver is between frames, outside its loop, with no fragmented message open and no write pending. */
export function receiverAtBoundary(r: WsReceiver): boolean {
  return r._state === RECEIVER_GET_INFO && r._fragmented === 0 && r._fragments.length === 0 && !r._errored && r._writableState.length === 0;
}

/** The sender has nothing queued, compressing or read from a Blob, and no outgoing fragmented message open. */
export function senderIdle(s: WsSender): boolean {
  return s._state === SENDER_DEFAULT && s._queue.length === 0 && s._bufferedBytes === 0 && s._firstFragment;
}

/** The symbol `kWebSocketOf` found last: the same for every socket of one copy of ws. */
let lastKWebSocket: symbol | undefined;

/**
 * ws's own symbol on the socket (`kWebSocket`, description 'websocket'), found without loading
 * lib/constants.js. The one found last is tried first (listing a socket's symbols for each of
 * thousands of connections moved cost a microsecond each); another copy of ws has its own.
 */
export function kWebSocketOf(socket: net.Socket): symbol | undefined {
  if (lastKWebSocket !== undefined && Object.hasOwn(socket, lastKWebSocket)) return lastKWebSocket;
  const found = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'websocket');
  if (found !== undefined) lastKWebSocket = found;
  return found;
}
