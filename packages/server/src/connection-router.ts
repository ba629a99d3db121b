/**
 * In the receiving process: hands each arrived connection to the attached server of its name
 * (`adapter.adopt`), or, for a fresh connection of a pool, to the worker's server. A connection whose
 * server is not attached yet waits for `attach` (the application attaches before `ready()`, so this
 * is rare); `dropUnrouted` ends those still waiting when the move is over.
 */
import type { Socket } from 'node:net';
import type { AttachedServer } from './move-connections.js';
import type { ArrivedSocket } from './socket-mover.js';

export class ConnectionRouter {
  readonly #servers = new Map<string, AttachedServer>();
  readonly #waiting: ArrivedSocket[] = [];
  /** Serves a fresh connection (a pool's worker); absent elsewhere. */
  readonly #fresh: ((socket: Socket) => void) | undefined;

  constructor(fresh?: (socket: Socket) => void) {
    this.#fresh = fresh;
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
        server.adapter.adopt(arrived.socket, arrived.moved.state);
      } else i++;
    }
  }

  /** Serves `arrived` now, or keeps it until its server is attached. */
  deliver(arrived: ArrivedSocket): void {
    if (arrived.moved.fresh && this.#fresh !== undefined) {
      this.#fresh(arrived.socket);
      return;
    }
    const server = this.#servers.get(arrived.moved.server);
    if (server === undefined) this.#waiting.push(arrived);
    else server.adapter.adopt(arrived.socket, arrived.moved.state);
  }

  /** Ends the connections no attached server took; returns how many. */
  dropUnrouted(): number {
    const dropped = this.#waiting.splice(0);
    for (const { socket } of dropped) socket.destroy();
    return dropped.length;
  }
}
