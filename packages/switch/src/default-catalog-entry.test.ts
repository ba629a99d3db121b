import { AF, PFL, tcpProtocolInfo } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { SANSHARE_PROVIDER_ID } from './constants.js';
import { defaultCatalogEntries, defaultCatalogEntry } from './default-catalog-entry.js';
import { defaultProtocolInfo } from './default-protocol-info.js';

describe('defaultCatalogEntries', () => {
  it('should cover TCP over IPv4 and IPv6, served by one provider module with the same options', () => {
    const entries = defaultCatalogEntries('@sanshare/provider', { runtimeDir: '/run/x' });
    expect(entries.map((e) => e.protocolInfo.iAddressFamily)).toEqual([AF.INET, AF.INET6]);
    expect(new Set(entries.map((e) => JSON.stringify([e.providerModule, e.providerOptions]))).size).toBe(1);
    expect(defaultCatalogEntries()[0]).toEqual(defaultCatalogEntry('inet'));
  });
});

describe('defaultProtocolInfo', () => {
  it("should be protocol-info's TCP entry for sanshare's provider id, matching protocol 0", () => {
    expect(defaultProtocolInfo('inet6')).toEqual(
      tcpProtocolInfo({ providerId: SANSHARE_PROVIDER_ID, szProtocol: 'sanshare SAN TCP/IPv6', addressFamily: 'inet6', providerFlags: PFL.MATCHES_PROTOCOL_ZERO }),
    );
    expect(defaultProtocolInfo('inet').iMaxSockAddr).toBe(16);
  });
});
