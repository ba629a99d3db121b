import type { CatalogEntryInit } from './catalog.js';
import { DEFAULT_PROVIDER_MODULE } from './constants.js';
import { type DefaultAddressFamily, defaultProtocolInfo } from './default-protocol-info.js';

/**
 * A default TCP entry ready for `Catalog.install`: `defaultProtocolInfo(af)` implemented by
 * `providerModule` (default `'@sanshare/provider'`).
 */
export function defaultCatalogEntry(
  af: DefaultAddressFamily,
  providerModule: string = DEFAULT_PROVIDER_MODULE,
  providerOptions?: Record<string, unknown>,
): CatalogEntryInit {
  return providerOptions === undefined
    ? { protocolInfo: defaultProtocolInfo(af), providerModule }
    : { protocolInfo: defaultProtocolInfo(af), providerModule, providerOptions };
}

/**
 * The default catalog: TCP over IPv4 and over IPv6 (in that order), both implemented by
 * `providerModule` with the same options, so that one provider instance serves both. Both are
 * needed in practice: a Node server that listens on a port alone (`listen(port)`) listens on `::`
 * and accepts IPv4 clients as IPv6-mapped sockets (`::ffff:127.0.0.1`), which only an inet6 entry serves.
 */
export function defaultCatalogEntries(providerModule: string = DEFAULT_PROVIDER_MODULE, providerOptions?: Record<string, unknown>): CatalogEntryInit[] {
  return [defaultCatalogEntry('inet', providerModule, providerOptions), defaultCatalogEntry('inet6', providerModule, providerOptions)];
}
