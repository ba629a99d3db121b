/**
 * What every procedure-table call goes through: after WSPCleanup it fails with WSAENETDOWN, and
 * whatever it throws becomes a `WsaError`, except a cancellation: the caller's `signal` reason (an
 * AbortError by default, or whatever they aborted with) reaches them as is. A call still waiting when
 * WSPCleanup runs fails with WSAENETDOWN too: whatever cleaning up did to its socket or channel on the
 * way (closed it, closed the channel its export waited on) is the provider's shutdown, not a fault of
 * the application's socket or of a target, and says so only as the error's cause.
 */
import { WsaError } from '@sanshare/protocol-info';
import { toWsaError } from './errors.js';
import type { ProviderState } from './provider-state.js';

const cleanedUp = (): WsaError => new WsaError('WSAENETDOWN', 'the provider was cleaned up (WSPCleanup); start a new one with WSPStartup');

/**
 * Runs an asynchronous call. Not an async function: one `then` on the call's own promise is all a
 * successful call pays.
 */
export function guardCall<T>(state: ProviderState, run: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  if (state.cleanedUp) return Promise.reject(cleanedUp());
  let running: Promise<T>;
  try {
    running = run();
  } catch (error) {
    return Promise.reject(callFailure(error, signal, state));
  }
  return running.then(undefined, (error: unknown) => {
    throw callFailure(error, signal, state);
  });
}

/** Runs a synchronous call (the option and name calls). */
export function guardSyncCall<T>(state: ProviderState, run: () => T): T {
  if (state.cleanedUp) throw cleanedUp();
  try {
    return run();
  } catch (error) {
    throw toWsaError(error, 'provider call failed');
  }
}

/**
 * What a failed call rejects with: the caller's own cancellation as is; WSAENETDOWN once WSPCleanup has
 * begun (see above); anything else as a `WsaError`.
 */
function callFailure(error: unknown, signal: AbortSignal | undefined, state: ProviderState): unknown {
  if (error instanceof Error && error.name === 'AbortError') return error;
  if (signal?.aborted === true && error === signal.reason) return error;
  const failure = toWsaError(error, 'provider call failed');
  if (state.cleanedUp && failure.code !== 'WSAENETDOWN') {
    return new WsaError('WSAENETDOWN', 'the provider was cleaned up (WSPCleanup) while this call waited; start a new one with WSPStartup', { cause: failure });
  }
  return failure;
}
