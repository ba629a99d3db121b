/**
 * `WSPStartup`: the one entry point of a provider module. A switch loads this package by name and
 * calls it with its upcall table, as ws2_32 loads the provider DLL named in its catalog.
 */
import { WINSOCK_VERSION_2_2, WsaError, type ProtocolInfo, type WspStartup, type WspStartupResult, type WspUpcallTable } from '@sanshare/protocol-info';
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
 * malformed; `WSAEACCES` when the runtime directory is not private; `WSAENETDOWN` when the
 * endpoint cannot listen.
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
  await provider.start();
  return {
    version: PROVIDER_VERSION,
    highVersion: PROVIDER_VERSION,
    description: 'sanshare SAN service provider: TCP over real kernel sockets, WSPDuplicateSocket with SCM_RIGHTS',
    procTable: provider.procTable(),
    extensions: provider.extensions(),
  };
};
