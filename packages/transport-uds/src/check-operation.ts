import { isTimeoutMs } from '@sanshare/internal';
import { abortError, UdsError } from './errors.js';
import type { OperationOptions } from './types.js';

/**
 * Checks an operation's `timeoutMs` and a signal aborted before it starts, so that a bad option
 * fails before any syscall. The wait itself is raced against the deadline by `@sanshare/internal`
 * (`armDeadline`/`withDeadline`: a timer that is cleared and an 'abort' listener that is removed when
 * the operation settles, so a long-lived signal passed to many calls keeps nothing alive).
 */
export function checkOperation(options: OperationOptions | undefined, what: string): void {
  const timeoutMs = options?.timeoutMs;
  if (timeoutMs !== undefined && !isTimeoutMs(timeoutMs)) {
    throw new UdsError(
      'UDS_INVALID_ARGUMENT',
      `${what}: timeoutMs must be a number of milliseconds >= 0 (or Infinity, or left out, for no timeout), got ${String(timeoutMs)}`,
    );
  }
  const signal = options?.signal;
  if (signal?.aborted === true) throw abortError(signal.reason, what);
}
