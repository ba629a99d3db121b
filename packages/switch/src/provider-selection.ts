import { FROM_PROTOCOL_INFO, PFL, SOCK, WsaError, type ProtocolInfo } from '@sanshare/protocol-info';
import type { CatalogEntry } from './catalog.js';
import { reasonOf } from './explain.js';
import type { LoadFailureRecord } from './load-provider-slots.js';
import type { ProviderSlot } from './provider-slot.js';

/** A loaded provider and the catalog entry of it that serves a call. */
export interface ProviderChoice {
  readonly slot: ProviderSlot;
  readonly entry: CatalogEntry;
}

/**
 * The first loaded entry, in catalog order, that `matches`. A walk rather than a list of every
 * (slot, entry) pair first: an import passes here for every socket that arrives.
 */
function firstEntry(slots: readonly ProviderSlot[], matches: (entry: CatalogEntry) => boolean): ProviderChoice | undefined {
  for (const slot of slots) {
    for (const entry of slot.entries) if (matches(entry)) return { slot, entry };
  }
  return undefined;
}

/** Whether a catalog entry's protocol serves `af`/`type`/`protocol` (protocol 0: an entry flagged `PFL_MATCHES_PROTOCOL_ZERO`). */
function serves(info: ProtocolInfo, af: number, type: number, protocol: number): boolean {
  return info.iAddressFamily === af && info.iSocketType === type && (info.iProtocol === protocol || (protocol === 0 && (info.dwProviderFlags & PFL.MATCHES_PROTOCOL_ZERO) !== 0));
}

/** Whether a catalog entry is the one a protocol info from another process names (same provider and protocol). */
function implementsInfo(entry: ProtocolInfo, info: ProtocolInfo): boolean {
  return entry.ProviderId === info.ProviderId && entry.iAddressFamily === info.iAddressFamily && entry.iSocketType === info.iSocketType && entry.iProtocol === info.iProtocol;
}

/**
 * The part of a "no loaded provider" message that says why: the catalog entries that would have
 * served the call but whose provider failed to load, each with its load error's reason in full, and
 * what to do. Without such entries: `otherwise`.
 */
function whyNoProvider(failed: readonly LoadFailureRecord[], otherwise: string): string {
  if (failed.length === 0) return otherwise;
  const each = failed.map((f) => {
    const where = `catalog entry ${f.catalogEntryId} (${f.providerModule})`;
    // The load error names the entry too (it is read alone in sw.loadFailures): once is enough here.
    return `${where} serves it but failed to load: ${reasonOf(f.error).replace(`${where}: `, '')}`;
  });
  return `${each.join('; ')}. Fix that, then start the switch again (sw.loadFailures lists every load failure)`;
}

/**
 * The provider and catalog entry `WSASocket` uses, as ws2_32 picks them.
 *
 * With a protocol info: the entry with its `dwCatalogEntryId` and `ProviderId`, else the entry of the
 * same provider and af/type/protocol (a protocol info from another process names that process's
 * catalog entry id, and two catalogs may number the same provider's entries differently). Without
 * one: the first entry with this address family and type whose protocol matches (protocol 0 matches
 * an entry flagged `PFL_MATCHES_PROTOCOL_ZERO`). Throws `WsaError` `WSAEINVAL` when none does (its
 * first line names the entries that would have served but failed to load, with their reason),
 * `WSAEFAULT` for a protocol info that is not an object.
 */
export function selectProvider(
  slots: readonly ProviderSlot[],
  failures: readonly LoadFailureRecord[],
  af: number,
  type: number,
  protocol: number,
  info: ProtocolInfo | null,
): ProviderChoice {
  if (info !== null) {
    if (typeof info !== 'object') throw new WsaError('WSAEFAULT', 'WSASocket: protocolInfo is not a protocol info');
    const byId = firstEntry(slots, (entry) => entry.catalogEntryId === info.dwCatalogEntryId && entry.protocolInfo.ProviderId === info.ProviderId);
    const match = byId ?? firstEntry(slots, (entry) => implementsInfo(entry.protocolInfo, info));
    if (match === undefined) {
      const failed = failures.filter((f) => implementsInfo(f.entry.protocolInfo, info));
      throw new WsaError(
        'WSAEINVAL',
        `WSASocket: no loaded provider implements the protocol info's catalog entry ${String(info.dwCatalogEntryId)} (${String(info.szProtocol)}, provider ${String(info.ProviderId)}): ${whyNoProvider(
          failed,
          "this process's catalog has no entry of that provider and protocol; install the same provider entry as the process that duplicated the socket",
        )}`,
      );
    }
    return match;
  }
  if (af === FROM_PROTOCOL_INFO || type === FROM_PROTOCOL_INFO || protocol === FROM_PROTOCOL_INFO) {
    throw new WsaError('WSAEINVAL', 'WSASocket: FROM_PROTOCOL_INFO needs a protocol info; pass the one WSADuplicateSocket returned');
  }
  const match = firstEntry(slots, (entry) => serves(entry.protocolInfo, af, type, protocol));
  if (match === undefined) {
    const failed = failures.filter((f) => serves(f.entry.protocolInfo, af, type, protocol));
    throw new WsaError(
      'WSAEINVAL',
      `WSASocket: no loaded provider for af ${af}, type ${type}, protocol ${protocol}: ${whyNoProvider(
        failed,
        'no catalog entry serves it; install one (defaultCatalogEntries covers TCP over IPv4 and IPv6)',
      )}`,
    );
  }
  return match;
}

/**
 * The provider (with the bridge extensions) and catalog entry that adopt a connected stream socket
 * of address family `af` (`adoptNetSocket`). Throws `WsaError` `WSAEINVAL` when no loaded provider
 * can (naming the entries that would have, had their provider loaded).
 */
export function providerForAdoption(slots: readonly ProviderSlot[], failures: readonly LoadFailureRecord[], af: number): ProviderChoice {
  for (const slot of slots) {
    if (slot.extensions === undefined) continue;
    const entry = slot.entries.find((e) => e.protocolInfo.iAddressFamily === af && e.protocolInfo.iSocketType === SOCK.STREAM);
    if (entry !== undefined) return { slot, entry };
  }
  const failed = failures.filter((f) => f.entry.protocolInfo.iAddressFamily === af && f.entry.protocolInfo.iSocketType === SOCK.STREAM);
  throw new WsaError(
    'WSAEINVAL',
    `adoptNetSocket: no loaded provider can adopt a stream socket of address family ${af}: ${whyNoProvider(
      failed,
      'install a catalog entry for it whose provider offers the extensions (WSPAdoptDescriptor), as defaultCatalogEntries does',
    )}`,
  );
}
