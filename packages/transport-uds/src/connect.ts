import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from './connection.js';
import { abortError, checkOperation, timeoutError } from './deadline.js';
import { fromNativeError, UdsError } from './errors.js';
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
  const { signal, timeoutMs } = options;
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  let fd: number | undefined;
  for (let delay = 1; fd === undefined; delay = Math.min(delay * 2, 50)) {
    try {
      fd = native.connect(path);
    } catch (error) {
      const failure = fromNativeError(error, what);
      if (failure.errno !== EAGAIN) throw explain(failure, path);
      // The listener's backlog is full: it is alive but behind. Wait and try again.
      if (timeoutMs !== undefined && Date.now() + delay > deadline) throw timeoutError(timeoutMs, what);
      try {
        await sleep(delay, undefined, signal === undefined ? {} : { signal });
      } catch {
        throw abortError(signal as AbortSignal, what);
      }
    }
  }
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
