import { join } from 'node:path';
import { PFL, tcpProtocolInfo } from '@sanshare/protocol-info';
import { defaultCatalogEntries, type CatalogEntryInit } from '../../src/index.js';

/** A provider the switch's suites run against, and the catalog entries that load it. */
export interface ProviderUnderTest {
  /** For the suites' titles. */
  readonly name: string;
  /** Whether it offers sanshare's extensions (a suite that needs them runs against it only). */
  readonly hasExtensions: boolean;
  /**
   * Whether it reports how duplications end (the optional upcall `WPUNotifyDuplicateSettled`): the
   * lapse suite (test/duplicate-lapse.test.ts) runs against the providers that do.
   */
  readonly reportsSettlements: boolean;
  /** Its catalog entries (TCP over IPv4 and IPv6), its endpoints in `runtimeDir`; `options` are added to its providerOptions. */
  entries(runtimeDir: string, options?: ProviderTestOptions): CatalogEntryInit[];
}

/** Provider options the suites set, by the names both providers use. */
export interface ProviderTestOptions {
  /** How long an unclaimed import lives, in ms. */
  importTimeoutMs?: number;
}

/** The module path of the minimal provider (test/fixtures/minimal-provider.ts). */
export const MINIMAL_PROVIDER_MODULE = join(import.meta.dirname, '../fixtures/minimal-provider.ts');

/** Its own provider id: a protocol info of one provider is never taken for the other's. */
export const MINIMAL_PROVIDER_ID = '6d696e69-6d61-4c00-8000-70726f766964';

/** sanshare's provider, as the default catalog installs it. */
export const SANSHARE_PROVIDER: ProviderUnderTest = {
  name: '@sanshare/provider',
  hasExtensions: true,
  // It calls WPUNotifyDuplicateSettled (claimed, and lapsed with the socket given back): the lapse
  // suite runs against it too.
  reportsSettlements: true,
  entries: (runtimeDir, options = {}) => defaultCatalogEntries('@sanshare/provider', { runtimeDir, ...options }),
};

/** A second provider written in the test: the procedure table only (test/fixtures/minimal-provider.ts). */
export const MINIMAL_PROVIDER: ProviderUnderTest = {
  name: 'the minimal test provider',
  hasExtensions: false,
  reportsSettlements: true,
  entries: (runtimeDir, options = {}) =>
    (['inet', 'inet6'] as const).map((addressFamily) => ({
      protocolInfo: tcpProtocolInfo({
        providerId: MINIMAL_PROVIDER_ID,
        szProtocol: `minimal TCP/${addressFamily === 'inet' ? 'IP' : 'IPv6'}`,
        addressFamily,
        providerFlags: PFL.MATCHES_PROTOCOL_ZERO,
      }),
      providerModule: MINIMAL_PROVIDER_MODULE,
      providerOptions: { runtimeDir, ...options },
    })),
};

/** Every provider the provider-neutral suites run against (`describe.each`). */
export const PROVIDERS: readonly ProviderUnderTest[] = [SANSHARE_PROVIDER, MINIMAL_PROVIDER];
