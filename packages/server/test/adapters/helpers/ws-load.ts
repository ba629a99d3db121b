import { WebSocket } from 'ws';

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
};

/** A client message: [u32 seq][payload]. */
export const wsMessage = (seq: number, payloadBytes = 8): Buffer => Buffer.concat([u32(seq), Buffer.alloc(payloadBytes, 0x61 + (seq % 26))]);

/**
 * One ws client (one TCP connection) streaming numbered messages to the test app (bursts of up to 20
 * in one tick, frames of 100-300 KiB, 3-fragment messages) and checking the server's answers: its
 * own numbers in order with no gap, each echoing the client's numbers in order, counted per pid.
 */
export class WsLoadClient {
  readonly ws: WebSocket;
  readonly failures: string[] = [];
  readonly byPid = new Map<number, number>();
  /** The pid that answered each client message, by its number. */
  readonly echoedBy: number[] = [];
  closeCode: number | undefined;
  closeReason = '';
  opens = 0;
  #sent = 0;
  #serverNext = 0;
  #stopped = false;
  #loop: Promise<void> | undefined;
  readonly opened: Promise<void>;

  constructor(
    url: string,
    readonly id: string,
    options: { deflate?: boolean } = {},
  ) {
    this.ws = new WebSocket(url, ['chat.v1'], { headers: { 'x-client-id': id }, perMessageDeflate: options.deflate === true });
    this.opened = new Promise((resolve, reject) => this.ws.once('open', resolve).once('error', reject));
    this.ws.on('open', () => this.opens++);
    this.ws.on('message', (data: Buffer) => this.#onAnswer(data));
    this.ws.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
    });
    this.ws.on('error', (error) => this.failures.push(`error: ${error.message}`));
  }

  get sent(): number {
    return this.#sent;
  }

  served(pid: number): number {
    return this.byPid.get(pid) ?? 0;
  }

  /** Sends message `seq`, the next one, now. */
  send(payloadBytes = 8, options: { fin?: boolean } = {}): number {
    const seq = this.#sent++;
    this.ws.send(wsMessage(seq, payloadBytes), { binary: true, fin: options.fin ?? true });
    return seq;
  }

  /** Streams until stopped, keeping at most about 60 messages unanswered. */
  run(): void {
    this.#loop = (async () => {
      await this.opened;
      for (let round = 0; !this.#stopped; round++) {
        if (this.ws.readyState !== WebSocket.OPEN) return;
        if (this.#sent - this.echoedBy.length < 60) {
          if (round % 13 === 12) this.send(100 * 1024 + ((round * 7919) % (200 * 1024)));
          else if (round % 7 === 6) {
            // One message in three frames: [seq][a...] (fin false), then two continuation frames.
            const seq = this.#sent++;
            this.ws.send(wsMessage(seq, 1000), { binary: true, fin: false });
            this.ws.send(Buffer.alloc(70 * 1024, 0x62), { fin: false });
            this.ws.send(Buffer.alloc(10, 0x63), { fin: true });
          } else {
            const burst = 1 + (round % 20);
            for (let i = 0; i < burst; i++) this.send(8 + (i % 3) * 1500);
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }

  close(): void {
    this.#stopped = true;
    this.ws.terminate();
  }

  #onAnswer(data: Buffer): void {
    if (data.length < 12) {
      this.failures.push(`an answer of ${data.length} bytes`);
      return;
    }
    const serverSeq = data.readUInt32BE(0);
    const echo = data.readUInt32BE(4);
    const pid = data.readUInt32BE(8);
    if (serverSeq !== this.#serverNext) this.failures.push(`expected the server's message ${this.#serverNext}, got ${serverSeq}`);
    this.#serverNext = serverSeq + 1;
    if (echo !== this.echoedBy.length) this.failures.push(`expected the echo of ${this.echoedBy.length}, got ${echo}`);
    this.echoedBy[echo] = pid;
    this.byPid.set(pid, (this.byPid.get(pid) ?? 0) + 1);
  }
}
