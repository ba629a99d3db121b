/**
 * WSPListen and WSPAccept. A listening socket is the provider's own descriptor of the kernel
 * listener plus, while this process accepts, a `net.Server` accepting on a duplicate of it; the
 * connections it accepted queue until a WSPAccept takes one (and registers it with the switch).
 *
 * Accepting stops when the listener is duplicated to another process (docs/provider.md "Listening
 * sockets"): Node's server accepts eagerly and cannot pause, so only closing its handle stops it,
 * and a process that kept accepting would take connections the target should get. Connections it
 * had accepted by then stay in the queue, this process's to take with WSPAccept: never dropped.
 */
import net from 'node:net';
import { withDeadline } from '@sanshare/internal';
import { WsaError, type Socket } from '@sanshare/protocol-info';
import { closeQuietly, dupFd } from '@sanshare/transport-uds';
import { READ_HIGH_WATER_MARK } from './constants.js';
import { descriptorOf } from './descriptor-of.js';
import { toWsaError } from './errors.js';
import type { ProviderState } from './provider-state.js';
import { newSocketEntry, type ListeningState, type SocketEntry } from './socket-entry.js';
import { applyQueuedOptions } from './socket-option-calls.js';
import { StreamSocket } from './stream-socket.js';

/** The backlog an adopted or imported listener accepts with (Node's default; its first listen() set the kernel's). */
const DEFAULT_BACKLOG = 511;

/** A listening state over the provider's descriptor `fd`, not accepting yet. */
export function newListeningState(fd: number, backlog = DEFAULT_BACKLOG): ListeningState {
  return { fd, backlog, server: undefined, queue: [], waiters: new Set(), failure: undefined, duplicating: 0, claimed: false };
}

export async function listenSocket(state: ProviderState, s: Socket, backlog: number): Promise<void> {
  const entry = state.sockets.require(s);
  if (entry.state === 'listening') return;
  if (entry.state !== 'new') throw new WsaError('WSAEINVAL', `socket ${s} cannot listen (${entry.state})`);
  if (entry.bound === undefined) throw new WsaError('WSAEINVAL', `socket ${s} is not bound (WSPBind first)`);
  if (!Number.isInteger(backlog)) throw new WsaError('WSAEINVAL', 'backlog must be an integer');
  const clamped = Math.max(1, Math.min(backlog, 4096));
  const server = acceptingServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: entry.bound?.address, port: entry.bound?.port, backlog: clamped, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    throw toWsaError(error, `listen on ${entry.bound?.address} port ${entry.bound?.port}`, 'WSAEINVAL');
  });
  const serverFd = descriptorOf(server);
  if (serverFd === undefined) {
    server.close();
    throw new WsaError('WSAENETDOWN', `listen on ${entry.bound?.address} port ${entry.bound?.port}: the server has no descriptor`);
  }
  // The provider's own descriptor: the socket keeps listening when the server stops accepting.
  let listening: ListeningState | undefined;
  try {
    listening = newListeningState(dupFd(serverFd), clamped);
    applyQueuedOptions(entry, listening.fd);
  } catch (error) {
    // Out of descriptors, or an option the kernel refused: no listener is left behind.
    if (listening !== undefined) closeQuietly(listening.fd);
    server.close();
    throw error;
  }
  attach(listening, server);
  entry.listening = listening;
  entry.state = 'listening';
}

/** A `net.Server` configured as the provider accepts: nothing read before the first WSPRecv. */
function acceptingServer(): net.Server {
  // pauseOnConnect: an accepted socket reads nothing until its first WSPRecv, so nothing is read ahead before a hand-off.
  return net.createServer({ allowHalfOpen: true, pauseOnConnect: true, highWaterMark: READ_HIGH_WATER_MARK });
}

function wake(listening: ListeningState): void {
  for (const waiter of [...listening.waiters]) waiter();
}

/** Makes `server` the accepting server of `listening`: its connections queue, its failure is the listener's. */
function attach(listening: ListeningState, server: net.Server): void {
  server.on('connection', (socket: net.Socket) => {
    socket.on('error', () => {});
    listening.queue.push(socket);
    wake(listening);
  });
  server.on('error', (error) => {
    listening.failure = error;
    wake(listening);
  });
  listening.server = server;
}

/** Starts accepting on a duplicate of the provider's descriptor (an adopted or imported listener, or one given back by a lapse). */
export function startAccepting(listening: ListeningState): void {
  if (listening.server !== undefined) return;
  const server = acceptingServer();
  const fd = dupFd(listening.fd);
  try {
    attach(listening, server);
    server.listen({ fd, backlog: listening.backlog });
  } catch (error) {
    listening.server = undefined;
    closeQuietly(fd);
    throw toWsaError(error, 'accept', 'WSAENETDOWN');
  }
}

/**
 * Stops accepting: the server's handle (and its duplicate descriptor) closes now, so no connection
 * is accepted here after this returns; those already accepted stay queued. Returns whether it was
 * accepting. WSPAccept calls waiting wake, to take what is queued or learn the listener was handed off.
 */
export function stopAccepting(listening: ListeningState): boolean {
  const { server } = listening;
  if (server === undefined) return false;
  listening.server = undefined;
  // close() closes the handle at once; its callback would wait for every accepted connection to end.
  server.close();
  server.removeAllListeners('connection');
  wake(listening);
  return true;
}

/** Whether a duplicate of the listener is on its way or out (outstanding or claimed): this process does not accept on it then. */
export function isHandedOff(entry: SocketEntry): boolean {
  const { listening } = entry;
  return entry.outstanding.size > 0 || listening?.claimed === true || (listening?.duplicating ?? 0) > 0;
}

/** The connections queued here that are still open (a peer that gave up closed its own). */
export function queuedCount(listening: ListeningState): number {
  let open = 0;
  for (const socket of listening.queue) if (descriptorOf(socket) !== undefined) open++;
  return open;
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
    if (isHandedOff(entry)) {
      // What this process accepted before the hand-off is taken; new connections are the target's.
      throw new WsaError(
        'WSAEACCES',
        `socket ${s} was duplicated to another process, and every connection it had accepted before is taken; connections are the target's now`,
      );
    }
    // An adopted or imported listener, or one given back by a lapse, accepts from its first WSPAccept on.
    startAccepting(listening);
    // Until a connection, a failure, a hand-off or the close wakes it; an abort rejects with the caller's reason.
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

/**
 * `WSAEWOULDBLOCK` while connections this process accepted are still queued: closing the listener
 * would drop them, and every accepted connection must be served or moved. Take them with WSPAccept
 * first (it works on a handed-off listener until the queue is empty).
 */
export function assertNothingQueued(s: Socket, listening: ListeningState, call: string): void {
  const open = queuedCount(listening);
  if (open > 0) {
    throw new WsaError(
      'WSAEWOULDBLOCK',
      `${call}: listening socket ${s} still holds ${open} accepted connection(s) no WSPAccept took; accept them first (closing would drop them)`,
    );
  }
}

/**
 * Closes a listening socket: accepting stops, the provider's descriptor closes (the kernel listener
 * lives on in any process that holds a duplicate), waiting WSPAccept calls wake to find it closed.
 * Whatever is still queued is dropped: WSPCloseSocket and WSPDetachDescriptor refuse while anything
 * is (assertNothingQueued), so only WSPCleanup gets here with a queue.
 */
export function closeListening(listening: ListeningState): void {
  stopAccepting(listening);
  for (const socket of listening.queue.splice(0)) socket.destroy();
  wake(listening);
  closeQuietly(listening.fd);
}
