/**
 * A minimal switch side for tests: the upcall table a switch hands to WSPStartup, minting switch
 * descriptors (distinct from the provider's, to catch any mix-up) and logging every call.
 */
import { WsaError, type WspUpcallTable } from '@sanshare/protocol-info';

export interface TestUpcalls extends WspUpcallTable {
  /** Switch descriptor -> the provider context (its own descriptor) it was created for. */
  readonly handles: Map<number, { catalogEntryId: number; context: number }>;
  readonly log: string[];
}

export function createTestUpcalls(firstHandle = 10_000): TestUpcalls {
  const handles = new Map<number, { catalogEntryId: number; context: number }>();
  const log: string[] = [];
  let next = firstHandle;
  return {
    handles,
    log,
    WPUCreateSocketHandle(catalogEntryId, context) {
      const s = next++;
      handles.set(s, { catalogEntryId, context });
      log.push(`create ${s} ${catalogEntryId} ${context}`);
      return s;
    },
    WPUCloseSocketHandle(s) {
      if (!handles.delete(s)) throw new WsaError('WSAENOTSOCK', `switch descriptor ${s} is unknown`);
      log.push(`close ${s}`);
    },
    WPUQuerySocketHandleContext(s) {
      const handle = handles.get(s);
      if (handle === undefined) throw new WsaError('WSAENOTSOCK', `switch descriptor ${s} is unknown`);
      return handle.context;
    },
  };
}
