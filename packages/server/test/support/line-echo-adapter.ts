import { once } from 'node:events';
import type { Socket } from 'node:net';
import type { ConnectionAdapter } from '../../src/index.js';

/**
 * A plain TCP adapter for the lifecycle tests (the package's own adapters are tested elsewhere): a line
 * echo that answers each `n\n` with `<tag>:n\n`. Its safe point is any moment its writes are flushed;
 * a line half-read travels in the state, so nothing is lost whatever the moment.
 */
export class LineEchoAdapter implements ConnectionAdapter<Socket> {
  readonly kind = 'tcp' as const;
  readonly #conns = new Map<Socket, { partial: string; onData: (chunk: Buffer) => void; onClose: () => void }>();
  /** Served by this process since it started: moved-in connections count too. */
  served = 0;

  constructor(private readonly tag: () => string) {}

  connections(): Iterable<Socket> {
    return this.#conns.keys();
  }

  /** Serves a connection (a fresh one, or one moved in with its half-read line). */
  serve(socket: Socket, partial = ''): void {
    this.served++;
    const entry = {
      partial,
      onData: (chunk: Buffer) => {
        entry.partial += chunk.toString('latin1');
        let end: number;
        while ((end = entry.partial.indexOf('\n')) !== -1) {
          const line = entry.partial.slice(0, end);
          entry.partial = entry.partial.slice(end + 1);
          socket.write(`${this.tag()}:${line}\n`);
        }
      },
      onClose: () => this.#conns.delete(socket),
    };
    this.#conns.set(socket, entry);
    socket.on('data', entry.onData);
    socket.on('close', entry.onClose);
    socket.on('error', () => socket.destroy());
    // A moved-in socket may hold whole lines already (its read-ahead): they come as 'data' on the next tick.
  }

  async freeze(conn: Socket, signal: AbortSignal): Promise<{ frozen: true } | { frozen: false; why: string }> {
    const entry = this.#conns.get(conn);
    if (entry === undefined) return { frozen: false, why: 'not a connection of this server' };
    conn.off('data', entry.onData);
    conn.pause();
    while (conn.writableLength > 0 && !conn.destroyed && !signal.aborted) await once(conn, 'drain', { signal }).catch(() => undefined);
    if (conn.destroyed) return { frozen: false, why: 'closed' };
    if (signal.aborted) {
      this.unfreeze(conn);
      return { frozen: false, why: 'drain deadline' };
    }
    return { frozen: true };
  }

  detach(conn: Socket): { socket: Socket; state: Uint8Array } {
    const entry = this.#conns.get(conn);
    this.#conns.delete(conn);
    if (entry !== undefined) conn.off('close', entry.onClose);
    return { socket: conn, state: Buffer.from(entry?.partial ?? '', 'latin1') };
  }

  unfreeze(conn: Socket): void {
    const entry = this.#conns.get(conn);
    if (entry === undefined) return;
    conn.on('data', entry.onData);
    conn.resume();
  }

  adopt(socket: Socket, state: Uint8Array): void {
    this.serve(socket, Buffer.from(state).toString('latin1'));
  }

  fallback(conn: Socket): void {
    conn.end();
  }
}
