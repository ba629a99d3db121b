import type * as net from 'node:net';

/** What `freeze` resolves with: frozen at a safe point, or why the connection cannot move (see `unmovable.ts`). */
export type FreezeResult = { frozen: true } | { frozen: false; why: string };

/**
 * What the restart and worker lifecycles need from one kind of server (Node's `http.Server`, a `ws`
 * WebSocketServer, or plain `net.Socket` connections) to move its live connections between processes.
 *
 * The life of a connection that moves: `freeze` (stop reading at a safe point: a request boundary, a
 * message boundary, or a point the application marks), then `detach` in the old process (the socket
 * comes out of its server with every byte read ahead unshifted into it, ready for the switch's
 * `adoptNetSocket`, plus the state bytes that travel in the duplication's message), then `adopt` in the
 * receiving process. A move that is abandoned before `detach` is undone by `unfreeze`; a connection that
 * cannot move by the drain deadline gets `fallback` (`Connection: close` / WebSocket close 1012).
 */
export interface ConnectionAdapter<Conn> {
  readonly kind: 'http' | 'ws' | 'tcp';
  /** Live connections of this server, in this process. */
  connections(): Iterable<Conn>;
  /** Resolves once `conn` is frozen at a safe point (no more reads, nothing half-parsed), or says why it cannot move. */
  freeze(conn: Conn, signal: AbortSignal): Promise<FreezeResult>;
  /**
   * Takes a frozen connection out of its server: the socket (for adoptNetSocket, its receiver's bytes
   * unshifted) and its state bytes. Throws `ServerError` (`ERR_NOT_AT_SAFE_POINT`, `ERR_STATE_TOO_LARGE`)
   * before any step that cannot be undone: the connection then stays frozen in its server.
   */
  detach(conn: Conn): { socket: net.Socket; state: Uint8Array };
  /** Puts a frozen (not detached) connection back into service. */
  unfreeze(conn: Conn): void;
  /**
   * In the receiving process: serve `socket` (read-ahead already in it) as this kind with `state`.
   * Throws `ServerError` (`ERR_BAD_STATE` for a malformed state or one of another kind) before it
   * touches the socket: the caller still owns it then, and destroys it.
   */
  adopt(socket: net.Socket, state: Uint8Array): void;
  /** The fallback for a connection that cannot move by the deadline (Connection: close / close 1012). */
  fallback(conn: Conn): void;
}
