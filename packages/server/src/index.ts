/**
 * Restart a Node server, or spread it over worker processes, without dropping a connection: the
 * listener and every live HTTP keep-alive, WebSocket and TCP connection move to the successor or to a
 * worker, as kernel sockets (nothing is proxied), each at a safe point with what was read ahead.
 *
 * @packageDocumentation
 */
export { TESTED_VERSIONS } from './constants.js';
export { ServerError, isServerError, SERVER_ERRORS } from './errors.js';
export type { ServerErrorCode } from './errors.js';
export {
  createHttpAdapter,
  prepareServer,
  createWsAdapter,
  createTcpAdapter,
  UNMOVABLE,
  unmovableCode,
  connectionKindOf,
  MAX_STATE_BYTES,
} from './adapters/index.js';
export type {
  ConnectionAdapter,
  FreezeResult,
  HttpAdapter,
  WsAdapter,
  WsAdapterOptions,
  WebSocketLike,
  WebSocketServerLike,
  TcpAdapter,
  TcpAdapterOptions,
  UnmovableCode,
} from './adapters/index.js';
