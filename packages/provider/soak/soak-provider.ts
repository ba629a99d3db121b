/** The catalog entry and the minimal switch upcalls both soak processes start their provider with. */
import { tcpProtocolInfo, type ProtocolInfo, type WspUpcallTable } from '@sanshare/protocol-info';

export function soakCatalogEntry(): ProtocolInfo {
  return tcpProtocolInfo({ providerId: '5a4e5348-0000-4000-8000-000000000001', szProtocol: 'sanshare TCP/IP (soak)', catalogEntryId: 1001 });
}

/** Switch descriptors counted from 100; no bookkeeping beyond what a provider needs back. */
export function soakUpcalls(): WspUpcallTable {
  let next = 100;
  return { WPUCreateSocketHandle: () => next++, WPUCloseSocketHandle: () => {}, WPUQuerySocketHandleContext: () => 0 };
}
