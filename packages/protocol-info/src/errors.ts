import { WSA_ERRORS, type WsaErrorCode } from './constants.js';

/**
 * Thrown when a Winsock-shaped operation fails: the one error class of sanshare.
 *
 * Shaped like Node's own system errors: `code` is the Winsock name (`'WSAEINVAL'`), `errno` its
 * number (10022), `message` says what was wrong and where, and `cause` keeps the underlying
 * system error (an `ENOENT` from a socket path, say) when there is one.
 */
export class WsaError extends Error {
  override readonly name = 'WsaError' as const;
  readonly code: WsaErrorCode;
  readonly errno: number;

  constructor(code: WsaErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.code = code;
    this.errno = WSA_ERRORS[code];
  }
}

/**
 * True when `value` is a `WsaError` (optionally with the given code). Checks `name` and `code`
 * rather than `instanceof`, so it also recognises errors thrown by another copy of this package.
 */
export function isWsaError(value: unknown, code?: WsaErrorCode): value is WsaError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { name?: unknown; code?: unknown; errno?: unknown };
  if (candidate.name !== 'WsaError' || typeof candidate.code !== 'string') return false;
  if (!Object.prototype.hasOwnProperty.call(WSA_ERRORS, candidate.code)) return false;
  if (candidate.errno !== WSA_ERRORS[candidate.code as WsaErrorCode]) return false;
  return code === undefined || candidate.code === code;
}
