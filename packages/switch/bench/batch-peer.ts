// The remote end of the batch benchmark's idle connections, in a process of its own (so that no
// process holds both ends of 10,000 connections): accepts and holds every connection, prints its port.
import { createServer, type Socket } from 'node:net';

const held: Socket[] = [];
const server = createServer((socket) => {
  socket.on('error', () => {});
  held.push(socket);
});
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
