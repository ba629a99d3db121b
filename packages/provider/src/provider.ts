/**
 * The provider: one instance per `WSPStartup`. It builds the state its calls share (the socket
 * registry, the pending imports, the shared options, both ends of the hand-off protocol) and the
 * procedure table and extensions over it; each call is a function of that state in a file of its
 * own, named after what it does (connect-socket.ts, duplicate-socket.ts, import-socket.ts...).
 */
import type { ProtocolInfo, WspExtensions, WspProcTable, WspUpcallTable } from '@sanshare/protocol-info';
import { closeQuietly, getSocketCookie } from '@sanshare/transport-uds';
import { adoptDescriptors } from './adopt-descriptors.js';
import { guardCall, guardSyncCall } from './call-guard.js';
import { cleanupProvider } from './cleanup-provider.js';
import { closeSocket } from './close-socket.js';
import { connectSocket } from './connect-socket.js';
import { createSocket } from './create-socket.js';
import { adoptDescriptor, detachDescriptor } from './descriptor-bridge.js';
import { checkAppMessage, duplicateSocket } from './duplicate-socket.js';
import { duplicateSocketBatch } from './duplicate-socket-batch.js';
import { ExportReceiver } from './export-receiver.js';
import { ExportSender } from './export-sender.js';
import { acceptSocket, listenSocket } from './listening-socket.js';
import { importSocketBatch } from './import-socket-batch.js';
import { PendingImports } from './pending-imports.js';
import type { ResolvedProviderOptions } from './provider-options.js';
import type { ProviderState } from './provider-state.js';
import { receiveDuplicate } from './receive-duplicate.js';
import { receiveDuplicates } from './receive-duplicates.js';
import { endpointPath, ensureRuntimeDir } from './runtime-dir.js';
import { SharedOptionsTable } from './shared-options.js';
import { removeStaleEndpoints } from './stale-endpoints.js';
import { bindSocket, getPeerName, getSockName } from './socket-addresses.js';
import { getSocketOption, setSocketOption } from './socket-option-calls.js';
import { recvFromSocket, sendOnSocket, shutdownSocket } from './socket-io.js';
import { SocketRegistry } from './socket-registry.js';

/** The kernel descriptor of a connected or listening socket (`WSAEINVAL` for others, as `connected` says). */
function socketDescriptor(state: ProviderState, s: number): number {
  const entry = state.sockets.require(s);
  if (entry.state === 'listening' && entry.listening !== undefined) return entry.listening.fd;
  return state.sockets.connected(s).stream.fd;
}

export class Provider {
  readonly #state: ProviderState;

  constructor(options: ResolvedProviderOptions, catalog: ProtocolInfo, upcalls: WspUpcallTable) {
    const pending = new PendingImports({
      maxPending: options.maxPendingExports,
      maxPendingBytes: options.maxPendingBytes,
      importTimeoutMs: options.importTimeoutMs,
      // An expired import's descriptor, or every one at cleanup (already closed: nothing to release).
      closeFd: closeQuietly,
      pid: process.pid,
    });
    this.#state = {
      options,
      catalog,
      sockets: new SocketRegistry(options.maxSockets, upcalls, catalog.dwCatalogEntryId, pending),
      pending,
      sharedOptions: new SharedOptionsTable(),
      sender: new ExportSender(),
      receiver: undefined,
      cleanedUp: false,
    };
  }

  /** Checks the runtime directory, removes stale endpoints there, and opens the hand-off endpoint `<runtimeDir>/<pid>.sock`. */
  async start(): Promise<void> {
    const state = this.#state;
    const { options, pending, sockets } = state;
    ensureRuntimeDir(options.runtimeDir);
    await removeStaleEndpoints(options.runtimeDir, process.pid);
    state.receiver = await ExportReceiver.open({
      path: endpointPath(options.runtimeDir, process.pid),
      pending,
      hasRoom: (extra) => sockets.hasRoom(extra),
      maxPending: options.maxPendingExports,
      creditWindow: options.exportCredits,
      handoffTimeoutMs: options.handoffTimeoutMs,
    });
  }

  /** The procedure table, bound to this instance. */
  procTable(): WspProcTable {
    const state = this.#state;
    return {
      WSPSocket: (af, type, protocol, info, group, flags) => guardCall(state, () => createSocket(state, af, type, protocol, info, group, flags)),
      WSPBind: (s, name) => guardCall(state, async () => bindSocket(state, s, name)),
      WSPListen: (s, backlog) => guardCall(state, () => listenSocket(state, s, backlog)),
      WSPAccept: (s, options) => guardCall(state, () => acceptSocket(state, s, options?.signal), options?.signal),
      WSPConnect: (s, name, options) => guardCall(state, () => connectSocket(state, s, name, options?.signal, options?.timeoutMs), options?.signal),
      WSPSend: (s, data) => guardCall(state, () => sendOnSocket(state, s, data)),
      WSPRecv: (s, options) => guardCall(state, () => recvFromSocket(state, s, options), options?.signal),
      WSPShutdown: (s, how) => guardCall(state, () => shutdownSocket(state, s, how)),
      WSPSetSockOpt: (s, level, optname, value) => guardSyncCall(state, () => setSocketOption(state, s, level, optname, value)),
      WSPGetSockOpt: (s, level, optname) => guardSyncCall(state, () => getSocketOption(state, s, level, optname)),
      WSPGetSockName: (s) => guardSyncCall(state, () => getSockName(state, s)),
      WSPGetPeerName: (s) => guardSyncCall(state, () => getPeerName(state, s)),
      WSPCloseSocket: (s) => guardCall(state, () => closeSocket(state, s)),
      WSPDuplicateSocket: (s, pid) => guardCall(state, () => duplicateSocket(state, s, pid)),
      WSPCleanup: () => cleanupProvider(state),
    };
  }

  /** sanshare's extensions (protocol-info's `WspExtensions`), bound to this instance. */
  extensions(): WspExtensions {
    const state = this.#state;
    return {
      WSPAdoptDescriptor: (fd, readAhead) => guardCall(state, () => adoptDescriptor(state, fd, readAhead)),
      WSPAdoptDescriptors: (items) => guardCall(state, () => adoptDescriptors(state, items)),
      WSPDetachDescriptor: (s) => guardCall(state, () => detachDescriptor(state, s)),
      WSPGetSocketCookie: (s) => guardSyncCall(state, () => getSocketCookie(socketDescriptor(state, s))),
      WSPDuplicateSocketWithMessage: (s, pid, message) => guardCall(state, () => duplicateSocket(state, s, pid, checkAppMessage(message))),
      WSPReceiveDuplicate: (options) => guardCall(state, () => receiveDuplicate(state, options?.signal, options?.timeoutMs), options?.signal),
      WSPDuplicateSocketBatch: (items, pid, options) => guardCall(state, () => duplicateSocketBatch(state, items, pid, options), options?.signal),
      WSPReceiveDuplicates: (options) => guardCall(state, () => receiveDuplicates(state, options), options?.signal),
      WSPSocketBatch: (protocolInfos, flags) => guardCall(state, () => importSocketBatch(state, protocolInfos, flags)),
    };
  }
}
