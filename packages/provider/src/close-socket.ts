/**
 * WSPCloseSocket: closes this descriptor only. The kernel counts the socket's references, so the
 * peer sees no FIN while a duplicate lives in any process ("the underlying shared socket remains open
 * until WSPCloseSocket is called on the last remaining descriptor", WSPDuplicateSocket, remarks).
 */
import type { Socket } from '@sanshare/protocol-info';
import { assertNothingQueued, closeListening } from './listening-socket.js';
import type { ProviderState } from './provider-state.js';
import type { SocketEntry } from './socket-entry.js';

export async function closeSocket(state: ProviderState, s: Socket): Promise<void> {
  const { sockets } = state;
  const entry = sockets.require(s);
  // A listener's queue holds connections this process accepted: never dropped by a close (WSPCleanup drops them).
  if (entry.state === 'listening' && entry.listening !== undefined && !state.cleanedUp) assertNothingQueued(s, entry.listening, 'WSPCloseSocket');
  sockets.release(s);
  const previous = entry.state;
  entry.state = 'closed';
  // A WSPConnect still waiting for its peer fails now and closes its kernel socket.
  entry.cancelConnect?.();
  // Its outstanding duplications can no longer give it back: their read-ahead is dropped now, not when they settle.
  for (const duplicate of entry.outstanding) duplicate.readAhead = new Uint8Array(0);
  try {
    await closeEntry(state, entry, previous);
  } finally {
    sockets.unregister(entry);
  }
}

async function closeEntry(state: ProviderState, entry: SocketEntry, previous: SocketEntry['state']): Promise<void> {
  if (entry.stream !== undefined) {
    state.sharedOptions.unshare(entry.shared);
    await entry.stream.close();
  }
  if (previous === 'listening' && entry.listening !== undefined) closeListening(entry.listening);
}
