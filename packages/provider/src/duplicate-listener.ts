/**
 * WSPDuplicateSocket on a listening socket (docs/provider.md "Listening sockets"; decision record
 * 0008). The kernel listener is one socket whatever process holds it, and its backlog goes to
 * whichever process accepts first, so the duplication first stops this process's accepting: Node's
 * `net.Server` accepts eagerly and cannot pause, and a source that kept accepting would take
 * connections meant for the target. The provider's own descriptor keeps the socket listening, so
 * connections that arrive meanwhile wait in the kernel's backlog for the target.
 *
 * Connections accepted here before that stay queued, this process's to take with WSPAccept (which
 * works on a handed-off listener until the queue is empty). A lapse (never imported) gives the
 * listener back: this process accepts again if it accepted before. A claim leaves this process the
 * descriptor, not accepting, until WSPCloseSocket: it may still be detached and listened on again
 * should the target fail, once the switch's access control allows it.
 */
import { WsaError, type ProtocolInfo, type Socket } from '@sanshare/protocol-info';
import { getSocketCookie } from '@sanshare/transport-uds';
import { exportedProtocolInfo } from './build-protocol-info.js';
import type { SocketEssentials } from './export-codec.js';
import { isHandedOff, startAccepting, stopAccepting } from './listening-socket.js';
import type { ProviderState } from './provider-state.js';
import { endpointPath } from './runtime-dir.js';
import type { ListeningEntry, OutstandingDuplicate } from './socket-entry.js';

const EMPTY = new Uint8Array(0);

/** One duplication of a listener, its turn come: stop accepting, export the descriptor, and the protocol info of the result. */
export async function handOffListener(
  state: ProviderState,
  s: Socket,
  entry: ListeningEntry,
  targetPid: number,
  appMessage: Uint8Array | undefined,
): Promise<ProtocolInfo> {
  if (state.sockets.get(s) !== entry || entry.state !== 'listening') throw new WsaError('WSAENOTSOCK', `socket ${s} was closed`);
  const { listening } = entry;
  if (listening.failure !== undefined) throw new WsaError('WSAEINVAL', `listening socket ${s} failed: ${listening.failure.message}`);
  // Counted before accepting stops: a WSPAccept woken by the stop must not start accepting again.
  listening.duplicating++;
  const wasAccepting = stopAccepting(listening);
  const socket: SocketEssentials = {
    addressFamily: entry.af,
    socketType: entry.type,
    protocol: entry.protocol,
    catalogEntryId: state.catalog.dwCatalogEntryId,
    listening: true,
  };
  // A listener carries no read-ahead; the order only ranks read-ahead given back.
  const duplicate: OutstandingDuplicate = { order: 0, exportId: 0, readAhead: EMPTY };
  try {
    const socketCookie = getSocketCookie(listening.fd);
    const result = await state.sender.exportSocket({
      endpoint: endpointPath(state.options.runtimeDir, targetPid),
      targetPid,
      fd: listening.fd,
      socketCookie,
      socket,
      options: { ...entry.shared.options },
      readAhead: EMPTY,
      appMessage,
      timeoutMs: state.options.handoffTimeoutMs,
      settle: (outcome, reason) => {
        if (state.sockets.get(s) !== entry) return;
        entry.duplications = entry.duplications.then(() => settleListener(state, s, entry, duplicate, targetPid, wasAccepting, outcome, reason)).catch(() => {});
      },
    });
    duplicate.exportId = result.exportId;
    entry.outstanding.add(duplicate);
    listening.duplicating--;
    return exportedProtocolInfo(state.catalog, socket, socketCookie, targetPid, result);
  } catch (error) {
    listening.duplicating--;
    // Nothing went: this process accepts again, as it did before (unless another duplicate is out).
    if (wasAccepting && !isHandedOff(entry) && entry.state === 'listening') resumeQuietly(entry);
    throw error;
  }
}

/**
 * How a duplication of a listener ended. Lapsed: once no other duplicate is out (nor claimed), the
 * listener is this process's again and accepts if it accepted before. Claimed: this process keeps
 * its descriptor, not accepting, until WSPCloseSocket. The switch hears of it either way.
 */
function settleListener(
  state: ProviderState,
  s: Socket,
  entry: ListeningEntry,
  duplicate: OutstandingDuplicate,
  targetPid: number,
  wasAccepting: boolean,
  outcome: 'claimed' | 'lapsed',
  reason: string,
): void {
  entry.outstanding.delete(duplicate);
  if (state.cleanedUp || state.sockets.get(s) !== entry || entry.state !== 'listening') return;
  if (outcome === 'claimed') entry.listening.claimed = true;
  else if (wasAccepting && !isHandedOff(entry)) resumeQuietly(entry);
  state.sockets.notifySettled(entry, { outcome, dwProcessId: targetPid, dwProviderReserved: duplicate.exportId, reason });
}

function resumeQuietly(entry: ListeningEntry): void {
  try {
    startAccepting(entry.listening);
  } catch (error) {
    // The listener itself failed: the next WSPAccept reports it.
    entry.listening.failure = error instanceof Error ? error : new Error(String(error));
  }
}
