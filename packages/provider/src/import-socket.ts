/**
 * The import (WSPSocket with a duplicate's protocol info): claims the pending import the info
 * names, once, and makes it a provider socket. The spec: "The switch in a destination process calls
 * the SAN service provider's WSPSocket function to create a duplicate descriptor for the shared
 * underlying socket. The SAN service provider must call the switch's WPUCreateSocketHandle function"
 * (WSPDuplicateSocket, remarks). The checks are `PendingImports.find`'s (docs/provider.md section 7).
 */
import type { ProtocolInfo, Socket } from '@sanshare/protocol-info';
import type { ProviderState } from './provider-state.js';
import { newSocketEntry } from './socket-entry.js';
import { StreamSocket } from './stream-socket.js';

export async function importSocket(state: ProviderState, info: ProtocolInfo): Promise<Socket> {
  const { pending, sockets } = state;
  // Sent on an export credit, the socket may still be in the channel (the protocol info came by
  // another IPC, possibly faster): wait for it, as long as a hand-off may take.
  const exportId = info.exportContext?.exportId ?? info.dwProviderReserved;
  if (pending.isReserved(exportId)) await pending.arrival(exportId, state.options.handoffTimeoutMs);
  const found = pending.find(info);
  // The import's own slot is counted in `pending.held`: room for everything but it.
  sockets.requireRoom(-1);
  pending.take(found.exportId);
  const entry = newSocketEntry(found.socket.addressFamily, found.socket.socketType, found.socket.protocol);
  entry.state = 'stream';
  // The descriptor is wrapped in a net.Socket at its first use: handed straight on, it never is.
  const stream = new StreamSocket(found.fd, found.readAhead);
  entry.stream = stream;
  try {
    entry.shared = state.sharedOptions.share(entry.shared, found.fd, found.options, found.socketCookie);
    return sockets.register(entry);
  } catch (error) {
    await stream.close().catch(() => {});
    throw error;
  }
}
