/**
 * WSPListen and WSPAccept: a listening socket is a `net.Server` whose connections queue until a
 * WSPAccept takes one (and registers it with the switch); closing it drops what is still queued.
 */
import net from 'node:net';
import { withDeadline } from '@sanshare/internal';
import { WsaError, type Socket } from '@sanshare/protocol-info';
import { READ_HIGH_WATER_MARK } from './constants.js';
import { descriptorOf } from './descriptor-of.js';
import { toWsaError } from './errors.js';
import type { ProviderState } from './provider-state.js';
import { newSocketEntry, type ListeningState } from './socket-entry.js';
import { applyQueuedOptions } from './socket-option-calls.js';
import { StreamSocket } from './stream-socket.js';

export async function listenSocket(state: ProviderState, s: Socket, backlog: number): Promise<void> {
  const entry = state.sockets.require(s);
  if (entry.state === 'listening') return;
  if (entry.state !== 'new') throw new WsaError('WSAEINVAL', `socket ${s} cannot listen (${entry.state})`);
  if (entry.bound === undefined) throw new WsaError('WSAEINVAL', `socket ${s} is not bound (WSPBind first)`);
  if (!Number.isInteger(backlog)) throw new WsaError('WSAEINVAL', 'backlog must be an integer');
  const listening: ListeningState = {
    // pauseOnConnect: an accepted socket reads nothing until its first WSPRecv, so nothing is read ahead before a hand-off.
    server: net.createServer({ allowHalfOpen: true, pauseOnConnect: true, highWaterMark: READ_HIGH_WATER_MARK }),
    queue: [],
    waiters: new Set(),
    failure: undefined,
  };
  const { server } = listening;
  const wake = (): void => {
    for (const waiter of [...listening.waiters]) waiter();
  };
  server.on('connection', (socket: net.Socket) => {
    socket.on('error', () => {});
    listening.queue.push(socket);
    wake();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: entry.bound?.address, port: entry.bound?.port, backlog: Math.max(1, Math.min(backlog, 4096)), exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    throw toWsaError(error, `listen on ${entry.bound?.address} port ${entry.bound?.port}`, 'WSAEINVAL');
  });
  server.on('error', (error) => {
    listening.failure = error;
    wake();
  });
  const fd = descriptorOf(server);
  if (fd !== undefined) applyQueuedOptions(entry, fd);
  entry.listening = listening;
  entry.state = 'listening';
}

export async function acceptSocket(state: ProviderState, s: Socket, signal?: AbortSignal): Promise<Socket> {
  const { sockets } = state;
  const entry = sockets.require(s);
  const listening = entry.listening;
  if (entry.state !== 'listening' || listening === undefined) throw new WsaError('WSAEINVAL', `socket ${s} is not listening`);
  for (;;) {
    signal?.throwIfAborted();
    if (entry.state !== 'listening') throw new WsaError('WSAENOTSOCK', `socket ${s} was closed`);
    if (listening.failure !== undefined) throw toWsaError(listening.failure, 'accept');
    // Check the limit before taking a connection: one refused for WSAEMFILE stays queued.
    if (listening.queue.length > 0) {
      sockets.requireRoom();
      const socket = listening.queue.shift() as net.Socket;
      const fd = descriptorOf(socket);
      if (fd === undefined) continue; // The peer gave up and the socket closed while queued.
      const child = newSocketEntry(entry.af, entry.type, entry.protocol);
      child.state = 'stream';
      child.stream = new StreamSocket(socket);
      try {
        child.shared = state.sharedOptions.share(child.shared, fd);
        return sockets.register(child);
      } catch (error) {
        socket.destroy();
        throw error;
      }
    }
    // Until a connection, a failure or the close wakes it; an abort rejects with the caller's reason.
    await withDeadline<void>(
      { signal },
      (resolve) => {
        const done = (): void => {
          listening.waiters.delete(done);
          resolve();
        };
        listening.waiters.add(done);
        return () => listening.waiters.delete(done);
      },
      // No timeout is armed: only an abort ends the wait early.
      (expiry) => (expiry.timedOut ? undefined : expiry.reason),
    );
  }
}

/** Closes a listening socket: what is queued is dropped, waiting WSPAccept calls wake (to find it closed). */
export async function closeListening(listening: ListeningState): Promise<void> {
  const { server, queue, waiters } = listening;
  for (const socket of queue.splice(0)) socket.destroy();
  for (const waiter of [...waiters]) waiter();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
