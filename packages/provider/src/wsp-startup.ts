/**
 * `WSPStartup`: the one entry point of a provider module. A switch loads this package by name and
 * calls it with its upcall table, as ws2_32 loads the provider DLL named in its catalog.
 */
import { WINSOCK_VERSION_2_2, WsaError, isWsaError, type ProtocolInfo, type WspStartup, type WspStartupResult, type WspUpcallTable } from '@sanshare/protocol-info';
import { PROVIDER_VERSION } from './constants.js';
import { Provider } from './provider.js';
import { resolveProviderOptions } from './provider-options.js';

function checkUpcalls(upcalls: WspUpcallTable): void {
  for (const name of ['WPUCreateSocketHandle', 'WPUCloseSocketHandle', 'WPUQuerySocketHandleContext'] as const) {
    if (typeof upcalls?.[name] !== 'function') throw new WsaError('WSAEINVAL', `the upcall table has no ${name}`);
  }
}

/**
 * Starts a provider instance: validates the request, opens its hand-off endpoint
 * `<runtimeDir>/<pid>.sock`, and returns the procedure table and the extensions.
 *
 * Throws `WsaError`: `WSAEINVAL` when `versionRequested` is not 2.2 (0x0202) (Winsock answers
 * WSAVERNOTSUPPORTED, which protocol-info's table does not have), when an argument or option is
 * malformed; `WSAEACCES` when the runtime directory is not this user's private directory (a symbolic
 * link, another owner, a mode other than 0700) or cannot be written; `WSAEADDRINUSE` when a live
 * provider or a file that is not a socket is at the endpoint's path; `WSAENETDOWN` when the endpoint
 * cannot listen for another reason. The first line of each says which path, what is wrong, and what to do.
 */
export const WSPStartup: WspStartup = async (
  versionRequested: number,
  protocolInfo: ProtocolInfo,
  upcalls: WspUpcallTable,
  options?: Record<string, unknown>,
): Promise<WspStartupResult> => {
  if (versionRequested !== WINSOCK_VERSION_2_2) {
    throw new WsaError('WSAEINVAL', `version 0x${Number(versionRequested).toString(16).padStart(4, '0')} is not supported (only 2.2, 0x0202)`);
  }
  if (typeof protocolInfo !== 'object' || protocolInfo === null || !Number.isInteger(protocolInfo.dwCatalogEntryId)) {
    throw new WsaError('WSAEINVAL', 'protocolInfo must be the catalog entry of this provider');
  }
  checkUpcalls(upcalls);
  const provider = new Provider(resolveProviderOptions(options), protocolInfo, upcalls);
  try {
    await provider.start();
  } catch (error) {
    // The first line says which call failed, then what and why (each start error names its path and fix).
    if (isWsaError(error)) {
      throw new WsaError(error.code, `WSPStartup: ${error.message.slice(error.code.length + 2)}`, error.cause === undefined ? undefined : { cause: error.cause });
    }
    throw new WsaError('WSAENETDOWN', `WSPStartup: the provider could not start: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return {
    version: PROVIDER_VERSION,
    highVersion: PROVIDER_VERSION,
    description: 'sanshare SAN service provider: TCP over real kernel sockets, WSPDuplicateSocket with SCM_RIGHTS',
    procTable: provider.procTable(),
    extensions: provider.extensions(),
  };
};
