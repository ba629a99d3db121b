import { WINSOCK_VERSION_2_2, WsaError } from '@sanshare/protocol-info';
import { AccessControl } from './access-control.js';
import { DescriptorTable } from './descriptor-table.js';
import { DuplicationLedger } from './duplication-ledger.js';
import { SwitchError } from './errors.js';
import { loadProviderSlots } from './load-provider-slots.js';
import type { ProviderSlot } from './provider-slot.js';
import type { Switch, WsaStartupOptions } from './switch-api.js';
import { SwitchCore } from './switch-core.js';
import { switchFacade } from './switch-facade.js';
import { registerSwitch } from './switch-registry.js';

/**
 * Starts a switch: loads the provider of every catalog entry (entries naming the same module and
 * options share one provider instance, started once) and hands each the upcall table. A provider
 * that fails to load is listed in `loadFailures`; the others work. Rejects with `WsaError`
 * `WSAEINVAL` without a catalog, with `SwitchError` `WSAVERNOTSUPPORTED` when asked for a version
 * other than 2.2.
 */
export async function WSAStartup(options: WsaStartupOptions): Promise<Switch> {
  if (typeof options !== 'object' || options === null || typeof options.catalog?.list !== 'function') {
    throw new WsaError('WSAEINVAL', 'WSAStartup: options.catalog must be a catalog; make one with createCatalog()');
  }
  const versionRequested = options.versionRequested ?? WINSOCK_VERSION_2_2;
  if (versionRequested !== WINSOCK_VERSION_2_2) {
    throw new SwitchError('WSAVERNOTSUPPORTED', `WSAStartup: version 0x${Number(versionRequested).toString(16)} was requested, but this switch speaks 2.2 (0x0202) only; omit versionRequested or pass 0x0202`);
  }
  const table = new DescriptorTable<ProviderSlot>();
  const access = new AccessControl();
  const ledger = new DuplicationLedger(table, access);
  const { slots, failures } = await loadProviderSlots(options.catalog.list(), versionRequested, table, ledger);
  const core = new SwitchCore({ table, slots, failures, access, ledger });
  const sw = switchFacade(core);
  registerSwitch(sw, core);
  return sw;
}
