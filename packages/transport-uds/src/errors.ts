import { constants } from 'node:os';
import { codedErrorGuard, type Expiry } from '@sanshare/internal';
import { ETOOMANYREFS } from './constants.js';

/**
 * Every failure of the transport, as a stable string code.
 *
 * - `UDS_INVALID_ARGUMENT`: a bad option or argument (thrown before any syscall).
 * - `UDS_PATH_TOO_LONG`: the socket path exceeds `sun_path` (107 bytes), before any syscall.
 * - `UDS_ADDRESS_IN_USE`: a live listener (or a non-socket file) already owns the path.
 * - `UDS_NO_LISTENER`: nothing listens on the path (ENOENT, ECONNREFUSED, or not a SOCK_SEQPACKET socket).
 * - `UDS_PERMISSION_DENIED`: the file system refused access (EACCES, EPERM).
 * - `UDS_PEER_REJECTED`: the peer's credentials are not allowed by the listener.
 * - `UDS_FRAME_TOO_LARGE`: a message above the configured maximum.
 * - `UDS_MALFORMED_FRAME`: a record that is not a valid frame (bad magic, truncated header, bad
 *   length, bad sequence, descriptors without a frame).
 * - `UDS_VERSION_MISMATCH`: a frame of another wire version.
 * - `UDS_TOO_MANY_FDS`: more descriptors than the configured maximum; or, on a connection without
 *   `deliverTruncated`, this process ran out of descriptors while receiving some (`MSG_CTRUNC`).
 * - `UDS_TOO_MANY_IN_FLIGHT`: a send with descriptors reached its deadline while the kernel refused
 *   them (`ETOOMANYREFS`: the sending user has more descriptors in flight than its `RLIMIT_NOFILE`).
 * - `UDS_BAD_DESCRIPTOR`: a descriptor that is not open (EBADF).
 * - `UDS_NOT_A_SOCKET`: a descriptor that is not a socket where one is needed.
 * - `UDS_PEER_DIED`: the peer vanished in the middle of a message, or reset the connection.
 * - `UDS_PEER_CLOSED`: sending to a peer that has closed its end.
 * - `UDS_CLOSED`: the connection or listener was closed locally.
 * - `UDS_TIMEOUT`: the operation's `timeoutMs` elapsed.
 * - `UDS_ABORTED`: the operation's `AbortSignal` fired (its reason is the `cause`).
 * - `UDS_NATIVE_UNAVAILABLE`: the native addon could not be loaded (missing, or built for another
 *   platform, or stale). A process with no free descriptor cannot load it either: that is `UDS_SYSTEM`
 *   with `errno` EMFILE (or ENFILE), and the next call loads it once one is free.
 * - `UDS_SYSTEM`: any other system error (see `errno` and `syscall`).
 */
export type UdsErrorCode =
  | 'UDS_INVALID_ARGUMENT'
  | 'UDS_PATH_TOO_LONG'
  | 'UDS_ADDRESS_IN_USE'
  | 'UDS_NO_LISTENER'
  | 'UDS_PERMISSION_DENIED'
  | 'UDS_PEER_REJECTED'
  | 'UDS_FRAME_TOO_LARGE'
  | 'UDS_MALFORMED_FRAME'
  | 'UDS_VERSION_MISMATCH'
  | 'UDS_TOO_MANY_FDS'
  | 'UDS_TOO_MANY_IN_FLIGHT'
  | 'UDS_BAD_DESCRIPTOR'
  | 'UDS_NOT_A_SOCKET'
  | 'UDS_PEER_DIED'
  | 'UDS_PEER_CLOSED'
  | 'UDS_CLOSED'
  | 'UDS_TIMEOUT'
  | 'UDS_ABORTED'
  | 'UDS_NATIVE_UNAVAILABLE'
  | 'UDS_SYSTEM';

/** Options of {@link UdsError}'s constructor. */
export interface UdsErrorOptions {
  errno?: number;
  syscall?: string;
  cause?: unknown;
}

/**
 * Thrown (or rejected, or passed to a `close` listener) when any transport operation fails; `code`
 * says why. System failures keep the positive `errno` and the `syscall` that failed.
 */
export class UdsError extends Error {
  override readonly name = 'UdsError';
  readonly code: UdsErrorCode;
  readonly errno?: number;
  readonly syscall?: string;

  constructor(code: UdsErrorCode, message: string, options: UdsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.errno !== undefined) this.errno = options.errno;
    if (options.syscall !== undefined) this.syscall = options.syscall;
  }
}

// Any `UDS_` code, not only the codes this version knows: an error thrown by another version of
// the package (two copies in one dependency tree) may carry a code added since.
const udsErrorGuard = codedErrorGuard<UdsError, UdsErrorCode>('UdsError', (code) => code.startsWith('UDS_'));

/**
 * Whether `value` is a {@link UdsError} (optionally with `code`). Checks `name` and `code` rather
 * than `instanceof`, so it also recognises errors from another copy of this package.
 */
export function isUdsError(value: unknown, code?: UdsErrorCode): value is UdsError {
  return udsErrorGuard(value, code);
}

/** `UDS_ABORTED`: the operation's signal fired; its reason is the cause. */
export function abortError(reason: unknown, what: string): UdsError {
  return new UdsError('UDS_ABORTED', `${what} was aborted`, { cause: reason });
}

/** `UDS_TIMEOUT`: the operation's `timeoutMs` elapsed. */
export function timeoutError(timeoutMs: number, what: string): UdsError {
  return new UdsError('UDS_TIMEOUT', `${what} timed out after ${timeoutMs} ms`);
}

/** The error of an operation whose deadline fired: `UDS_TIMEOUT` or `UDS_ABORTED`. */
export function expiryError(expiry: Expiry, what: string): UdsError {
  return expiry.timedOut ? timeoutError(expiry.timeoutMs, what) : abortError(expiry.reason, what);
}

const errnoNames = new Map<number, string>([
  ...Object.entries(constants.errno).map(([name, value]) => [value, name] as const),
  [ETOOMANYREFS, 'ETOOMANYREFS'],
]);

/** The symbolic name of a positive errno (`EAGAIN`), or `errno <n>`. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

const E = constants.errno;

function codeForErrno(errno: number, syscall: string): UdsErrorCode {
  switch (errno) {
    case E.ENAMETOOLONG:
      return 'UDS_PATH_TOO_LONG';
    case E.EADDRINUSE:
      return 'UDS_ADDRESS_IN_USE';
    case E.EEXIST:
      return syscall === 'bind' ? 'UDS_ADDRESS_IN_USE' : 'UDS_SYSTEM';
    case E.ENOENT:
    case E.ECONNREFUSED:
    case E.EPROTOTYPE:
      return syscall === 'connect' || syscall === 'sendto' ? 'UDS_NO_LISTENER' : 'UDS_SYSTEM';
    case E.EACCES:
    case E.EPERM:
      return 'UDS_PERMISSION_DENIED';
    case E.EBADF:
      return 'UDS_BAD_DESCRIPTOR';
    case E.ENOTSOCK:
      return 'UDS_NOT_A_SOCKET';
    case E.EPIPE:
      return 'UDS_PEER_CLOSED';
    case E.ECONNRESET:
      return 'UDS_PEER_DIED';
    case ETOOMANYREFS:
      return 'UDS_TOO_MANY_IN_FLIGHT';
    default:
      return 'UDS_SYSTEM';
  }
}

/** A UdsError for a failed syscall (errno positive). */
export function systemError(errno: number, syscall: string, context: string): UdsError {
  const code = codeForErrno(errno, syscall);
  return new UdsError(code, `${context}: ${syscall} failed with ${errnoName(errno)}`, { errno, syscall });
}

/** Turns what the addon threw (an Error with `errno` and `syscall`) into a UdsError. */
export function fromNativeError(error: unknown, context: string): UdsError {
  if (isUdsError(error)) return error;
  if (typeof error === 'object' && error !== null) {
    const e = error as { errno?: unknown; syscall?: unknown };
    if (typeof e.errno === 'number' && typeof e.syscall === 'string') {
      // The addon reports positive errno values; Node's fs errors negative ones.
      const errno = Math.abs(e.errno);
      const out = systemError(errno, e.syscall, context);
      return new UdsError(out.code, out.message, { errno, syscall: e.syscall, cause: error });
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return new UdsError('UDS_INVALID_ARGUMENT', `${context}: ${message}`, { cause: error });
}
