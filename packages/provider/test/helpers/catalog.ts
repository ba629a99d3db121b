/** A catalog entry for the provider under test (what a switch would read from its catalog). */
import type { ProtocolInfo } from '@sanshare/protocol-info';

export const TEST_CATALOG_ENTRY_ID = 1001;

export function testCatalogEntry(): ProtocolInfo {
  return {
    dwServiceFlags1: 0x2 | 0x4 | 0x20 | 0x20000,
    dwServiceFlags2: 0,
    dwServiceFlags3: 0,
    dwServiceFlags4: 0,
    dwProviderFlags: 0,
    ProviderId: '5a4e5348-0000-4000-8000-000000000001',
    dwCatalogEntryId: TEST_CATALOG_ENTRY_ID,
    ProtocolChain: { chainLen: 1, chainEntries: [TEST_CATALOG_ENTRY_ID] },
    iVersion: 2,
    iAddressFamily: 2,
    iMaxSockAddr: 16,
    iMinSockAddr: 16,
    iSocketType: 1,
    iProtocol: 6,
    iProtocolMaxOffset: 0,
    iNetworkByteOrder: 0,
    iSecurityScheme: 0,
    dwMessageSize: 0,
    dwProviderReserved: 0,
    szProtocol: 'sanshare TCP/IP (test)',
  };
}
