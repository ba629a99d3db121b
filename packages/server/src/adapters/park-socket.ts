import type * as net from 'node:net';
import { stopReading } from '@sanshare/transport-uds';

/**
 * Leaves a detached connection's socket ready for the switch's `adoptNetSocket`: stops it reading for
 * real (transport-uds's `stopReading`, the one way sanshare stops a socket) and puts every byte no
 * parser consumed back into its readable buffer, in stream order: `parsedAhead` first (bytes a
 * library's own parser had taken from the socket but not parsed, such as ws's receiver buffers), then
 * what the socket itself had buffered. `adoptNetSocket` drains that buffer as the read-ahead that
 * travels with the socket, so none of it is lost and none is read twice.
 *
 * An `'error'` listener stays so that nothing thrown between now and the adoption is uncaught; an
 * error destroys the socket, and `adoptNetSocket` then refuses it as not connected.
 */
export function parkSocket(socket: net.Socket, parsedAhead: readonly Buffer[] = []): void {
  // 'end' listeners go first: draining the buffer below can emit 'end' if the peer's FIN was read,
  // and an application or library that answers it with its own FIN would end the connection for the
  // receiving process too (the FIN stays readable in the kernel: the receiver sees it again).
  socket.removeAllListeners('end');
  const buffered = stopReading(socket);
  const ahead = parsedAhead.length === 0 ? buffered : Buffer.concat([...parsedAhead, buffered]);
  if (ahead.length > 0) socket.unshift(ahead);
  if (socket.listenerCount('error') === 0) socket.on('error', () => {});
}
