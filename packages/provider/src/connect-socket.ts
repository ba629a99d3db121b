/**
 * WSPConnect: creates the kernel socket (Node cannot connect an existing descriptor, so WSPSocket
 * made none), applies the options set before, and joins the socket's shared options.
 */
import net from 'node:net';
import { withDeadline, type Expiry } from '@sanshare/internal';
import { WsaError, type SockAddr, type Socket } from '@sanshare/protocol-info';
import { descriptorOf } from './descriptor-of.js';
import { pick, toWsaError } from './errors.js';
import type { ProviderState } from './provider-state.js';
import { checkAddress, familyOf } from './socket-addresses.js';
import { applyQueuedOptions } from './socket-option-calls.js';
import { StreamSocket } from './stream-socket.js';
import { withHighWaterMark } from './wrap-descriptor.js';

export async function connectSocket(state: ProviderState, s: Socket, name: SockAddr, signal?: AbortSignal, timeoutMs?: number): Promise<void> {
  const { sockets } = state;
  const entry = sockets.require(s);
  if (entry.state === 'stream') throw new WsaError(pick(['WSAEISCONN'], 'WSAEINVAL'), `socket ${s} is already connected`);
  if (entry.state !== 'new') throw new WsaError('WSAEINVAL', `socket ${s} cannot connect now (${entry.state})`);
  checkAddress(entry.af, name, false);
  signal?.throwIfAborted();
  entry.state = 'connecting';
  const socket = net.connect(withHighWaterMark({
    host: name.address,
    port: name.port,
    family: familyOf(entry.af),
    allowHalfOpen: true,
    ...(entry.bound !== undefined ? { localAddress: entry.bound.address, localPort: entry.bound.port } : {}),
  }));
  try {
    await withDeadline<void>(
      // A timeout of 0 (or none) leaves the connect to the kernel's own timeout.
      { signal, timeoutMs: timeoutMs !== undefined && timeoutMs > 0 ? timeoutMs : undefined },
      (resolve, reject) => {
        const stop = (): void => {
          socket.off('connect', onConnect);
          socket.off('error', onError);
          entry.cancelConnect = undefined;
        };
        const onConnect = (): void => {
          stop();
          resolve();
        };
        const onError = (error: Error): void => {
          stop();
          reject(error);
        };
        socket.once('connect', onConnect);
        socket.once('error', onError);
        // WSPCloseSocket (or WSPCleanup) now: the attempt ends here, its socket is destroyed below.
        entry.cancelConnect = () => {
          stop();
          reject(new WsaError('WSAENOTSOCK', `socket ${s} was closed while connecting`));
        };
        return stop;
      },
      (expiry: Expiry) =>
        expiry.timedOut ? new WsaError(pick(['WSAETIMEDOUT'], 'WSAENOTCONN'), `no connection within ${expiry.timeoutMs} ms`) : expiry.reason,
    );
    const fd = descriptorOf(socket);
    if (fd === undefined) throw new WsaError('WSAENOTCONN', 'the connection closed at once');
    applyQueuedOptions(entry, fd);
    entry.shared = state.sharedOptions.share(entry.shared, fd);
  } catch (error) {
    socket.destroy();
    if (sockets.get(s) === entry) entry.state = 'new';
    if (error instanceof Error && error.name === 'AbortError') throw error;
    throw toWsaError(error, `connect to ${name.address} port ${name.port}`, 'WSAENOTCONN');
  }
  if (sockets.get(s) !== entry) {
    // Closed while connecting.
    socket.destroy();
    throw new WsaError('WSAENOTSOCK', `socket ${s} was closed while connecting`);
  }
  entry.stream = new StreamSocket(socket);
  entry.state = 'stream';
}
