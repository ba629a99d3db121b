/**
 * The undocumented internals of `ws` (tested with ws 8.23.1) that moving a WebSocket relies on, as
 * types, and the checks that turn a missing one into `ERR_INTERNALS_MISSING` instead of a TypeError
 * mid-move. Nothing is loaded from `ws` by path: the WebSocket class a server builds its connections
 * with (`wss.options.WebSocket`) carries `PerMessageDeflate` and `extension` as statics (ws's index.js
 * attaches them), so this package never imports `ws` itself (it is an optional peer).
 */
import type { EventEmitter } from 'node:events';
import type * as net from 'node:net';
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

/** The WebSocket class of a server (`wss.options.WebSocket`), with ws's statics. */
export interface WsClass {
  new (address: null, protocols: undefined, options: object): WsSocketInternals;
  PerMessageDeflate: { new (options: object): WsPerMessageDeflate; readonly extensionName: string };
  extension: WsExtension;
}

/** `WebSocket.OPEN` / `CLOSED`; receiver state GET_INFO; sender state DEFAULT. */
export const WS_OPEN = 1;
export const WS_CLOSED = 3;
export const RECEIVER_GET_INFO = 0;
export const SENDER_DEFAULT = 0;

const isFn = (v: unknown): boolean => typeof v === 'function';

/** The WebSocket class of `options`, checked; throws `ERR_INTERNALS_MISSING`. */
export function wsClassOf(options: { WebSocket?: unknown }): WsClass {
  const cls = options.WebSocket as Partial<WsClass> | undefined;
  if (!isFn(cls)) throw internalsMissing('wss.options.WebSocket (the class ws builds connections with)', 'ws');
  const c = cls as WsClass;
  if (!isFn(c.PerMessageDeflate) || typeof c.PerMessageDeflate.extensionName !== 'string') throw internalsMissing('WebSocket.PerMessageDeflate', 'ws');
  if (!isFn(c.extension?.parse) || !isFn(c.extension?.format)) throw internalsMissing('WebSocket.extension (parse / format)', 'ws');
  if (!isFn((c as unknown as { prototype: { setSocket?: unknown } }).prototype.setSocket)) throw internalsMissing('WebSocket.prototype.setSocket', 'ws');
  return c;
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

/** ws's own symbol on the socket (`kWebSocket`, description 'websocket'), found without loading lib/constants.js. */
export function kWebSocketOf(socket: net.Socket): symbol | undefined {
  return Object.getOwnPropertySymbols(socket).find((s) => s.description === 'websocket');
}
