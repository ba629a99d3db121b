import type { Socket as NetSocket } from 'node:net';
import { WsaError } from '@sanshare/protocol-info';

/**
 * Resolves at the socket's next 'drain' or 'close', rejects at its 'error' (as `once` would): a socket
 * destroyed while its writes wait never drains, and must not hold its result forever.
 */
export function drainOrClose(socket: NetSocket): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = (): void => {
      socket.off('drain', onDrain);
      socket.off('close', onDrain);
      socket.off('error', onError);
    };
    const onDrain = (): void => {
      settle();
      resolve();
    };
    const onError = (error: Error): void => {
      settle();
      reject(error);
    };
    socket.on('drain', onDrain);
    socket.on('close', onDrain);
    socket.on('error', onError);
  });
}

/**
 * Waits until every byte written to `socket` has reached the kernel: they would be lost with Node's
 * descriptor otherwise. Throws `WsaError` `WSAEINVAL` (naming `call`) when the socket is destroyed first.
 */
export async function untilWritesDrained(socket: NetSocket, call: string): Promise<void> {
  while (socket.writableLength > 0 && !socket.destroyed) await drainOrClose(socket);
  if (socket.destroyed) throw new WsaError('WSAEINVAL', `${call}: the net.Socket closed while its writes drained`);
}
