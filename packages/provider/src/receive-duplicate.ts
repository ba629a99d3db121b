/**
 * WSPReceiveDuplicate (an extension): the next socket duplicated to this process with
 * WSPDuplicateSocketWithMessage, oldest first, with the protocol info to import it and the
 * application's message (docs/provider.md section 9). Delivery does not import.
 */
import { withDeadline } from '@sanshare/internal';
import { WsaError, type DuplicateDelivery } from '@sanshare/protocol-info';
import { buildDuplicateInfo } from './build-protocol-info.js';
import { cookieTextOf, type PendingImport } from './pending-imports.js';
import type { ProviderState } from './provider-state.js';

export async function receiveDuplicate(state: ProviderState, signal?: AbortSignal, timeoutMs?: number): Promise<DuplicateDelivery> {
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 0)) {
    throw new WsaError('WSAEINVAL', `timeoutMs must be a non-negative integer, got ${String(timeoutMs)}`);
  }
  signal?.throwIfAborted();
  const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  for (;;) {
    if (state.cleanedUp) throw new WsaError('WSAENETDOWN', 'the provider was cleaned up (WSPCleanup)');
    const pending = state.pending.nextDelivery();
    if (pending !== undefined) return deliveryOf(state, pending);
    signal?.throwIfAborted();
    const left = deadline === undefined ? undefined : deadline - Date.now();
    if (left !== undefined && left <= 0) throw timedOut(timeoutMs);
    await nextArrival(state, signal, left, timeoutMs);
  }
}

/** The delivery of a pending import: the protocol info this process rebuilds for it, and the source's message. */
export function deliveryOf(state: ProviderState, pending: PendingImport): DuplicateDelivery {
  return {
    protocolInfo: buildDuplicateInfo(state.catalog, pending.socket, {
      exportId: pending.exportId,
      sourcePid: pending.sourcePid,
      targetPid: process.pid,
      socketCookie: cookieTextOf(pending),
      nonce: pending.nonce,
      expiresAtMs: pending.expiresAtMs,
    }),
    message: pending.appMessage ?? new Uint8Array(0),
    sourcePid: pending.sourcePid,
  };
}

function timedOut(timeoutMs: number | undefined): WsaError {
  return new WsaError('WSAETIMEDOUT', `no socket was duplicated to process ${process.pid} within ${String(timeoutMs)} ms`);
}

/**
 * Waits for a delivery to arrive (or WSPCleanup), rejecting when `signal` aborts (its reason) or
 * `left` ms pass (WSAETIMEDOUT). The deadline helper chains timers past Node's 2^31-1 ms cap, so
 * any `timeoutMs` is waited out in full.
 */
function nextArrival(state: ProviderState, signal: AbortSignal | undefined, left: number | undefined, timeoutMs: number | undefined): Promise<void> {
  return withDeadline<void>(
    { signal, timeoutMs: left },
    (resolve) => {
      // A caller waiting for a socket keeps the process alive, as a pending accept does (the
      // endpoint is otherwise unref'd); a timer does that by itself.
      const release = left === undefined ? state.receiver?.hold() : undefined;
      const cancel = state.pending.onDelivery(() => {
        release?.();
        resolve();
      });
      return () => {
        cancel();
        release?.();
      };
    },
    (expiry) => (expiry.timedOut ? timedOut(timeoutMs) : expiry.reason),
  );
}
