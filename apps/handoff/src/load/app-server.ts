import * as http from 'node:http';
import * as net from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { createTcpAdapter, createWsAdapter, type Attachable } from '@sanshare/server';
import { HTTP_KEEP_ALIVE_MS } from '../constants.js';
import type { Protocol } from './protocol.js';
import { decodeWsRequest, encodeWsAnswer } from './ws-message.js';

/** A server of `restart` and `workers`, as each server process builds it (every generation, every worker). */
export interface AppServer {
  /** What listens (the restarter's `listen`) or takes the pool's connections (`serveWorker`). */
  readonly server: net.Server;
  /** What moves: each server whose connections move, by the name every process knows it by. */
  readonly attachables: ReadonlyArray<{ name: string; target: Attachable }>;
  /** Connections this process served (accepted, handed to it by a pool, or moved in). */
  served(): number;
  /** Connections it holds now. */
  open(): number;
  /** Stops serving: closes the server and ends what is still open; resolves with how many were still open. */
  close(): Promise<number>;
}

/**
 * Builds the server of `protocol`, answering with this process's pid so that a client can tell which
 * process served it:
 *
 * - `http`: an ordinary `http.Server`; `GET <path>` answers `<pid> <path>` (and an `x-pid` header);
 * - `ws`: a `ws` WebSocketServer on an `http.Server`; each message `[seq]` is answered
 *   `[serverSeq][seq][pid]` (see `ws-message.ts`), `serverSeq` being state that moves with the connection;
 * - `tcp`: a raw echo (`net.Server`): every byte comes back as it is.
 */
export function createAppServer(protocol: Protocol): AppServer {
  switch (protocol) {
    case 'http':
      return httpServer();
    case 'ws':
      return wsServer();
    case 'tcp':
      return tcpEcho();
  }
}

/** Tracks the sockets a server serves (the 'connection' event: accepted, handed over, or moved in). */
function trackSockets(server: net.Server): { sockets: Set<net.Socket>; served: () => number } {
  const sockets = new Set<net.Socket>();
  let served = 0;
  server.on('connection', (socket: net.Socket) => {
    served += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return { sockets, served: () => served };
}

/** Closes `server` (listening or not) and destroys what it still holds; resolves with that count. */
async function closeServer(server: net.Server, sockets: Set<net.Socket>): Promise<number> {
  const left = sockets.size;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const socket of sockets) socket.destroy();
  await closed;
  return left;
}

function httpServer(): AppServer {
  const pid = process.pid;
  const server = http.createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      res.setHeader('x-pid', String(pid));
      res.end(`${pid} ${req.url ?? '/'}`);
    });
  });
  server.keepAliveTimeout = HTTP_KEEP_ALIVE_MS;
  const { sockets, served } = trackSockets(server);
  return {
    server,
    attachables: [{ name: 'http', target: server }],
    served,
    open: () => sockets.size,
    close: () => closeServer(server, sockets),
  };
}

function wsServer(): AppServer {
  const pid = process.pid;
  const server = http.createServer((_req, res) => {
    res.statusCode = 426;
    res.setHeader('upgrade', 'websocket');
    res.end('this server speaks WebSocket only\n');
  });
  server.keepAliveTimeout = HTTP_KEEP_ALIVE_MS;
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  // The server's own message counter of each connection: per-connection state that moves with it.
  const nextSeq = new WeakMap<WebSocket, number>();
  let served = 0;
  wss.on('connection', (ws: WebSocket) => {
    served += 1;
    if (!nextSeq.has(ws)) nextSeq.set(ws, 0);
    ws.on('message', (data: RawData) => {
      const seq = Buffer.isBuffer(data) ? decodeWsRequest(data) : undefined;
      if (seq === undefined) {
        ws.close(1003, 'expected a 4-byte numbered message');
        return;
      }
      const serverSeq = nextSeq.get(ws) ?? 0;
      nextSeq.set(ws, serverSeq + 1);
      ws.send(encodeWsAnswer({ serverSeq, seq, pid }));
    });
    ws.on('error', () => ws.terminate());
  });
  const adapter = createWsAdapter<WebSocket>(wss, {
    serializeState: (ws) => {
      const state = Buffer.alloc(4);
      state.writeUInt32BE(nextSeq.get(ws) ?? 0, 0);
      return state;
    },
    restoreState: (ws, state) => nextSeq.set(ws, Buffer.from(state).readUInt32BE(0)),
    movedOut: (ws) => nextSeq.delete(ws),
  });
  const { sockets } = trackSockets(server);
  return {
    server,
    // The http.Server too: a connection whose upgrade is still on its way is an HTTP connection then.
    attachables: [
      { name: 'http', target: server },
      { name: 'ws', target: adapter },
    ],
    served: () => served,
    open: () => wss.clients.size,
    close: async () => {
      const left = wss.clients.size;
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await closeServer(server, sockets);
      return left;
    },
  };
}

function tcpEcho(): AppServer {
  const server = net.createServer((socket) => {
    socket.on('data', (chunk: Buffer) => socket.write(chunk));
    socket.on('error', () => socket.destroy());
  });
  // No checkpoint: every 'data' event is echoed whole, so every moment is a safe point.
  const adapter = createTcpAdapter(server);
  const { sockets, served } = trackSockets(server);
  return {
    server,
    attachables: [{ name: 'tcp', target: adapter }],
    served,
    open: () => sockets.size,
    close: () => closeServer(server, sockets),
  };
}
