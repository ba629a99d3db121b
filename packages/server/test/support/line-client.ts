import { connect, type Socket } from 'node:net';

/**
 * A client of the line echo: one TCP connection for its whole life, `window` lines in flight, each
 * reply checked (same number, in order). Records which server tags (pid/version) answered, in order.
 */
export class LineClient {
  readonly socket: Socket;
  sent = 0;
  answered = 0;
  /** Distinct tags in the order they first answered. */
  readonly tags: string[] = [];
  readonly errors: string[] = [];
  closed = false;
  #buffer = '';
  #running = true;
  #idle: (() => void) | undefined;

  constructor(port: number, private readonly window = 2) {
    this.socket = connect({ port, host: '127.0.0.1' });
    this.socket.setEncoding('latin1');
    this.socket.on('connect', () => this.#pump());
    this.socket.on('data', (chunk: string) => this.#onData(chunk));
    this.socket.on('error', (error) => this.errors.push(`error: ${error.message}`));
    this.socket.on('close', () => {
      this.closed = true;
      if (this.#running) this.errors.push('closed by the server');
      this.#idle?.();
    });
  }

  #pump(): void {
    while (this.#running && this.sent - this.answered < this.window && !this.closed) {
      this.socket.write(`${this.sent}\n`);
      this.sent++;
    }
  }

  #onData(chunk: string): void {
    this.#buffer += chunk;
    let end: number;
    while ((end = this.#buffer.indexOf('\n')) !== -1) {
      const line = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 1);
      const at = line.lastIndexOf(':');
      const tag = line.slice(0, at);
      const n = Number(line.slice(at + 1));
      if (n !== this.answered) this.errors.push(`expected reply ${this.answered}, got '${line}'`);
      this.answered++;
      if (this.tags[this.tags.length - 1] !== tag) this.tags.push(tag);
    }
    if (this.sent === this.answered) this.#idle?.();
    this.#pump();
  }

  /** Stops sending and resolves once every line sent was answered (or the connection closed). */
  stop(): Promise<void> {
    this.#running = false;
    return new Promise((resolve) => {
      if (this.sent === this.answered || this.closed) return resolve();
      this.#idle = resolve;
    });
  }

  close(): void {
    this.#running = false;
    this.socket.destroy();
  }
}
