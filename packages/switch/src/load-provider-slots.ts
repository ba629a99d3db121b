import type { CatalogEntry } from './catalog.js';
import type { DescriptorTable } from './descriptor-table.js';
import { SwitchError } from './errors.js';
import { loadProvider } from './load-provider.js';
import type { ProviderSlot } from './provider-slot.js';
import type { ProviderLoadFailure } from './switch-api.js';

/**
 * Loads the provider of every catalog entry. Entries naming the same module with the same options
 * share one provider instance, started once (with the first entry's protocol info), as Windows loads
 * a provider DLL once: sanshare's provider owns a per-process endpoint, so a second instance with
 * the same options could not even start. Each instance gets an upcall table bound to it. A provider
 * that fails to load becomes one failure per entry it would have served; the others load.
 */
export async function loadProviderSlots(
  entries: readonly CatalogEntry[],
  versionRequested: number,
  table: DescriptorTable<ProviderSlot>,
): Promise<{ slots: ProviderSlot[]; failures: ProviderLoadFailure[] }> {
  const groups = new Map<string, CatalogEntry[]>();
  for (const entry of entries) {
    const key = JSON.stringify([entry.providerModule, entry.providerOptions ?? {}]);
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  const slots: ProviderSlot[] = [];
  const failures: ProviderLoadFailure[] = [];
  for (const group of groups.values()) {
    const first = group[0] as CatalogEntry;
    // The slot exists before WSPStartup runs: its upcall table is bound to it, and a provider may
    // create descriptors during its startup.
    const pending = { id: slots.length, entries: group, providerModule: first.providerModule } as ProviderSlot;
    const upcalls = table.upcalls(
      pending,
      group.map((e) => e.catalogEntryId),
    );
    try {
      Object.assign(pending, await loadProvider(first, upcalls, versionRequested));
      slots.push(pending);
    } catch (error) {
      const failure = error instanceof SwitchError ? error : new SwitchError('WSAEPROVIDERFAILEDINIT', String(error), { cause: error });
      for (const e of group) failures.push({ catalogEntryId: e.catalogEntryId, providerModule: e.providerModule, error: failure });
    }
  }
  return { slots, failures };
}
