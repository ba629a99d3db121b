/**
 * WSPCleanup: the endpoint closes (no process can hand this one a socket any more), then every
 * channel to other endpoints, every unclaimed import and every socket; every later call fails with
 * WSAENETDOWN.
 */
import { closeSocket } from './close-socket.js';
import type { ProviderState } from './provider-state.js';

export async function cleanupProvider(state: ProviderState): Promise<void> {
  if (state.cleanedUp) return;
  state.cleanedUp = true;
  await state.receiver?.close();
  await state.sender.closeAll();
  state.pending.closeAll();
  const closing: Promise<void>[] = [];
  for (const [s] of [...state.sockets.entries()]) closing.push(closeSocket(state, s).catch(() => {}));
  await Promise.all(closing);
}
