/**
 * The switch's own errors: catalog, provider loading and the protocol-info channel. Calls of the
 * application API (`WSASocket`, `send`, ...) throw `WsaError` from `@sanshare/protocol-info`
 * instead, as Winsock calls do.
 */
import { codedErrorGuard } from '@sanshare/internal';

/**
 * The codes of `SwitchError`. Where Winsock defines a code for the failure, the code is its name and
 * `errno` its number (winerror.h); the others are sanshare's own and have no `errno`.
 */
export const SWITCH_ERRORS = {
  /** `WSAEPROVIDERFAILEDINIT` (10106): a provider module could not be loaded or its WSPStartup failed. */
  WSAEPROVIDERFAILEDINIT: 10106,
  /** `WSAEINVALIDPROCTABLE` (10104): WSPStartup returned an incomplete or malformed procedure table. */
  WSAEINVALIDPROCTABLE: 10104,
  /** `WSAVERNOTSUPPORTED` (10092): a provider returned a version the switch does not speak. */
  WSAVERNOTSUPPORTED: 10092,
  /** The catalog file is not a sanshare catalog (unreadable, truncated, wrong shape). */
  ERR_CATALOG_CORRUPT: undefined,
  /** A catalog entry given to `install` is malformed. */
  ERR_CATALOG_INVALID_ENTRY: undefined,
  /** `remove` named a catalog entry id that is not installed. */
  ERR_CATALOG_UNKNOWN_ENTRY: undefined,
  /** A change could not be written to the catalog file (permissions, full disk...); the catalog is unchanged. */
  ERR_CATALOG_WRITE: undefined,
  /** The protocol-info channel is closed (by either side, or after a protocol violation). */
  ERR_CHANNEL_CLOSED: undefined,
  /** A protocol-info channel operation did not complete within its `timeoutMs`. */
  ERR_CHANNEL_TIMEOUT: undefined,
  /**
   * The peer claimed a pid that is not the one the kernel reports for it (`SO_PEERCRED`), or a
   * protocol info this process duplicated for one pid was about to be sent to another.
   */
  ERR_CHANNEL_PEER_PID: undefined,
  /** The peer sent a message that is not a valid protocol-info channel message. */
  ERR_CHANNEL_PROTOCOL: undefined,
} as const;

/** A `SwitchError` code, such as `'ERR_CATALOG_CORRUPT'`. */
export type SwitchErrorCode = keyof typeof SWITCH_ERRORS;

/**
 * Thrown when the catalog, a provider load or the protocol-info channel fails. `code` says which failure
 * (`SwitchErrorCode`), `errno` is the Winsock number when there is one, `cause` the underlying error.
 *
 * `message` starts with the code, once (`"ERR_CHANNEL_CLOSED: the peer (pid 42) closed ..."`), as
 * `WsaError`'s does and Node's system errors do (`"ENOENT: ..."`): print `message` alone, not
 * `${code} ${message}`. Its first line says what failed, why, and what to do; `cause` keeps the
 * underlying error for a debugger.
 */
export class SwitchError extends Error {
  override readonly name = 'SwitchError' as const;
  readonly code: SwitchErrorCode;
  readonly errno: number | undefined;

  constructor(code: SwitchErrorCode, message: string, options?: { cause?: unknown }) {
    // A message handed on from another error of the same code already starts with it.
    super(message.startsWith(`${code}: `) ? message : `${code}: ${message}`, options);
    this.code = code;
    this.errno = SWITCH_ERRORS[code];
  }
}

/**
 * True when `value` is a `SwitchError` (optionally with the given code). Checks `name` and `code`
 * rather than `instanceof`, so it also recognises errors thrown by another copy of this package.
 */
export const isSwitchError: (value: unknown, code?: SwitchErrorCode) => value is SwitchError = codedErrorGuard<SwitchError, SwitchErrorCode>('SwitchError', SWITCH_ERRORS);
