import { fromNativeError, UdsError } from './errors.js';
import { loadBinding } from './load-binding.js';

/**
 * Synchronous helpers on raw descriptors (Linux level/option numbers, see {@link LINUX}).
 * Each throws UdsError on failure: `UDS_BAD_DESCRIPTOR` (EBADF or not a valid number),
 * `UDS_NOT_A_SOCKET` (ENOTSOCK), else `UDS_SYSTEM` with `errno` and `syscall`.
 */

/** Throws UdsError `UDS_BAD_DESCRIPTOR` unless `fd` is a descriptor number (an int from 0 to 2^31-1). */
export function checkFd(fd: unknown, what: string): number {
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0 || fd > 0x7fff_ffff) {
    throw new UdsError('UDS_BAD_DESCRIPTOR', `${what}: ${String(fd)} is not a descriptor number`);
  }
  return fd;
}

function checkInt(value: unknown, name: string, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff) {
    throw new UdsError('UDS_INVALID_ARGUMENT', `${what}: ${name} must be a 32-bit integer, got ${String(value)}`);
  }
  return value;
}

function call<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw fromNativeError(error, what);
  }
}

/** Closes a descriptor (once: Linux releases it even when close reports EINTR). */
export function closeFd(fd: number): void {
  checkFd(fd, 'closeFd');
  call('closeFd', () => loadBinding().closeFd(fd));
}

/**
 * Closes `fd` and ignores every failure: for clean-up paths (a descriptor that arrived with a message
 * nobody will use, an export refused) where the descriptor may already be closed and nothing could
 * be done about an error anyway.
 */
export function closeQuietly(fd: number): void {
  try {
    closeFd(fd);
  } catch {
    // Already closed, or not ours: nothing left to release.
  }
}

/** Duplicates a descriptor with close-on-exec (`F_DUPFD_CLOEXEC`); the copy shares the open file. */
export function dupFd(fd: number): number {
  checkFd(fd, 'dupFd');
  return call('dupFd', () => loadBinding().dupFd(fd));
}

/** Whether `fd` is an open descriptor of this process (`fcntl(F_GETFD)`). */
export function isFdOpen(fd: number): boolean {
  checkFd(fd, 'isFdOpen');
  return loadBinding().isOpen(fd);
}

/** The kernel's unique id of the socket behind `fd` (`SO_COOKIE`), equal in every process sharing it. */
export function getSocketCookie(fd: number): bigint {
  checkFd(fd, 'getSocketCookie');
  return call('getSocketCookie', () => loadBinding().getSocketCookie(fd));
}

/** `getsockopt(fd, level, name)` for an int-valued option. */
export function getSockOptInt(fd: number, level: number, name: number): number {
  checkFd(fd, 'getSockOptInt');
  checkInt(level, 'level', 'getSockOptInt');
  checkInt(name, 'name', 'getSockOptInt');
  return call('getSockOptInt', () => loadBinding().getSockOptInt(fd, level, name));
}

/** `setsockopt(fd, level, name, value)` for an int-valued option. */
export function setSockOptInt(fd: number, level: number, name: number, value: number): void {
  checkFd(fd, 'setSockOptInt');
  checkInt(level, 'level', 'setSockOptInt');
  checkInt(name, 'name', 'setSockOptInt');
  checkInt(value, 'value', 'setSockOptInt');
  call('setSockOptInt', () => loadBinding().setSockOptInt(fd, level, name, value));
}

/** `SO_LINGER` of a socket. */
export function getLinger(fd: number): { onoff: boolean; linger: number } {
  checkFd(fd, 'getLinger');
  const [onoff, linger] = call('getLinger', () => loadBinding().getLinger(fd));
  return { onoff: onoff !== 0, linger };
}

/** Sets `SO_LINGER`. */
export function setLinger(fd: number, onoff: boolean, seconds: number): void {
  checkFd(fd, 'setLinger');
  if (typeof onoff !== 'boolean') throw new UdsError('UDS_INVALID_ARGUMENT', 'setLinger: onoff must be a boolean');
  checkInt(seconds, 'seconds', 'setLinger');
  call('setLinger', () => loadBinding().setLinger(fd, onoff ? 1 : 0, seconds));
}

/**
 * A connected pair of framed sockets in this process (`socketpair(AF_UNIX, SOCK_SEQPACKET)`), as
 * raw descriptors: pass one to a child process, or wrap both with {@link fromDescriptor}.
 */
export function seqpacketPair(): [number, number] {
  return call('seqpacketPair', () => loadBinding().socketpair());
}
