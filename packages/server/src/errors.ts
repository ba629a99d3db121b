import { codedErrorGuard } from '@sanshare/internal';

/**
 * The codes of `ServerError`. Winsock failures underneath keep their own `WsaError` (protocol-info) as
 * the `cause`; these say what the server-level operation could not do.
 */
export const SERVER_ERRORS = {
  /** An argument or option is not valid (the message names it and the accepted values). */
  ERR_INVALID_ARGUMENT: 'an argument or option is not valid',
  /** `upgrade()` while a restart is already under way (or this process is not the current generation). */
  ERR_RESTART_IN_PROGRESS: 'a restart is already under way',
  /** The successor exited, was killed or never became ready: the old process serves on. */
  ERR_SUCCESSOR_FAILED: 'the successor failed; the old process serves on',
  /** A peer on the control channel sent something malformed or out of turn. */
  ERR_CONTROL_PROTOCOL: 'the control channel carried a malformed or unexpected message',
  /** The control channel could not be opened, or closed while it was needed. */
  ERR_CONTROL_CHANNEL: 'the control channel could not be opened or closed early',
  /** A listener cannot be handed over (the provider refused it, or it is not a TCP listener). */
  ERR_LISTENER: 'a listener could not be handed over or taken',
  /** A worker exited, or could not be started. */
  ERR_WORKER_FAILED: 'a worker failed',
  /** The restarter, mover or pool was closed. */
  ERR_CLOSED: 'closed',
  /** `detach` got a connection that is not frozen at a safe point now (the message says what is still going on). */
  ERR_NOT_AT_SAFE_POINT: 'the connection is not frozen at a safe point',
  /** A connection's state (request, subprotocol, extensions, the application's own bytes) is over the 64 KiB that travel with its socket. */
  ERR_STATE_TOO_LARGE: "the connection's state is too large to travel with its socket",
  /** A connection's state bytes are malformed, or belong to another kind of connection than the adapter's. */
  ERR_BAD_STATE: "the connection's state cannot be read",
  /** An undocumented internal of Node's HTTP server or of `ws` that a move relies on is missing (a version other than the tested ones). */
  ERR_INTERNALS_MISSING: 'an internal that moving a connection relies on is missing',
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

const serverErrorGuard = codedErrorGuard<ServerError, ServerErrorCode>('ServerError', SERVER_ERRORS);

/**
 * True when `value` is a `ServerError` (optionally with `code`), also one thrown by another copy of
 * this package. A function of its own (not the guard itself) so that the public types name nothing of
 * the private @sanshare/internal.
 */
export function isServerError(value: unknown, code?: ServerErrorCode): value is ServerError {
  return serverErrorGuard(value, code);
}

/** The first line of any error value, for messages that name a cause. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const end = text.indexOf('\n');
  return end === -1 ? text : text.slice(0, end);
}
