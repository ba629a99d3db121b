/**
 * The provider's `net.Socket`s: every one is made with the provider's readable high-water mark
 * (READ_HIGH_WATER_MARK), whether it connects (`withHighWaterMark`) or wraps a descriptor that came
 * from elsewhere (`wrapDescriptor`).
 */
import net from 'node:net';
import { READ_HIGH_WATER_MARK } from './constants.js';

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
 *
 * Not transport-uds's `toNetSocket`: that one asks the kernel what the descriptor is first (a
 * syscall), and every descriptor wrapped here is already known to be a connected TCP socket.
 */
export function wrapDescriptor(fd: number): net.Socket {
  return new net.Socket(withHighWaterMark({ fd, readable: true, writable: true, allowHalfOpen: true }));
}
