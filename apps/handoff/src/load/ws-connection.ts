import { once } from 'node:events';
import { WebSocket, type RawData } from 'ws';
import { decodeWsAnswer, encodeWsRequest } from './ws-message.js';
import { StreamingConnection, type LoadTarget } from './load-connection.js';

/** How long a closing handshake may take before the socket is terminated, in ms. */
const CLOSE_BOUND_MS = 5_000;

/**
 * A `ws` client: message `[seq]`, answered `[serverSeq][seq][pid]`. It checks that its numbers come
 * back once each and in order, and that the server's own numbers follow each other with no gap (state
 * of the server that moves with the connection). A close it did not ask for is a failure; like a real
 * client it then connects again (and the server's numbers start over).
 */
export class WsConnection extends StreamingConnection {
  private ws: WebSocket | undefined;
  private serverNext = 0;
  private pending: { seq: number; resolve: (pid: number) => void; reject: (error: Error) => void } | undefined;

  constructor(index: number, target: LoadTarget) {
    super(index, target);
  }

  protected async exchange(seq: number): Promise<number> {
    const ws = this.ws?.readyState === WebSocket.OPEN ? this.ws : await this.connect();
    return new Promise<number>((resolve, reject) => {
      this.pending = { seq, resolve, reject };
      ws.send(encodeWsRequest(seq));
    });
  }

  private async connect(): Promise<WebSocket> {
    const ws = new WebSocket(`ws://${this.target.host}:${this.target.port}/c/${this.index}`, { perMessageDeflate: false });
    this.ws = ws;
    this.serverNext = 0;
    ws.on('message', (data: RawData) => this.onAnswer(data));
    ws.on('error', () => {
      // The 'close' that follows says what matters; an error before 'open' rejects the connect.
    });
    let opened = false;
    ws.on('close', (code: number, reason: Buffer) => {
      const why = `the server closed the WebSocket (code ${code}${reason.length > 0 ? ` '${reason.toString()}'` : ''})`;
      const pending = this.pending;
      this.pending = undefined;
      // A request in flight fails with it (and is counted there); a connect that failed is counted by its caller.
      if (pending !== undefined) pending.reject(new Error(why));
      else if (opened && !this.stopping) this.fail(why);
    });
    await once(ws, 'open');
    opened = true;
    this.connects += 1;
    return ws;
  }

  private onAnswer(data: RawData): void {
    const answer = Buffer.isBuffer(data) ? decodeWsAnswer(data) : undefined;
    const pending = this.pending;
    this.pending = undefined;
    if (pending === undefined) {
      this.fail(`an answer nobody asked for (${Buffer.isBuffer(data) ? data.length : '?'} bytes)`);
      return;
    }
    if (answer === undefined) return pending.reject(new Error('a malformed answer'));
    if (answer.seq !== pending.seq) return pending.reject(new Error(`the answer to message ${answer.seq} came for message ${pending.seq}`));
    if (answer.serverSeq !== this.serverNext) return pending.reject(new Error(`the server's message ${answer.serverSeq} came where ${this.serverNext} was due (its state did not move with the connection)`));
    this.serverNext += 1;
    pending.resolve(answer.pid);
  }

  protected async closeConnection(): Promise<void> {
    const ws = this.ws;
    if (ws === undefined || ws.readyState === WebSocket.CLOSED) return;
    const closed = once(ws, 'close');
    ws.close(1000, 'done');
    const bound = setTimeout(() => ws.terminate(), CLOSE_BOUND_MS);
    await closed;
    clearTimeout(bound);
  }
}
