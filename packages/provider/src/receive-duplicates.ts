/**
 * WSPReceiveDuplicates (an extension, protocol-info spi.ts): WSPReceiveDuplicate for many. Waits, as
 * WSPReceiveDuplicate does, until at least one socket duplicated to this process with a message is
 * there, then returns every one there at that moment, oldest first, at most `max`. A batch that
 * arrived in one transport message is stored whole before any receiver wakes, so one call returns it
 * whole (up to `max`).
 */
import { WsaError, type DuplicateDelivery } from '@sanshare/protocol-info';
import type { ProviderState } from './provider-state.js';
import { deliveryOf, receiveDuplicate } from './receive-duplicate.js';

export interface ReceiveDuplicatesOptions {
  max?: number;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export async function receiveDuplicates(state: ProviderState, options: ReceiveDuplicatesOptions = {}): Promise<DuplicateDelivery[]> {
  if (typeof options !== 'object' || options === null) throw new WsaError('WSAEINVAL', 'WSPReceiveDuplicates: options must be an object ({ max?, signal?, timeoutMs? })');
  const { max, signal, timeoutMs } = options;
  if (max !== undefined && (typeof max !== 'number' || !(Number.isInteger(max) || max === Infinity) || max < 1)) {
    throw new WsaError('WSAEINVAL', `WSPReceiveDuplicates: max must be a positive integer, got ${String(max)}`);
  }
  const limit = max ?? Infinity;
  // The first one as WSPReceiveDuplicate waits for it (timeout, signal, cleanup), then what else is there.
  const deliveries = [await receiveDuplicate(state, signal, timeoutMs)];
  while (deliveries.length < limit) {
    const pending = state.pending.nextDelivery();
    if (pending === undefined) break;
    deliveries.push(deliveryOf(state, pending));
  }
  return deliveries;
}
