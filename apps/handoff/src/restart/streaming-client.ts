import net from 'node:net';
import { RecordReader, encodeRecords } from '../stream/records.js';

/** Records per write and the pause between writes: a steady trickle on every connection. */
const RECORDS_PER_WRITE = 2;
const WRITE_INTERVAL_MS = 5;

/**
 * A client of `restart` mode: it streams numbered records to the echo server without pause and
 * checks every echoed byte as it arrives (a lost, repeated or reordered byte is an error at once).
 * It notices a restart only if something goes wrong: a reset, an early FIN, a bad byte.
 */
export class StreamingClient {
  readonly reader = new RecordReader({ expectFirst: { c: 0 } });
  sentRecords = 0;
  error: string | null = null;
  /** The server's FIN arrived after the client's own. */
  gotEnd = false;
  readonly closed: Promise<void>;
  private timer: NodeJS.Timeout | undefined;
  private readonly socket: net.Socket;
  private sending = true;

  constructor(readonly index: number, port: number) {
    this.socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    this.socket.on('connect', () => this.pump());
    this.socket.on('data', (chunk: Buffer) => {
      try {
        this.reader.feed(chunk);
      } catch (error) {
        this.fail(error instanceof Error ? error.message : String(error));
      }
    });
    this.socket.on('end', () => {
      this.gotEnd = true;
    });
    this.socket.on('error', (error: NodeJS.ErrnoException) => this.fail(error.code ?? error.message));
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve()));
  }

  /** Records echoed back so far. */
  get echoed(): number {
    return this.reader.range('c')?.count ?? 0;
  }

  /** Stops sending; the client then waits for the rest of its echoes. */
  stopSending(): void {
    this.sending = false;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Sends FIN (after the last echo is in), then waits for the server's FIN and the close. */
  async end(): Promise<void> {
    this.socket.end();
    await this.closed;
  }

  destroy(): void {
    this.stopSending();
    this.socket.destroy();
  }

  private pump(): void {
    if (!this.sending || this.socket.destroyed) return;
    this.socket.write(encodeRecords('c', this.sentRecords, RECORDS_PER_WRITE));
    this.sentRecords += RECORDS_PER_WRITE;
    this.timer = setTimeout(() => this.pump(), WRITE_INTERVAL_MS);
  }

  private fail(message: string): void {
    this.error ??= message;
    this.stopSending();
  }
}
