/**
 * The connection adapters: how a live connection of each kind of server (Node's `http.Server`, a
 * `ws` WebSocketServer, a plain `net.Server`) stops at a safe point, leaves its server with every
 * byte read ahead and its state, and is served by the same kind of server in another process.
 */
export type { ConnectionAdapter, FreezeResult } from './connection-adapter.js';
export { createHttpAdapter } from './http-adapter.js';
export type { HttpAdapter } from './http-adapter.js';
export { prepareServer } from './prepare-server.js';
export { createWsAdapter } from './ws-adapter.js';
export type { WsAdapter, WsAdapterOptions, WebSocketLike, WebSocketServerLike } from './ws-adapter.js';
export { createTcpAdapter } from './tcp-adapter.js';
export type { TcpAdapter, TcpAdapterOptions } from './tcp-adapter.js';
export { UNMOVABLE, unmovable, unmovableCode } from './unmovable.js';
export type { UnmovableCode } from './unmovable.js';
export { connectionKindOf, decodeConnectionState, encodeConnectionState } from './connection-state.js';
export type { ConnectionState, HttpConnectionState, WsConnectionState, TcpConnectionState } from './connection-state.js';
export { MAX_STATE_BYTES } from './constants.js';
