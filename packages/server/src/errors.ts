import { codedErrorGuard } from '@sanshare/internal';

/**
 * The codes of `ServerError`. Winsock failures underneath keep their own `WsaError` (protocol-info) as
 * the `cause`; these say what the server-level operation could not do.
 */
export const SERVER_ERRORS = {
  /** An argument or option is not valid (the message names it and the accepted values). */
  ERR_INVALID_ARGUMENT: 'an argument or option is not valid',
} as const;

/** A `ServerError` code, such as `'ERR_INVALID_ARGUMENT'`. */
export type ServerErrorCode = keyof typeof SERVER_ERRORS;

/**
 * Thrown when a restart, a worker pool or a connection move fails. `code` says which failure, the
 * message's first line says what failed, why, and what to do, and `cause` keeps the error underneath.
 */
export class ServerError extends Error {
  override readonly name = 'ServerError' as const;
  readonly code: ServerErrorCode;

  constructor(code: ServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** True when `value` is a `ServerError` (optionally with `code`), also one thrown by another copy of this package. */
export const isServerError = codedErrorGuard<ServerError, ServerErrorCode>('ServerError', SERVER_ERRORS);
