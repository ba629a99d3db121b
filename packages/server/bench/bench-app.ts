/**
 * The application every server of the benchmark runs, the same in sanshare's generations, in the
 * cluster's workers and in the send(server) hand-off: an http.Server that answers `<pid> <url>` with
 * an `x-pid` header, and a ws WebSocketServer on it that answers each numbered client message
 * `[u32 seq]...` with `[u32 server seq][u32 echoed seq][u32 pid]`. A WebSocket's two sequence numbers
 * are its state (carried by sanshare's moves; lost when a cluster worker's connection closes).
 */
import * as http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

/** A WebSocket's numbering: the next client message expected, the next server message to send. */
export interface WsNumbering {
  inNext: number;
  outNext: number;
}

/** The application of one server process. */
export interface BenchApp {
  readonly server: http.Server;
  readonly wss: WebSocketServer;
  /** Each WebSocket's numbering (restored by sanshare before `'connection'` for a moved-in one). */
  readonly numbering: WeakMap<WebSocket, WsNumbering>;
  /** Messages that arrived out of order or twice, as the server saw them (at most 20 kept). */
  readonly orderErrors: string[];
  /** How many there were in all. */
  orderErrorCount: number;
}

const MAX_KEPT_ERRORS = 20;
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Creates the application (not listening). */
export function createBenchApp(): BenchApp {
  const pid = process.pid;
  const server = http.createServer((req, res) => {
    // Requests have no body; a body would be read and dropped.
    req.resume();
    req.on('end', () => {
      res.setHeader('x-pid', String(pid));
      res.end(`${pid} ${req.url ?? ''}`);
    });
  });
  // Longer than any client's pause between requests (5 s by default): an idle keep-alive connection
  // stays open between two of its requests, as behind a load balancer.
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  const app: BenchApp = { server, wss, numbering: new WeakMap(), orderErrors: [], orderErrorCount: 0 };
  wss.on('connection', (ws: WebSocket) => {
    const numbering = app.numbering.get(ws) ?? { inNext: 0, outNext: 0 };
    app.numbering.set(ws, numbering);
    ws.on('message', (data: Buffer) => {
      const seq = data.length >= 4 ? data.readUInt32BE(0) : -1;
      if (seq !== numbering.inNext) {
        app.orderErrorCount++;
        if (app.orderErrors.length < MAX_KEPT_ERRORS) app.orderErrors.push(`expected message ${numbering.inNext}, got ${seq}`);
      }
      numbering.inNext = seq + 1;
      const answer = Buffer.alloc(12);
      answer.writeUInt32BE(numbering.outNext++, 0);
      answer.writeUInt32BE(seq >>> 0, 4);
      answer.writeUInt32BE(pid, 8);
      ws.send(answer);
    });
  });
  return app;
}
