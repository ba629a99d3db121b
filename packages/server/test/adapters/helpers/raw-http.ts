import * as net from 'node:net';
import { until } from './two-servers.js';

/** One parsed HTTP/1.1 response. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A hand-driven HTTP/1.1 client over one real TCP connection: the test writes exactly the bytes it
 * wants (partial requests, pipelined ones) and reads responses with a Content-Length, in order.
 */
export class RawHttp {
  readonly socket: net.Socket;
  #buffer = '';
  readonly responses: RawResponse[] = [];
  ended = false;
  closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      this.#parse();
    });
    socket.on('end', () => (this.ended = true));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => {});
  }

  static async connect(port: number): Promise<RawHttp> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawHttp(socket);
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** Waits for the `n`th response (1-based) and returns it. */
  async response(n: number, timeoutMs = 20_000): Promise<RawResponse> {
    await until(() => this.responses.length >= n, `response ${n} arrived`, timeoutMs);
    return this.responses[n - 1] as RawResponse;
  }

  close(): void {
    this.socket.destroy();
  }

  #parse(): void {
    for (;;) {
      const headEnd = this.#buffer.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const [statusLine, ...lines] = this.#buffer.slice(0, headEnd).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length'] ?? 0);
      if (this.#buffer.length < headEnd + 4 + length) return;
      const body = this.#buffer.slice(headEnd + 4, headEnd + 4 + length);
      this.#buffer = this.#buffer.slice(headEnd + 4 + length);
      this.responses.push({ status: Number(statusLine?.split(' ')[1]), headers, body });
    }
  }
}

/** A request with no body. */
export const get = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`;
