import { FROM_PROTOCOL_INFO, PFL, SOCK, WsaError, type ProtocolInfo } from '@sanshare/protocol-info';
import type { CatalogEntry } from './catalog.js';
import type { ProviderSlot } from './provider-slot.js';

/** A loaded provider and the catalog entry of it that serves a call. */
export interface ProviderChoice {
  readonly slot: ProviderSlot;
  readonly entry: CatalogEntry;
}

function candidatesOf(slots: readonly ProviderSlot[]): ProviderChoice[] {
  return slots.flatMap((slot) => slot.entries.map((entry) => ({ slot, entry })));
}

/**
 * The provider and catalog entry `WSASocket` uses, as ws2_32 picks them.
 *
 * With a protocol info: the entry with its `dwCatalogEntryId` and `ProviderId`, else the entry of the
 * same provider and af/type/protocol (a protocol info from another process names that process's
 * catalog entry id, and two catalogs may number the same provider's entries differently). Without
 * one: the first entry with this address family and type whose protocol matches (protocol 0 matches
 * an entry flagged `PFL_MATCHES_PROTOCOL_ZERO`). Throws `WsaError` `WSAEINVAL` when none does,
 * `WSAEFAULT` for a protocol info that is not an object.
 */
export function selectProvider(slots: readonly ProviderSlot[], af: number, type: number, protocol: number, info: ProtocolInfo | null): ProviderChoice {
  const candidates = candidatesOf(slots);
  if (info !== null) {
    if (typeof info !== 'object') throw new WsaError('WSAEFAULT', 'WSASocket: protocolInfo is not a protocol info');
    const byId = candidates.find((c) => c.entry.catalogEntryId === info.dwCatalogEntryId && c.entry.protocolInfo.ProviderId === info.ProviderId);
    const match =
      byId ??
      candidates.find(
        (c) =>
          c.entry.protocolInfo.ProviderId === info.ProviderId &&
          c.entry.protocolInfo.iAddressFamily === info.iAddressFamily &&
          c.entry.protocolInfo.iSocketType === info.iSocketType &&
          c.entry.protocolInfo.iProtocol === info.iProtocol,
      );
    if (match === undefined) {
      throw new WsaError('WSAEINVAL', `WSASocket: no loaded provider implements catalog entry ${info.dwCatalogEntryId} (${info.szProtocol}); install its provider in this process's catalog`);
    }
    return match;
  }
  if (af === FROM_PROTOCOL_INFO || type === FROM_PROTOCOL_INFO || protocol === FROM_PROTOCOL_INFO) {
    throw new WsaError('WSAEINVAL', 'WSASocket: FROM_PROTOCOL_INFO needs a protocol info; pass the one WSADuplicateSocket returned');
  }
  const match = candidates.find(
    (c) =>
      c.entry.protocolInfo.iAddressFamily === af &&
      c.entry.protocolInfo.iSocketType === type &&
      (c.entry.protocolInfo.iProtocol === protocol || (protocol === 0 && (c.entry.protocolInfo.dwProviderFlags & PFL.MATCHES_PROTOCOL_ZERO) !== 0)),
  );
  if (match === undefined) {
    throw new WsaError('WSAEINVAL', `WSASocket: no loaded provider for af ${af}, type ${type}, protocol ${protocol}; install a catalog entry for it (defaultCatalogEntries covers TCP over IPv4 and IPv6)`);
  }
  return match;
}

/**
 * The provider (with the bridge extensions) and catalog entry that adopt a connected stream socket
 * of address family `af` (`adoptNetSocket`). Throws `WsaError` `WSAEINVAL` when no loaded provider can.
 */
export function providerForAdoption(slots: readonly ProviderSlot[], af: number): ProviderChoice {
  for (const slot of slots) {
    if (slot.extensions === undefined) continue;
    const entry = slot.entries.find((e) => e.protocolInfo.iAddressFamily === af && e.protocolInfo.iSocketType === SOCK.STREAM);
    if (entry !== undefined) return { slot, entry };
  }
  throw new WsaError(
    'WSAEINVAL',
    `adoptNetSocket: no loaded provider can adopt a stream socket of address family ${af}; install a catalog entry for it whose provider offers the extensions (WSPAdoptDescriptor)`,
  );
}
