/**
 * WSPCloseSocket: closes this descriptor only. The kernel counts the socket's references, so the
 * peer sees no FIN while a duplicate lives in any process ("the underlying shared socket remains open
 * until WSPCloseSocket is called on the last remaining descriptor", WSPDuplicateSocket, remarks).
 */
import type { Socket } from '@sanshare/protocol-info';
import { closeListening } from './listening-socket.js';
import type { ProviderState } from './provider-state.js';
import type { SocketEntry } from './socket-entry.js';

export async function closeSocket(state: ProviderState, s: Socket): Promise<void> {
  const { sockets } = state;
  const entry = sockets.require(s);
  sockets.release(s);
  const previous = entry.state;
  entry.state = 'closed';
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
  if (previous === 'listening' && entry.listening !== undefined) await closeListening(entry.listening);
}
