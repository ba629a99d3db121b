/** The catalog entry of the provider under test (what a switch would read from its catalog). */
import { tcpProtocolInfo, type ProtocolInfo } from '@sanshare/protocol-info';

export const TEST_CATALOG_ENTRY_ID = 1001;

/** The one TCP/IPv4 entry of the tests and the bench, built as every sanshare package builds it. */
export function testCatalogEntry(): ProtocolInfo {
  return tcpProtocolInfo({
    providerId: '5a4e5348-0000-4000-8000-000000000001',
    szProtocol: 'sanshare TCP/IP (test)',
    catalogEntryId: TEST_CATALOG_ENTRY_ID,
  });
}
