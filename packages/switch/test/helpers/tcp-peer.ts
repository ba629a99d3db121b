import { createServer, type Server, type Socket as NetSocket } from 'node:net';

/** The remote TCP peer: a loopback server in the test process that records what it sees. */
export class TcpPeer {
  readonly connections: NetSocket[] = [];
  /** What each connection received, all of it (`take` does not clear it). */
  readonly receivedBy = new Map<NetSocket, string>();
  received = '';
  ended = false;
  closed = false;
  readonly #waiters: (() => void)[] = [];
  private constructor(readonly server: Server) {}

  static async start(): Promise<TcpPeer> {
    // Half-open allowed: after the source's FIN (step 16) the peer still sends its last bytes.
    const server = createServer({ allowHalfOpen: true });
    const peer = new TcpPeer(server);
    server.on('connection', (socket) => {
      peer.connections.push(socket);
      socket.on('data', (chunk) => {
        peer.received += chunk.toString();
        peer.receivedBy.set(socket, (peer.receivedBy.get(socket) ?? '') + chunk.toString());
        peer.#wake();
      });
      socket.on('end', () => {
        peer.ended = true;
        peer.#wake();
      });
      socket.on('close', () => {
        peer.closed = true;
        peer.#wake();
      });
      peer.#wake();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return peer;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Waits (bounded by the test's timeout, never timed) until `condition` holds. */
  async until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Takes what was received so far. */
  take(): string {
    const text = this.received;
    this.received = '';
    return text;
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

