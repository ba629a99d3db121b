/**
 * In the receiving process: hands each arrived connection to the attached server of its name
 * (`adapter.adopt`), or, for a fresh connection of a pool, to the worker's server. A connection whose
 * server is not attached yet waits for `attach` (the application attaches before `ready()`, so this
 * is rare); `dropUnrouted` ends those still waiting when the move is over. A connection its server
 * cannot adopt (the adapter throws: a state of another kind, a malformed one, an application's
 * `restoreState` that throws) is ended and told to `onRefused`: one bad connection must not take the
 * receiving process, and every connection it serves, down with it.
 */
import type { Socket } from 'node:net';
import { ServerError, firstLine, isServerError } from './errors.js';
import type { AttachedServer } from './move-connections.js';
import type { ArrivedSocket } from './socket-mover.js';

/** Options of a `ConnectionRouter`. */
export interface ConnectionRouterOptions {
  /** Serves a fresh connection (a pool's worker); absent elsewhere. */
  readonly fresh?: (socket: Socket) => void;
  /** A connection that was ended because its server could not adopt it (`ERR_BAD_STATE`). */
  readonly onRefused?: (error: ServerError) => void;
}

export class ConnectionRouter {
  readonly #servers = new Map<string, AttachedServer>();
  readonly #waiting: ArrivedSocket[] = [];
  readonly #fresh: ((socket: Socket) => void) | undefined;
  readonly #onRefused: ((error: ServerError) => void) | undefined;

  constructor(options: ConnectionRouterOptions = {}) {
    this.#fresh = options.fresh;
    this.#onRefused = options.onRefused;
  }

  get servers(): AttachedServer[] {
    return [...this.#servers.values()];
  }

  /** Whether a server is attached under `name`. */
  has(name: string): boolean {
    return this.#servers.has(name);
  }

  attach(server: AttachedServer): void {
    this.#servers.set(server.name, server);
    for (let i = 0; i < this.#waiting.length; ) {
      const arrived = this.#waiting[i] as ArrivedSocket;
      if (arrived.moved.server === server.name && !arrived.moved.fresh) {
        this.#waiting.splice(i, 1);
        this.#adopt(server, arrived);
      } else i++;
    }
  }

  /** Serves `arrived` now, or keeps it until its server is attached. False when its server refused it (it was ended). */
  deliver(arrived: ArrivedSocket): boolean {
    if (arrived.moved.fresh && this.#fresh !== undefined) {
      this.#fresh(arrived.socket);
      return true;
    }
    const server = this.#servers.get(arrived.moved.server);
    if (server === undefined) {
      this.#waiting.push(arrived);
      return true;
    }
    return this.#adopt(server, arrived);
  }

  /** Ends the connections no attached server took; returns how many. */
  dropUnrouted(): number {
    const dropped = this.#waiting.splice(0);
    for (const { socket } of dropped) socket.destroy();
    return dropped.length;
  }

  #adopt(server: AttachedServer, arrived: ArrivedSocket): boolean {
    try {
      server.adapter.adopt(arrived.socket, arrived.moved.state);
      return true;
    } catch (error) {
      // adopt throws before it serves the socket (ConnectionAdapter's contract): still ours, and ended.
      arrived.socket.destroy();
      const why = isServerError(error) ? error.message : firstLine(error);
      this.#onRefused?.(new ServerError('ERR_BAD_STATE', `a connection moved in for '${server.name}' could not be adopted, and was ended: ${why}`, { cause: error }));
      return false;
    }
  }
}
