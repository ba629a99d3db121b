import { HANDOFF_CHANNEL_DEFAULT_TIMEOUT_MS } from './constants.js';
import { SwitchError } from './errors.js';

/** Cancellation of one channel operation. */
export interface ChannelOperationOptions {
  /** Aborting rejects the operation with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Rejects with `ERR_CHANNEL_TIMEOUT` after this many milliseconds (default 30,000; `Infinity` waits
   * for ever). The channel stays usable after a timeout.
   */
  timeoutMs?: number;
}

/** The timeout to use: the caller's, else the default. Throws `TypeError` on a negative or NaN one. */
export function timeoutOf(options: ChannelOperationOptions | undefined): number {
  const t = options?.timeoutMs ?? HANDOFF_CHANNEL_DEFAULT_TIMEOUT_MS;
  if (typeof t !== 'number' || Number.isNaN(t) || t < 0) throw new TypeError(`timeoutMs must be a non-negative number, got ${String(t)}`);
  return t;
}

/**
 * Runs a wait that `start` registers (it returns how to unregister it) and settles it with the
 * first of: the wait's own outcome, the timeout, the abort. A cancelled wait is always unregistered,
 * so a late event goes to nobody rather than to a caller that gave up.
 */
export function withDeadline<T>(
  what: string,
  options: ChannelOperationOptions | undefined,
  start: (resolve: (value: T) => void, reject: (error: unknown) => void) => () => void,
): Promise<T> {
  const timeoutMs = timeoutOf(options);
  const signal = options?.signal;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let unregister: () => void = () => undefined;
    let settled = false;
    const done = (): void => {
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      done();
      unregister();
      reject(signal?.reason);
    };
    unregister = start(
      (value) => {
        done();
        resolve(value);
      },
      (error) => {
        done();
        reject(error);
      },
    );
    // The wait may have settled synchronously inside `start`: then nothing is armed.
    if (settled) return;
    if (Number.isFinite(timeoutMs)) {
      timer = setTimeout(() => {
        done();
        unregister();
        reject(new SwitchError('ERR_CHANNEL_TIMEOUT', `${what} did not complete within ${timeoutMs} ms`));
      }, timeoutMs);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
