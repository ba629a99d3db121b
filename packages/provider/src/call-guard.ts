/**
 * What every procedure-table call goes through: after WSPCleanup it fails with WSAENETDOWN, and
 * whatever it throws becomes a `WsaError`, except a cancellation: the caller's `signal` reason (an
 * AbortError by default, or whatever they aborted with) reaches them as is.
 */
import { WsaError } from '@sanshare/protocol-info';
import { toWsaError } from './errors.js';
import type { ProviderState } from './provider-state.js';

const cleanedUp = (): WsaError => new WsaError('WSAENETDOWN', 'the provider was cleaned up (WSPCleanup)');

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
    return Promise.reject(callFailure(error, signal));
  }
  return running.then(undefined, (error: unknown) => {
    throw callFailure(error, signal);
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

/** What a failed call rejects with: the caller's own cancellation as is, anything else as a `WsaError`. */
function callFailure(error: unknown, signal: AbortSignal | undefined): unknown {
  if (error instanceof Error && error.name === 'AbortError') return error;
  if (signal?.aborted === true && error === signal.reason) return error;
  return toWsaError(error, 'provider call failed');
}
