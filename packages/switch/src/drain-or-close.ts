import type { Socket as NetSocket } from 'node:net';
import { WsaError } from '@sanshare/protocol-info';

/** What an empty write carries: nothing; its callback is what is wanted. */
const NOTHING = new Uint8Array(0);

/**
 * Resolves once every write queued on `socket` so far has reached the kernel, or at its 'close';
 * rejects at its 'error' (as `once` would). A socket destroyed while its writes wait never flushes,
 * and must not hold its result forever.
 *
 * Not 'drain': Node emits it only after a write() that returned false (the buffer past its high-water
 * mark). Writes under it that wait for the kernel (a slow reader's full socket buffer) end with no
 * 'drain' at all. An empty write's callback runs once every write before it is flushed (a stream
 * writes in order), and sends nothing. A socket whose sending side ended takes no more writes: its
 * 'finish' says the same there.
 */
export function flushedOrClosed(socket: NetSocket): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = (): void => {
      socket.off('finish', onDone);
      socket.off('close', onDone);
      socket.off('error', onError);
    };
    const onDone = (): void => {
      settle();
      resolve();
    };
    const onError = (error: Error): void => {
      settle();
      reject(error);
    };
    socket.on('close', onDone);
    socket.on('error', onError);
    if (socket.writableEnded) {
      socket.on('finish', onDone);
      return;
    }
    socket.write(NOTHING, (error) => {
      // Failed: the socket is being destroyed, and its 'error' or 'close' settles this.
      if (error === undefined || error === null) onDone();
    });
  });
}

/**
 * Waits until every byte written to `socket` has reached the kernel: they would be lost with Node's
 * descriptor otherwise. Throws `WsaError` `WSAEINVAL` (naming `call`) when the socket is destroyed first.
 */
export async function untilWritesDrained(socket: NetSocket, call: string): Promise<void> {
  while (socket.writableLength > 0 && !socket.destroyed) await flushedOrClosed(socket);
  if (socket.destroyed) throw new WsaError('WSAEINVAL', `${call}: the net.Socket closed while its writes drained`);
}
