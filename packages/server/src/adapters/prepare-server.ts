import type * as http from 'node:http';
import { connectionsListOf, httpInternals } from './http-internals.js';

/**
 * Gives an `http.Server` that never called `listen()` (a successor's or a worker's, fed connections
 * with `emit('connection')`) what `listen()` would have: the ConnectionsList and the checker behind
 * `headersTimeout` and `requestTimeout` (408), `closeIdleConnections()`, `closeAllConnections()` and
 * the idle part of `close()`. Without it all of these silently do nothing on such a server.
 *
 * Call it before the first connection arrives (a connection joins the list when it arrives); calling
 * it again, or on a server that listens, changes nothing. `createHttpAdapter` calls it. Throws
 * `ERR_INTERNALS_MISSING` on a Node without `_http_server.setupConnectionsTracking`.
 */
export function prepareServer(server: http.Server): void {
  if (connectionsListOf(server) !== undefined) return;
  httpInternals().setupConnectionsTracking.call(server);
}
