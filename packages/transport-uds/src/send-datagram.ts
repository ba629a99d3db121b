import { constants } from 'node:os';
import { UdsError, fromNativeError } from './errors.js';
import { loadBinding } from './load-binding.js';

const EAGAIN = constants.errno.EAGAIN;

/**
 * Sends one datagram to the Unix datagram socket at `path` (a path, or `@name` for a Linux abstract
 * socket) and returns the bytes sent. What systemd's `sd_notify` protocol needs (`READY=1`,
 * `MAINPID=<pid>` to `$NOTIFY_SOCKET`): Node itself has no Unix datagram sockets.
 *
 * Never waits: the call is synchronous, so a receiver whose queue is full (it is not reading) makes it
 * fail with `UDS_SYSTEM` (`errno` EAGAIN) rather than block the process until it reads.
 *
 * Throws UdsError: `UDS_NO_LISTENER` when nothing is bound there (ENOENT, ECONNREFUSED),
 * `UDS_PERMISSION_DENIED`, `UDS_PATH_TOO_LONG`, `UDS_INVALID_ARGUMENT`, `UDS_SYSTEM` (EAGAIN: the
 * receiver's queue is full).
 */
export function sendDatagram(path: string, data: Uint8Array): number {
  if (typeof path !== 'string' || path.length === 0) {
    throw new UdsError('UDS_INVALID_ARGUMENT', `sendDatagram: path must be a non-empty string, got ${JSON.stringify(path)}`);
  }
  if (!(data instanceof Uint8Array)) throw new UdsError('UDS_INVALID_ARGUMENT', 'sendDatagram: data must be a Uint8Array');
  try {
    return loadBinding().sendDatagram(path, data);
  } catch (error) {
    const failure = fromNativeError(error, `sendDatagram to ${path}`);
    if (failure.errno === EAGAIN) {
      throw new UdsError('UDS_SYSTEM', `sendDatagram to ${path}: the receiver's queue is full (EAGAIN): it is not reading; nothing was sent`, {
        errno: EAGAIN,
        syscall: 'sendto',
        cause: failure,
      });
    }
    throw failure;
  }
}
