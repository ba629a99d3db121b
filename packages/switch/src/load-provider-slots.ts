import type { DuplicateSettlement, WspUpcallTable } from '@sanshare/protocol-info';
import type { CatalogEntry } from './catalog.js';
import type { DescriptorTable } from './descriptor-table.js';
import type { DuplicationLedger } from './duplication-ledger.js';
import { SwitchError } from './errors.js';
import { reasonOf } from './explain.js';
import { loadProvider } from './load-provider.js';
import type { ProviderSlot } from './provider-slot.js';
import type { ProviderLoadFailure } from './switch-api.js';

/** A load failure as the switch keeps it: the public record plus the entry, whose protocol it names. */
export interface LoadFailureRecord extends ProviderLoadFailure {
  readonly entry: CatalogEntry;
}

/**
 * Loads the provider of every catalog entry. Entries naming the same module with the same options
 * share one provider instance, started once (with the first entry's protocol info), as Windows loads
 * a provider DLL once: sanshare's provider owns a per-process endpoint, so a second instance with
 * the same options could not even start. Each instance gets an upcall table bound to it: the
 * descriptor table's three upcalls and `WPUNotifyDuplicateSettled` into the ledger. A provider
 * that fails to load becomes one failure per entry it would have served; the others load.
 */
export async function loadProviderSlots(
  entries: readonly CatalogEntry[],
  versionRequested: number,
  table: DescriptorTable<ProviderSlot>,
  ledger: DuplicationLedger<ProviderSlot>,
): Promise<{ slots: ProviderSlot[]; failures: LoadFailureRecord[] }> {
  const groups = new Map<string, CatalogEntry[]>();
  for (const entry of entries) {
    const key = JSON.stringify([entry.providerModule, entry.providerOptions ?? {}]);
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  const slots: ProviderSlot[] = [];
  const failures: LoadFailureRecord[] = [];
  for (const group of groups.values()) {
    const first = group[0] as CatalogEntry;
    // The slot exists before WSPStartup runs: its upcall table is bound to it, and a provider may
    // create descriptors during its startup.
    const pending = { id: slots.length, entries: group, providerModule: first.providerModule } as ProviderSlot;
    const upcalls = {
      ...table.upcalls(
        pending,
        group.map((e) => e.catalogEntryId),
      ),
      WPUNotifyDuplicateSettled: (s: number, settlement: DuplicateSettlement) => ledger.settle(pending, s, settlement),
    } satisfies Required<WspUpcallTable>;
    try {
      Object.assign(pending, await loadProvider(first, upcalls, versionRequested));
      slots.push(pending);
    } catch (error) {
      const failure =
        error instanceof SwitchError
          ? error
          : new SwitchError('WSAEPROVIDERFAILEDINIT', `catalog entry ${first.catalogEntryId} (${first.providerModule}) failed to load: ${reasonOf(error)}; fix the provider`, { cause: error });
      for (const e of group) failures.push({ catalogEntryId: e.catalogEntryId, providerModule: e.providerModule, error: failure, entry: e });
    }
  }
  return { slots, failures };
}
