import * as net from 'node:net';
import { until } from './two-servers.js';

/** One answer of the line server: `<pid> <n> <line>`. */
export interface LineAnswer {
  pid: number;
  n: number;
  line: string;
}

/** A client of the test's line protocol over one real TCP connection. */
export class LineClient {
  readonly socket: net.Socket;
  readonly answers: LineAnswer[] = [];
  ended = false;
  #buffer = '';
  #sent = 0;
  #stopped = false;
  #loop: Promise<void> | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      const lines = (this.#buffer + chunk).split('\n');
      this.#buffer = lines.pop() as string;
      for (const text of lines) {
        const [pid, n, ...rest] = text.split(' ');
        this.answers.push({ pid: Number(pid), n: Number(n), line: rest.join(' ') });
      }
    });
    socket.on('end', () => (this.ended = true));
    socket.on('error', () => {});
  }

  static async connect(port: number): Promise<LineClient> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new LineClient(socket);
  }

  write(text: string): void {
    this.socket.write(text);
  }

  served(pid: number): number {
    return this.answers.filter((a) => a.pid === pid).length;
  }

  /** Sends lines `l<i>-<padding>` in a loop, each cut in up to three writes a turn of the loop apart. */
  run(): void {
    this.#loop = (async () => {
      while (!this.#stopped) {
        if (this.#sent - this.answers.length < 50) {
          const line = `l${this.#sent++}-${'x'.repeat(this.#sent % 40)}\n`;
          const cut1 = Math.floor(line.length / 3);
          const cut2 = Math.floor((2 * line.length) / 3);
          for (const part of [line.slice(0, cut1), line.slice(cut1, cut2), line.slice(cut2)]) {
            this.socket.write(part);
            await new Promise((resolve) => setImmediate(resolve));
          }
        } else await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
  }

  /** Stops sending and waits for every line to be answered. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
    await until(() => this.answers.length === this.#sent, 'every line was answered');
  }

  /** Every answer's n is its index and its line is the one sent as that index (`l<n>-...`). */
  problems(): string[] {
    const out: string[] = [];
    this.answers.forEach((a, i) => {
      if (a.n !== i) out.push(`answer ${i} has n ${a.n}`);
      if (this.#sent > 0 && !a.line.startsWith(`l${i}-`)) out.push(`answer ${i} is for "${a.line}"`);
    });
    return out;
  }

  close(): void {
    this.#stopped = true;
    this.socket.destroy();
  }
}
