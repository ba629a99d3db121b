import { constants } from 'node:os';
import { withDeadline } from '@sanshare/internal';
import { checkOperation } from './check-operation.js';
import { CONNECT_RETRY_MAX_MS } from './constants.js';
import { Connection } from './connection.js';
import { expiryError, fromNativeError, UdsError } from './errors.js';
import { resolveLimits } from './limits.js';
import { loadBinding } from './load-binding.js';
import { checkSocketPath } from './socket-path.js';
import type { ConnectOptions, UdsConnection } from './types.js';

const EAGAIN = constants.errno.EAGAIN;

/**
 * Connects to a listener at `path` (a SOCK_SEQPACKET Unix socket made by {@link listen}).
 * `peer` of the result is the listening process, from `SO_PEERCRED`.
 *
 * Rejects with UdsError: `UDS_PATH_TOO_LONG` (before any syscall), `UDS_NO_LISTENER`,
 * `UDS_PERMISSION_DENIED`, `UDS_TIMEOUT`, `UDS_ABORTED`, `UDS_INVALID_ARGUMENT`.
 * While the listener's backlog is full the call waits and retries (bounded by `timeoutMs`).
 */
export async function connect(path: string, options: ConnectOptions = {}): Promise<UdsConnection> {
  const what = `connect(${String(path)})`;
  checkSocketPath(path, what);
  checkOperation(options, what);
  const limits = resolveLimits(options);
  const native = loadBinding();
  const fd = await withDeadline<number>(
    options,
    (resolve, reject) => {
      let retry: NodeJS.Timeout | undefined;
      const attempt = (delay: number): void => {
        retry = undefined;
        let connected: number;
        try {
          connected = native.connect(path);
        } catch (error) {
          const failure = fromNativeError(error, what);
          if (failure.errno !== EAGAIN) return reject(explain(failure, path));
          // The listener's backlog is full: it is alive but behind. Wait and try again.
          retry = setTimeout(attempt, delay, Math.min(delay * 2, CONNECT_RETRY_MAX_MS));
          return;
        }
        resolve(connected);
      };
      attempt(1);
      // On timeout or abort: no further attempt (connect(2) itself never blocks, so none is half done).
      return () => clearTimeout(retry);
    },
    (expiry) => expiryError(expiry, what),
  );
  try {
    const [pid, uid, gid] = native.peerCred(fd);
    return new Connection(native, fd, { pid, uid, gid }, limits);
  } catch (error) {
    native.closeFd(fd);
    throw fromNativeError(error, what);
  }
}

function explain(error: UdsError, path: string): UdsError {
  if (error.code !== 'UDS_NO_LISTENER') return error;
  const why =
    error.syscall === 'connect' && error.errno === constants.errno.EPROTOTYPE
      ? 'the socket there is not a SOCK_SEQPACKET sanshare listener'
      : error.errno === constants.errno.ENOENT
        ? 'no socket file there'
        : 'nobody is accepting there';
  return new UdsError('UDS_NO_LISTENER', `connect(${path}): no listener (${why})`, {
    ...(error.errno === undefined ? {} : { errno: error.errno }),
    ...(error.syscall === undefined ? {} : { syscall: error.syscall }),
    cause: error,
  });
}
