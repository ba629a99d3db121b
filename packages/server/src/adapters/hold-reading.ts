import type * as net from 'node:net';
import type { StreamHandle } from './http-internals.js';

const noopReadStart = (): number => 0;

/**
 * Stops libuv reading a socket, stickily: `readStop()` alone is undone by the next `readStart()` that
 * a stream resume, http's parser (`parserOnMessageComplete` -> `socket.resume()` -> `onSocketResume`)
 * or net's `_read` makes, so the handle's `readStart` is shadowed by a no-op own property until
 * `releaseReading`. Bytes that arrive meanwhile stay in the kernel, under TCP flow control, and
 * travel with the descriptor. Returns false when the socket has no handle (closed).
 * Node internals: `socket._handle` (the libuv stream) and its `readStart` / `readStop` / `reading`.
 */
export function holdReading(socket: net.Socket): boolean {
  const handle = handleOf(socket);
  if (handle === null) return false;
  if (!Object.hasOwn(handle, 'readStart')) {
    (handle as { readStart: () => number }).readStart = noopReadStart;
    handle.readStop();
  }
  return true;
}

/** Whether `holdReading` holds this socket now. */
export function isReadingHeld(socket: net.Socket): boolean {
  const handle = handleOf(socket);
  return handle !== null && Object.hasOwn(handle, 'readStart');
}

/**
 * Undoes `holdReading`: libuv reads again if the stream's owner wants it to (`handle.reading`, the
 * flag that net and http keep of their own intent, which the hold did not touch).
 */
export function releaseReading(socket: net.Socket): void {
  const handle = handleOf(socket);
  if (handle === null || !Object.hasOwn(handle, 'readStart')) return;
  delete (handle as { readStart?: () => number }).readStart;
  if (handle.reading === true && !socket.destroyed) handle.readStart();
}

function handleOf(socket: net.Socket): StreamHandle | null {
  const handle = (socket as unknown as { _handle: StreamHandle | null | undefined })._handle;
  return handle === undefined || handle === null || typeof handle.readStop !== 'function' ? null : handle;
}
