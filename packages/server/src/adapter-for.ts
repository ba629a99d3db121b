/**
 * The adapter of a server given to `restarter.attach` or `serveWorker`: an adapter as it is, an
 * `http.Server` gets `createHttpAdapter`, a `ws` WebSocketServer `createWsAdapter` (without state
 * hooks: pass `createWsAdapter(wss, { serializeState, restoreState })` for those). A plain
 * `net.Server` needs the application's word on its safe points: `createTcpAdapter(server, { checkpoint })`.
 */
import { Server as HttpServer } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { ConnectionAdapter } from './adapters/connection-adapter.js';
import { createHttpAdapter, createWsAdapter, type WebSocketServerLike } from './adapters/index.js';
import { ServerError } from './errors.js';

/** What `attach` and `serveWorker` take. */
export type Attachable = ConnectionAdapter<unknown> | HttpServer | WebSocketServerLike;

const isAdapter = (value: object): value is ConnectionAdapter<unknown> =>
  typeof (value as Partial<ConnectionAdapter<unknown>>).freeze === 'function' && typeof (value as Partial<ConnectionAdapter<unknown>>).detach === 'function';

const isWebSocketServer = (value: object): value is WebSocketServerLike =>
  typeof (value as { handleUpgrade?: unknown }).handleUpgrade === 'function' && typeof (value as { options?: unknown }).options === 'object';

/** The adapter for `target`; throws `ERR_INVALID_ARGUMENT` for anything else, saying what to pass. */
export function adapterFor(target: Attachable): ConnectionAdapter<unknown> {
  if (typeof target === 'object' && target !== null) {
    if (isAdapter(target)) return target;
    if (target instanceof HttpServer) return createHttpAdapter(target) as ConnectionAdapter<unknown>;
    if (isWebSocketServer(target)) return createWsAdapter(target) as ConnectionAdapter<unknown>;
    if ((target as object) instanceof NetServer) {
      throw new ServerError('ERR_INVALID_ARGUMENT', 'a plain net.Server has no safe point the package can find: pass createTcpAdapter(server, { checkpoint }) instead');
    }
  }
  throw new ServerError('ERR_INVALID_ARGUMENT', 'attach an http.Server, a ws WebSocketServer, or a connection adapter (createHttpAdapter, createWsAdapter, createTcpAdapter)');
}
