import { isTimeoutMs, withDeadline } from '@sanshare/internal';
import { PROTOCOL_INFO_CHANNEL_DEFAULT_TIMEOUT_MS } from './constants.js';
import { SwitchError } from './errors.js';

/** Cancellation of one protocol-info channel operation. */
export interface ChannelOperationOptions {
  /** Aborting rejects the operation with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Rejects with `ERR_CHANNEL_TIMEOUT` after this many milliseconds (default 30,000; `Infinity` waits
   * for ever). The channel stays usable after a timeout.
   */
  timeoutMs?: number;
}

/** What to do after a channel timeout, the end of every `ERR_CHANNEL_TIMEOUT`'s first line. */
export const TIMEOUT_ADVICE = 'nothing was lost and the channel stays usable: check that the peer runs, then retry or pass a larger timeoutMs (Infinity waits for ever)';

/** The timeout to use: the caller's, else the default. Throws `TypeError` on a negative or NaN one. */
export function timeoutOf(options: ChannelOperationOptions | undefined): number {
  const t = options?.timeoutMs ?? PROTOCOL_INFO_CHANNEL_DEFAULT_TIMEOUT_MS;
  if (!isTimeoutMs(t)) throw new TypeError(`timeoutMs must be a non-negative number or Infinity, got ${String(t)}; pass milliseconds, or Infinity to wait for ever`);
  return t;
}

/**
 * Runs a channel wait that `start` registers (it returns how to unregister it) under the caller's
 * deadline, with @sanshare/internal's `withDeadline`: the first of the wait's outcome, the timeout
 * (`ERR_CHANNEL_TIMEOUT`) and the abort (the signal's reason) settles it, and a wait that expired is
 * unregistered, so a late event goes to nobody.
 */
export function channelDeadline<T>(
  what: string,
  options: ChannelOperationOptions | undefined,
  start: (resolve: (value: T) => void, reject: (error: unknown) => void) => () => void,
): Promise<T> {
  const timeoutMs = timeoutOf(options);
  return withDeadline<T>({ signal: options?.signal, timeoutMs }, start, (expiry) =>
    expiry.timedOut ? new SwitchError('ERR_CHANNEL_TIMEOUT', `${what} did not complete within ${expiry.timeoutMs} ms; ${TIMEOUT_ADVICE}`) : expiry.reason,
  );
}
