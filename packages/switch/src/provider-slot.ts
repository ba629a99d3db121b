import type { CatalogEntry } from './catalog.js';
import type { SwitchDescriptor } from './descriptor-table.js';
import type { StartedProvider } from './load-provider.js';

/**
 * A loaded provider as the switch keeps it: what its `WSPStartup` returned, the catalog entries it
 * serves (entries naming the same module and options share one instance), and `id`, its index in the
 * switch, which keeps the access-control keys of two providers apart.
 */
export interface ProviderSlot extends StartedProvider {
  readonly id: number;
  readonly entries: CatalogEntry[];
  readonly providerModule: string;
}

/** A switch descriptor of this switch: the provider slot it belongs to and the provider's descriptor. */
export type Descriptor = SwitchDescriptor<ProviderSlot>;
