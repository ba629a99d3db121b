import { UdsError, fromNativeError } from './errors.js';
import { loadBinding } from './load-binding.js';

/**
 * Sends one datagram to the Unix datagram socket at `path` (a path, or `@name` for a Linux abstract
 * socket) and returns the bytes sent. What systemd's `sd_notify` protocol needs (`READY=1`,
 * `MAINPID=<pid>` to `$NOTIFY_SOCKET`): Node itself has no Unix datagram sockets.
 *
 * Throws UdsError: `UDS_NO_LISTENER` when nothing is bound there (ENOENT, ECONNREFUSED),
 * `UDS_PERMISSION_DENIED`, `UDS_PATH_TOO_LONG`, `UDS_INVALID_ARGUMENT`.
 */
export function sendDatagram(path: string, data: Uint8Array): number {
  if (typeof path !== 'string' || path.length === 0) {
    throw new UdsError('UDS_INVALID_ARGUMENT', `sendDatagram: path must be a non-empty string, got ${JSON.stringify(path)}`);
  }
  if (!(data instanceof Uint8Array)) throw new UdsError('UDS_INVALID_ARGUMENT', 'sendDatagram: data must be a Uint8Array');
  try {
    return loadBinding().sendDatagram(path, data);
  } catch (error) {
    throw fromNativeError(error, `sendDatagram to ${path}`);
  }
}
