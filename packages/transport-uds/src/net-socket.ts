import { Socket } from 'node:net';
import { LINUX } from './constants.js';
import { dupFd, getSockOptInt } from './descriptors.js';
import { UdsError, isUdsError } from './errors.js';

/** Options of {@link toNetSocket}. */
export interface ToNetSocketOptions {
  /** Bytes read from the connection before the hand-over; the socket delivers them first. */
  readAhead?: Uint8Array;
  /**
   * Keep our sending side open when the peer's FIN arrives (Node's default, false, answers it with
   * our own FIN, which ends the connection for every process sharing the socket).
   */
  allowHalfOpen?: boolean;
  readableHighWaterMark?: number;
  /**
   * False when the caller knows `fd` is a stream socket (one it checked when it arrived, say): no
   * `getsockopt(SO_TYPE)` before wrapping. Node's own check when it wraps the descriptor still refuses
   * what is not a socket or a pipe, with the same typed errors; only a FIFO, which Node takes as a
   * pipe, would then be taken. Default true.
   */
  checkType?: boolean;
}

/**
 * Wraps a connected stream socket descriptor (TCP, or a Unix stream socket) as a readable and
 * writable `net.Socket`, which takes ownership of `fd` (destroying the socket closes it).
 * `readAhead` is data that was read from the connection before it was handed over (see
 * {@link detachNetSocket}); it is delivered first, so the reader sees no gap.
 *
 * Throws UdsError `UDS_BAD_DESCRIPTOR`, `UDS_NOT_A_SOCKET`, or `UDS_INVALID_ARGUMENT` (not a
 * stream socket); `fd` is then still the caller's.
 */
export function toNetSocket(fd: number, options: ToNetSocketOptions = {}): Socket {
  // SO_TYPE alone (one getsockopt, where socketInfo makes six), and not even that for a caller that
  // knows: every arriving connection passes here.
  if (options.checkType !== false) checkStreamSocket(fd);
  let socket: Socket;
  try {
    // Without readable/writable, Node opens a descriptor-backed socket in neither direction.
    socket = new Socket({
      fd,
      readable: true,
      writable: true,
      ...(options.allowHalfOpen === undefined ? {} : { allowHalfOpen: options.allowHalfOpen }),
      ...(options.readableHighWaterMark === undefined ? {} : { readableHighWaterMark: options.readableHighWaterMark }),
    });
  } catch (error) {
    // Node refused it (ERR_INVALID_FD_TYPE for a file, a datagram or closed descriptor...): say why,
    // typed, as the check would have.
    checkStreamSocket(fd);
    throw new UdsError('UDS_INVALID_ARGUMENT', `toNetSocket: descriptor ${fd} cannot be wrapped: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const readAhead = options.readAhead;
  if (readAhead !== undefined && readAhead.length > 0) socket.unshift(Buffer.from(readAhead));
  return socket;
}

/** Throws the typed error of a descriptor that is not a stream socket (`UDS_NOT_A_SOCKET`, `UDS_BAD_DESCRIPTOR`, `UDS_INVALID_ARGUMENT`). */
function checkStreamSocket(fd: number): void {
  let type: number;
  try {
    type = getSockOptInt(fd, LINUX.SOL_SOCKET, LINUX.SO_TYPE);
  } catch (error) {
    if (isUdsError(error, 'UDS_NOT_A_SOCKET')) throw new UdsError('UDS_NOT_A_SOCKET', `toNetSocket: descriptor ${fd} is not a socket`, { cause: error });
    throw error;
  }
  if (type !== LINUX.SOCK_STREAM) {
    throw new UdsError('UDS_INVALID_ARGUMENT', `toNetSocket: descriptor ${fd} is not a stream socket (type ${type})`);
  }
}

interface StreamHandle {
  fd?: number;
  readStop?: () => number;
}

/**
 * Stops a `net.Socket` reading from its descriptor, for real, and returns what it had already read
 * and nobody consumed (to travel with the descriptor, or to be put back). The one way sanshare stops a
 * socket (`detachNetSocket`, and the provider's hand-offs, use it):
 * - `pause()` alone is no stop: libuv keeps reading into the stream's buffer;
 * - `readStop()` alone is undone by the stream's next `_read()`, which restarts libuv;
 * so: pause, drop the `'data'` listeners (a flowing listener would take the drained bytes), make
 * `_read` a no-op, stop libuv, then drain the stream's buffer until it is empty.
 * Node internals: `_handle` is the libuv stream; there is no public way to stop reading for real.
 */
export function stopReading(socket: Socket): Buffer {
  socket.pause();
  socket.removeAllListeners('data');
  (socket as unknown as { _read: () => void })._read = () => {};
  (socket as unknown as { _handle: StreamHandle | null })._handle?.readStop?.();
  const chunks: Buffer[] = [];
  for (let chunk: unknown = socket.read(); chunk !== null; chunk = socket.read()) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

/**
 * Takes a connected socket back out of a `net.Socket` without ending the connection: stops
 * libuv's reading for real (`stopReading`), duplicates the descriptor and destroys the
 * `net.Socket` (which closes only its own descriptor: no FIN, no RST). What it had read and nobody
 * consumed comes back as `readAhead`, to travel with the descriptor. The caller owns the returned `fd`.
 *
 * Throws UdsError `UDS_INVALID_ARGUMENT` when the socket still has unsent writes (wait for
 * `drain`) or has no descriptor, and `UDS_SYSTEM` (`errno` EMFILE) when this process is at its
 * open-file limit; the socket is then untouched: still reading, nothing it read ahead dropped.
 */
export function detachNetSocket(socket: Socket): { fd: number; readAhead: Uint8Array } {
  if (socket.writableLength > 0) {
    throw new UdsError('UDS_INVALID_ARGUMENT', `detachNetSocket: ${socket.writableLength} bytes not yet written; wait for 'drain'`);
  }
  const handle = (socket as unknown as { _handle: StreamHandle | null })._handle;
  const fd = handle?.fd;
  if (handle === null || typeof fd !== 'number' || fd < 0) {
    throw new UdsError('UDS_INVALID_ARGUMENT', 'detachNetSocket: the socket has no descriptor (closed, or not fd-backed)');
  }
  // The duplicate first: when it cannot be made (EMFILE, the process at its open-file limit), the
  // socket must be left as it was, reading, with what it read ahead; stopped first, it would have
  // dropped those bytes and read no more.
  const copy = dupFd(fd);
  const readAhead = stopReading(socket);
  socket.destroy();
  return { fd: copy, readAhead };
}
