/**
 * Everything this provider asks of the kernel beyond what Node offers, in one place: descriptor
 * passing, peer credentials and raw socket options come from @sanshare/transport-uds (a native
 * addon); wrapping a descriptor in a `net.Socket` and stopping its reads use Node's own internals,
 * isolated here (see DESIGN.md "Bytes in flight" for why each step is needed).
 */
import net from 'node:net';
import { READ_HIGH_WATER_MARK } from './constants.js';
import {
  closeFd as udsCloseFd,
  connect as udsConnect,
  dupFd as udsDupFd,
  getLinger as udsGetLinger,
  getSockOptInt as udsGetSockOptInt,
  getSocketCookie as udsGetSocketCookie,
  listen as udsListen,
  setLinger as udsSetLinger,
  setSockOptInt as udsSetSockOptInt,
} from '@sanshare/transport-uds';
import type { UdsConnection, UdsListener } from '@sanshare/transport-uds';

export type { UdsConnection, UdsListener };
export const listen = udsListen;
export const connect = udsConnect;
export const closeFd = udsCloseFd;
export const dupFd = udsDupFd;
export const getSockOptInt = udsGetSockOptInt;
export const setSockOptInt = udsSetSockOptInt;
export const getLinger = udsGetLinger;
export const setLinger = udsSetLinger;
export const getSocketCookie = udsGetSocketCookie;

/** The libuv handle behind a `net.Socket` or `net.Server` (Node internals, Unix only). */
interface LibuvHandle {
  fd?: number;
  readStop?: () => number;
}
interface WithHandle {
  _handle?: LibuvHandle | null;
}

/** The kernel descriptor of a Node socket or server, or undefined once it is closed. */
export function descriptorOf(target: net.Socket | net.Server): number | undefined {
  const fd = (target as unknown as WithHandle)._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/**
 * Adds `readableHighWaterMark` (READ_HIGH_WATER_MARK) to `net.Socket`/`net.connect` options: Node
 * passes them on to `stream.Duplex`, which honours it, but @types/node does not list it.
 */
export function withHighWaterMark<T extends object>(options: T): T {
  return Object.assign(options, { readableHighWaterMark: READ_HIGH_WATER_MARK });
}

/**
 * Wraps a connected TCP descriptor in a `net.Socket` that owns it (destroying the socket closes
 * the descriptor, and only it: no FIN while another descriptor holds the socket). A socket made
 * from an fd is neither readable nor writable unless told so; half-open so that the peer's FIN
 * never makes Node shut down our sending side for every duplicate.
 */
export function wrapDescriptor(fd: number): net.Socket {
  return new net.Socket(withHighWaterMark({ fd, readable: true, writable: true, allowHalfOpen: true }));
}

/**
 * Stops a `net.Socket` from reading, for real: `pause()` alone lets libuv keep reading into the
 * stream buffer, and `readStop()` alone is undone by the stream's next `_read()`. So: pause, make
 * `_read` a no-op, stop libuv, then drain what the stream already holds. Returns the drained bytes.
 */
export function stopReading(socket: net.Socket): Buffer[] {
  socket.pause();
  socket._read = () => {};
  (socket as unknown as WithHandle)._handle?.readStop?.();
  const drained: Buffer[] = [];
  for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) {
    drained.push(chunk);
  }
  return drained;
}
