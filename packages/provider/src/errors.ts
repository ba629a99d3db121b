/**
 * Maps system and transport failures to `WsaError`, the one error type of the SPI. Never
 * `WSAEINPROGRESS`: a SAN provider does not support it (WSPDuplicateSocket.txt).
 */
import { constants } from 'node:os';
import { WSA_ERRORS, WsaError, isWsaError, type WsaErrorCode } from '@sanshare/protocol-info';

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, value]) => [value, name] as const));

/**
 * Winsock codes for each errno, best first. Codes not (yet) in protocol-info's table are skipped,
 * so the mapping picks the closest code the table has (WSAECONNREFUSED, say, when it is added).
 */
const BY_ERRNO: Record<string, readonly string[]> = {
  EMFILE: ['WSAEMFILE'],
  ENFILE: ['WSAEMFILE'],
  ENOBUFS: ['WSAENOBUFS'],
  ENOMEM: ['WSAENOBUFS'],
  EAGAIN: ['WSAEWOULDBLOCK'],
  EWOULDBLOCK: ['WSAEWOULDBLOCK'],
  EACCES: ['WSAEACCES'],
  EPERM: ['WSAEACCES'],
  EADDRINUSE: ['WSAEADDRINUSE'],
  EADDRNOTAVAIL: ['WSAEADDRNOTAVAIL', 'WSAEINVAL'],
  ECONNREFUSED: ['WSAECONNREFUSED', 'WSAENOTCONN'],
  ETIMEDOUT: ['WSAETIMEDOUT', 'WSAENOTCONN'],
  EHOSTUNREACH: ['WSAEHOSTUNREACH', 'WSAENETDOWN'],
  ENETUNREACH: ['WSAENETUNREACH', 'WSAENETDOWN'],
  ENETDOWN: ['WSAENETDOWN'],
  ECONNRESET: ['WSAECONNRESET'],
  EPIPE: ['WSAESHUTDOWN'],
  ECONNABORTED: ['WSAECONNABORTED'],
  ENOTCONN: ['WSAENOTCONN'],
  ENOTSOCK: ['WSAENOTSOCK'],
  EBADF: ['WSAENOTSOCK'],
  EINVAL: ['WSAEINVAL'],
  EAFNOSUPPORT: ['WSAEAFNOSUPPORT', 'WSAEINVAL'],
  ERR_SOCKET_CLOSED: ['WSAENOTCONN'],
  ERR_STREAM_DESTROYED: ['WSAENOTCONN'],
  ERR_STREAM_WRITE_AFTER_END: ['WSAESHUTDOWN'],
  EPROTO: ['WSAECONNABORTED'],
  // Transport codes without an errno (transport-uds `UdsError`).
  UDS_TOO_MANY_FDS: ['WSAEMFILE'],
  UDS_PEER_DIED: ['WSAECONNABORTED'],
  UDS_PEER_CLOSED: ['WSAECONNABORTED'],
};

/** The first of `candidates` that protocol-info's table has, else `fallback`. */
export function pick(candidates: readonly string[] | undefined, fallback: WsaErrorCode): WsaErrorCode {
  for (const code of candidates ?? []) {
    if (Object.prototype.hasOwnProperty.call(WSA_ERRORS, code)) return code as WsaErrorCode;
  }
  return fallback;
}

/** The errno name of a Node system error or a transport error (`UdsError` carries it in `errno`/`cause`). */
function errnoOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; typeof e === 'object' && e !== null && depth < 4; depth++) {
    const candidate = e as { code?: unknown; errno?: unknown; cause?: unknown; name?: unknown };
    // A transport error keeps the positive errno as a number; a WsaError's errno is a Winsock code.
    const fromNumber = typeof candidate.errno === 'number' && candidate.name !== 'WsaError' ? ERRNO_NAMES.get(candidate.errno) : undefined;
    for (const value of [fromNumber, candidate.code]) {
      if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(BY_ERRNO, value)) return value;
    }
    e = candidate.cause;
  }
  return undefined;
}

/**
 * Turns any failure into a `WsaError`: a `WsaError` passes through; a system error maps by errno;
 * anything else becomes `fallback` (WSAENETDOWN, "the network subsystem failed", unless the caller knows better).
 */
export function toWsaError(error: unknown, what: string, fallback: WsaErrorCode = 'WSAENETDOWN'): WsaError {
  if (isWsaError(error)) return error;
  const errno = errnoOf(error);
  const code = pick(errno === undefined ? undefined : BY_ERRNO[errno], fallback);
  const detail = error instanceof Error ? error.message : String(error);
  return new WsaError(code === 'WSAEINPROGRESS' ? 'WSAENETDOWN' : code, `${what}: ${detail}`, { cause: error });
}

/** The errno name of `error`, if it is a system error this module knows. */
export function systemErrno(error: unknown): string | undefined {
  return errnoOf(error);
}
