import { UdsError } from './errors.js';
import type { OperationOptions } from './types.js';

/** Checks `timeoutMs` and a pre-aborted signal before an operation starts. */
export function checkOperation(options: OperationOptions | undefined, what: string): void {
  const timeoutMs = options?.timeoutMs;
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
    throw new UdsError('UDS_INVALID_ARGUMENT', `${what}: timeoutMs must be a finite number >= 0, got ${String(timeoutMs)}`);
  }
  const signal = options?.signal;
  if (signal?.aborted === true) throw abortError(signal, what);
}

export function abortError(signal: AbortSignal, what: string): UdsError {
  return new UdsError('UDS_ABORTED', `${what} was aborted`, { cause: signal.reason });
}

export function timeoutError(timeoutMs: number, what: string): UdsError {
  return new UdsError('UDS_TIMEOUT', `${what} timed out after ${timeoutMs} ms`);
}

/**
 * Arms the signal and timer of one pending operation; `expire` runs at most once. Returns the
 * disarm function, which the operation calls when it settles for any other reason.
 */
export function armDeadline(
  options: OperationOptions | undefined,
  what: string,
  expire: (error: UdsError) => void,
): () => void {
  const signal = options?.signal;
  const timeoutMs = options?.timeoutMs;
  if (signal === undefined && timeoutMs === undefined) return noop;
  let timer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    disarm();
    expire(abortError(signal as AbortSignal, what));
  };
  const disarm = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    signal?.removeEventListener('abort', onAbort);
  };
  if (timeoutMs !== undefined) {
    timer = setTimeout(() => {
      disarm();
      expire(timeoutError(timeoutMs, what));
    }, timeoutMs);
  }
  signal?.addEventListener('abort', onAbort, { once: true });
  return disarm;
}

function noop(): void {}
