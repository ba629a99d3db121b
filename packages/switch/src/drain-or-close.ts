import type { Socket as NetSocket } from 'node:net';

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
