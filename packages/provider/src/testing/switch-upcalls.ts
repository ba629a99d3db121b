import { WsaError, type WspUpcallTable } from '@sanshare/protocol-info';

/**
 * The upcall table of a minimal switch, for a provider started without one (the peer process): it
 * mints switch descriptors of its own (from 1,000,000, far from any provider's, so that a mix-up
 * shows) and maps each to the provider context it was created for.
 */
export function createSwitchUpcalls(): WspUpcallTable {
  const contexts = new Map<number, number>();
  let next = 1_000_000;
  return {
    WPUCreateSocketHandle(_catalogEntryId, context) {
      const s = next++;
      contexts.set(s, context);
      return s;
    },
    WPUCloseSocketHandle(s) {
      if (!contexts.delete(s)) throw new WsaError('WSAENOTSOCK', `switch descriptor ${s} is unknown`);
    },
    WPUQuerySocketHandleContext(s) {
      const context = contexts.get(s);
      if (context === undefined) throw new WsaError('WSAENOTSOCK', `switch descriptor ${s} is unknown`);
      return context;
    },
  };
}
