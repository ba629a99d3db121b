/**
 * The import (WSPSocket with a duplicate's protocol info): claims the pending import the info
 * names, once, and makes it a provider socket: a connected one, or a listening one when the export
 * said so (WSPAccept works on it). The spec: "The switch in a destination process calls
 * the SAN service provider's WSPSocket function to create a duplicate descriptor for the shared
 * underlying socket. The SAN service provider must call the switch's WPUCreateSocketHandle function"
 * (WSPDuplicateSocket, remarks). The checks are `PendingImports.find`'s (docs/provider.md section 7).
 *
 * The source learns the outcome from a notice on the channel the socket came over (notice-writer.ts):
 * `claimed`, written before this call returns, or `lapsed` when the import fails after it was taken
 * (the descriptor is closed here, and the source takes the socket back).
 */
import { WsaError, type ProtocolInfo, type Socket } from '@sanshare/protocol-info';
import { closeQuietly } from '@sanshare/transport-uds';
import { closeSocket } from './close-socket.js';
import { newListeningState } from './listening-socket.js';
import type { PendingImport } from './pending-imports.js';
import type { ProviderState } from './provider-state.js';
import { knownAddresses } from './socket-addresses.js';
import { newSocketEntry } from './socket-entry.js';
import { StreamSocket } from './stream-socket.js';

/** The export id a protocol info names (its context's, or the native form's `dwProviderReserved`). */
export function exportIdOf(info: ProtocolInfo): number {
  return info.exportContext?.exportId ?? info.dwProviderReserved;
}

/**
 * Makes a found import a provider socket (`pending.find` checked it): takes it from the pending
 * imports and registers it. Synchronous, so that a batch opens each of its imports before the next
 * one is looked up (the same protocol info twice: the second finds nothing). On failure nobody holds
 * the socket any more: its descriptor is closed, its source told (lapsed), and the error thrown.
 */
export function openImport(state: ProviderState, found: PendingImport): Socket {
  const { pending, sockets } = state;
  // The import's own slot is counted in `pending.held`: room for everything but it.
  sockets.requireRoom(-1);
  pending.take(found.exportId);
  const entry = newSocketEntry(found.socket.addressFamily, found.socket.socketType, found.socket.protocol);
  // Read by the arrival check: the switch's access-control key asks for them right after this call.
  entry.addresses = knownAddresses(found.addresses, found.socket.listening === true);
  let stream: StreamSocket | undefined;
  if (found.socket.listening === true) {
    // A listener (checked on arrival: SO_ACCEPTCONN, bound, no peer): it accepts from its first WSPAccept on.
    entry.state = 'listening';
    entry.listening = newListeningState(found.fd);
  } else {
    entry.state = 'stream';
    // The descriptor is wrapped in a net.Socket at its first use: handed straight on, it never is.
    stream = new StreamSocket(found.fd, found.readAhead);
    entry.stream = stream;
  }
  let shared = false;
  try {
    if (stream !== undefined) {
      entry.shared = state.sharedOptions.share(entry.shared, found.fd, found.options, found.socketCookie);
      shared = true;
    }
    return sockets.register(entry);
  } catch (error) {
    if (shared) state.sharedOptions.unshare(entry.shared);
    // Nothing was written or read on it: closing an unwrapped stream closes its descriptor at once.
    if (stream !== undefined) void stream.close().catch(() => {});
    else closeQuietly(found.fd);
    // Nobody holds the socket here any more: its source takes it back.
    found.notices?.lapse(found.exportId);
    throw error;
  }
}

/** Why an import whose claim could not be written failed (its socket is closed here; the source takes it back). */
export function unconfirmed(found: PendingImport, error: unknown): WsaError {
  return new WsaError(
    'WSAEINVAL',
    `import ${found.exportId} could not be confirmed to process ${found.sourcePid}, which takes the socket back: ${error instanceof Error ? error.message : String(error)}; duplicate it again`,
    { cause: error },
  );
}

export async function importSocket(state: ProviderState, info: ProtocolInfo): Promise<Socket> {
  const { pending } = state;
  // Sent on an export credit, the socket may still be in the channel (the protocol info came by
  // another IPC, possibly faster): wait for it, as long as a hand-off may take.
  const exportId = exportIdOf(info);
  if (pending.isReserved(exportId)) await pending.arrival(exportId, state.options.handoffTimeoutMs);
  const found = pending.find(info);
  const s = openImport(state, found);
  if (found.notices === undefined) return s;
  try {
    await found.notices.claim(found.exportId);
  } catch (error) {
    // The channel could not carry the claim, so it ended with every import it brought: the source
    // reads end-of-file and takes this socket back. It must not live on here as well.
    await closeSocket(state, s).catch(() => {});
    throw unconfirmed(found, error);
  }
  if (state.cleanedUp) {
    // WSPCleanup ran while the claim was written: it closes every socket, this one too, so the
    // caller must not get its number (it would name nothing). Closed here unless cleanup did already.
    await closeSocket(state, s).catch(() => {});
    throw new WsaError('WSAENETDOWN', 'the provider was cleaned up (WSPCleanup) while this import waited for its claim; start a new one with WSPStartup');
  }
  return s;
}
