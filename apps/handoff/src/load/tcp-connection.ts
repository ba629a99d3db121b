import { once } from 'node:events';
import * as net from 'node:net';
import { RecordReader, encodeRecord } from '../stream/records.js';
import { StreamingConnection, type LoadTarget } from './load-connection.js';

/** How long a graceful close may take before the socket is destroyed, in ms. */
const CLOSE_BOUND_MS = 5_000;

/**
 * A raw TCP client of the echo: record `c<seq>` (12 bytes, see `records.ts`), answered by the same
 * bytes. Every byte that comes back is checked as it arrives: a lost, repeated or reordered one is a
 * failure at once. A raw echo cannot say which process answered (pid 0).
 */
export class TcpConnection extends StreamingConnection {
  private socket: net.Socket | undefined;
  private reader = new RecordReader();
  private pending: { seq: number; resolve: (pid: number) => void; reject: (error: Error) => void } | undefined;

  constructor(index: number, target: LoadTarget) {
    super(index, target);
  }

  protected async exchange(seq: number): Promise<number> {
    const socket = this.socket !== undefined && !this.socket.destroyed && this.socket.writable ? this.socket : await this.connect(seq);
    return new Promise<number>((resolve, reject) => {
      this.pending = { seq, resolve, reject };
      socket.write(encodeRecord('c', seq));
    });
  }

  private async connect(seq: number): Promise<net.Socket> {
    const socket = net.connect({ host: this.target.host, port: this.target.port });
    this.socket = socket;
    // A new connection's echo starts at the record this one sends first.
    this.reader = new RecordReader({ expectFirst: { c: seq } });
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const record of this.reader.feed(chunk)) {
          const pending = this.pending;
          this.pending = undefined;
          if (pending === undefined || record.n !== pending.seq) {
            this.fail(`echo of record ${record.n} came ${pending === undefined ? 'unasked' : `for record ${pending.seq}`}`);
            pending?.reject(new Error('a wrong echo'));
          } else {
            pending.resolve(0);
          }
        }
      } catch (error) {
        this.pending?.reject(error as Error);
        this.pending = undefined;
        socket.destroy();
      }
    });
    socket.on('error', () => {
      // 'close' follows and says it.
    });
    let connected = false;
    socket.on('close', (hadError: boolean) => {
      const why = `the server ${hadError ? 'reset' : 'closed'} the connection`;
      const pending = this.pending;
      this.pending = undefined;
      // A request in flight fails with it (and is counted there); a connect that failed is counted by its caller.
      if (pending !== undefined) pending.reject(new Error(why));
      else if (connected && !this.stopping) this.fail(why);
    });
    await once(socket, 'connect');
    connected = true;
    this.connects += 1;
    return socket;
  }

  protected async closeConnection(): Promise<void> {
    const socket = this.socket;
    if (socket === undefined || socket.destroyed) return;
    const closed = once(socket, 'close');
    socket.end();
    const bound = setTimeout(() => socket.destroy(), CLOSE_BOUND_MS);
    await closed;
    clearTimeout(bound);
  }
}
