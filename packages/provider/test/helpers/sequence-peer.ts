/**
 * The remote TCP peer of the tests, on 127.0.0.1 (or `host`) port 0: in `sequence` mode it streams uint32
 * big-endian counters 0, 1, 2... as fast as the connection takes them and checks that what it
 * receives is the same kind of sequence (no gap, no duplicate); in `echo` mode it echoes.
 * It records the FIN (`end`) and close of each connection, to observe refcounted close.
 */
import net from 'node:net';

export interface PeerConnection {
  readonly socket: net.Socket;
  /** Upstream counters received in order so far. */
  upstreamCount: number;
  /** The first ordering error seen upstream, if any. */
  upstreamError: string | undefined;
  gotFin: boolean;
  closed: boolean;
  hadError: boolean;
  /** Resolves at the peer's view of FIN from our side. */
  readonly fin: Promise<void>;
  /** Bytes received, in echo mode. */
  received: number;
  /** Starts streaming counters downstream, in `sequence` mode started with `autoStart: false` (idempotent). */
  startStreaming(): void;
}

export interface SequencePeer {
  readonly port: number;
  readonly connections: PeerConnection[];
  /** Resolves with the next connection the peer accepts. */
  nextConnection(): Promise<PeerConnection>;
  close(): Promise<void>;
}

export async function startPeer(mode: 'sequence' | 'echo', host = '127.0.0.1', { autoStart = true }: { autoStart?: boolean } = {}): Promise<SequencePeer> {
  const connections: PeerConnection[] = [];
  const waiting: Array<(c: PeerConnection) => void> = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    let resolveFin: () => void = () => {};
    const conn: PeerConnection = {
      socket,
      upstreamCount: 0,
      upstreamError: undefined,
      gotFin: false,
      closed: false,
      hadError: false,
      received: 0,
      fin: new Promise<void>((resolve) => {
        resolveFin = resolve;
      }),
      startStreaming: () => {},
    };
    connections.push(conn);
    socket.on('error', () => {
      conn.hadError = true;
    });
    socket.on('close', () => {
      conn.closed = true;
      resolveFin();
    });
    socket.on('end', () => {
      conn.gotFin = true;
      resolveFin();
      if (mode === 'echo') socket.end();
    });
    let partial = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      conn.received += chunk.length;
      if (mode === 'echo') {
        socket.write(chunk);
        return;
      }
      const bytes = partial.length > 0 ? Buffer.concat([partial, chunk]) : chunk;
      const whole = bytes.length - (bytes.length % 4);
      for (let i = 0; i < whole; i += 4) {
        const value = bytes.readUInt32BE(i);
        if (value !== conn.upstreamCount >>> 0 && conn.upstreamError === undefined) {
          conn.upstreamError = `upstream gap or duplicate: expected ${conn.upstreamCount}, got ${value}`;
        }
        conn.upstreamCount++;
      }
      partial = Buffer.from(bytes.subarray(whole));
    });
    if (mode === 'sequence') {
      let next = 0;
      let started = false;
      const block = 4096;
      const stream = (): void => {
        while (!socket.destroyed && socket.writable) {
          const out = Buffer.allocUnsafe(block * 4);
          for (let i = 0; i < block; i++) out.writeUInt32BE((next + i) >>> 0, i * 4);
          next += block;
          if (!socket.write(out)) {
            socket.once('drain', stream);
            return;
          }
        }
      };
      conn.startStreaming = () => {
        if (started) return;
        started = true;
        stream();
      };
      if (autoStart) conn.startStreaming();
    }
    const waiter = waiting.shift();
    if (waiter !== undefined) waiter(conn);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    connections,
    nextConnection: () => new Promise<PeerConnection>((resolve) => waiting.push(resolve)),
    async close() {
      for (const c of connections) c.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
