/**
 * One pending operation raced against its deadline: the caller's `timeoutMs` and `AbortSignal`.
 * Every sanshare package waits this way (a transport receive, a hand-off reply, a WSPRecv under
 * SO_RCVTIMEO, a channel request...), so there is one implementation, here.
 *
 * Why not `AbortSignal.timeout` and `AbortSignal.any` per operation, as Node suggests: measured on
 * Node 20.20 (200,000 operations, heap after `gc()`, see docs/decisions/0006-one-of-each-helper.md):
 * - `AbortSignal.any([longLived, perCall])` kept every combined signal alive as long as the
 *   long-lived input lived: the heap grew from 3 to 390 MiB. A process-wide or per-connection signal
 *   combined once per hand-off is exactly that.
 * - `AbortSignal.timeout(ms)` cannot be cancelled: each one holds its timer and signal until it
 *   fires, 225 MiB for 200,000 ten-second timeouts, and it cost 2x a plain timer.
 * What is used instead is what those two do inside, minus the retention: one `setTimeout` that is
 * cleared when the operation settles, and one 'abort' listener that is removed then. Nothing
 * outlives the operation, whatever the lifetime of the caller's signal.
 */

/** The deadline of one operation. Both are optional; with neither, the operation waits for ever. */
export interface DeadlineOptions {
  /** Aborting it ends the operation (the caller decides the error; usually the signal's reason). */
  readonly signal?: AbortSignal | undefined;
  /** Milliseconds from now; `undefined` or `Infinity` for no timeout. Validate with `isTimeoutMs` first. */
  readonly timeoutMs?: number | undefined;
}

/** Why a deadline fired. */
export type Expiry =
  | { readonly timedOut: true; readonly timeoutMs: number }
  | { readonly timedOut: false; readonly reason: unknown };

/** How the timer behaves. */
export interface ArmOptions {
  /** Let the process exit while only this timer is pending (default false: a pending operation keeps it alive). */
  readonly unref?: boolean;
}

/** Cancels an armed deadline; calling it again, or after it fired, does nothing. */
export type Disarm = () => void;

/** The longest delay one Node timer takes (2^31 - 1 ms, about 24.8 days); longer ones are chained. */
export const MAX_TIMER_MS = 0x7fff_ffff;

const noop: Disarm = () => {};

/** True for a usable `timeoutMs`: a number >= 0, `Infinity` included (no timeout), not NaN. */
export function isTimeoutMs(value: unknown): value is number {
  return typeof value === 'number' && value >= 0;
}

/**
 * Arms the timer and the abort listener of one pending operation. `onExpire` runs at most once,
 * never after `disarm`; the operation calls `disarm` when it settles for any other reason. When the
 * signal is already aborted, `onExpire` runs before this returns (and the returned disarm is a no-op).
 */
export function armDeadline(options: DeadlineOptions | undefined, onExpire: (expiry: Expiry) => void, arm: ArmOptions = {}): Disarm {
  const signal = options?.signal;
  const timeoutMs = options?.timeoutMs;
  const timed = timeoutMs !== undefined && timeoutMs !== Infinity;
  if (signal === undefined && !timed) return noop;
  if (signal?.aborted === true) {
    onExpire({ timedOut: false, reason: signal.reason });
    return noop;
  }
  let timer: NodeJS.Timeout | undefined;
  let armed = true;
  const disarm = (): void => {
    if (!armed) return;
    armed = false;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    signal?.removeEventListener('abort', onAbort);
  };
  function onAbort(): void {
    disarm();
    onExpire({ timedOut: false, reason: signal?.reason });
  }
  if (timed) {
    const due = Date.now() + timeoutMs;
    const start = (delay: number): void => {
      timer = setTimeout(() => {
        const left = due - Date.now();
        // A delay above the cap is chained in steps, rather than firing after 1 ms as Node does.
        if (left > 0 && delay === MAX_TIMER_MS) return start(Math.min(left, MAX_TIMER_MS));
        disarm();
        onExpire({ timedOut: true, timeoutMs });
      }, delay);
      if (arm.unref === true) timer.unref();
    };
    start(Math.min(timeoutMs, MAX_TIMER_MS));
  }
  signal?.addEventListener('abort', onAbort, { once: true });
  return disarm;
}

/**
 * Runs a wait that `start` registers, and settles it with the first of: the wait's own outcome,
 * the timeout, the abort. `start` may return how to unregister the wait: a wait that expires is
 * unregistered, so a late event goes to nobody rather than to a caller that gave up. An already
 * aborted signal rejects at once, without calling `start`. `toError` makes the rejection of an expiry.
 */
export function withDeadline<T>(
  options: DeadlineOptions | undefined,
  start: (resolve: (value: T) => void, reject: (error: unknown) => void) => (() => void) | void,
  toError: (expiry: Expiry) => unknown,
  arm?: ArmOptions,
): Promise<T> {
  const signal = options?.signal;
  if (signal?.aborted === true) return Promise.reject(toError({ timedOut: false, reason: signal.reason }));
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let disarm: Disarm = noop;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      disarm();
      return true;
    };
    const unregister = start(
      (value) => {
        if (settle()) resolve(value);
      },
      (error) => {
        if (settle()) reject(error);
      },
    );
    // The wait may have settled inside `start`: then nothing is armed.
    if (settled) return;
    disarm = armDeadline(
      options,
      (expiry) => {
        if (!settle()) return;
        if (typeof unregister === 'function') unregister();
        reject(toError(expiry));
      },
      arm,
    );
  });
}
