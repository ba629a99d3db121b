/**
 * A minimal switch side for tests: the upcall table a switch hands to WSPStartup, minting switch
 * descriptors (distinct from the provider's, to catch any mix-up) and logging every call.
 */
import { WsaError, type DuplicateSettlement, type WspUpcallTable } from '@sanshare/protocol-info';

/** One call of the optional upcall WPUNotifyDuplicateSettled: the switch descriptor and what it was told. */
export interface SettlementSeen extends DuplicateSettlement {
  s: number;
}

export interface TestUpcalls extends WspUpcallTable {
  /** Switch descriptor -> the provider context (its own descriptor) it was created for. */
  readonly handles: Map<number, { catalogEntryId: number; context: number }>;
  readonly log: string[];
  /** Every WPUNotifyDuplicateSettled call, in order. */
  readonly settlements: SettlementSeen[];
}

export function createTestUpcalls(firstHandle = 10_000): TestUpcalls {
  const handles = new Map<number, { catalogEntryId: number; context: number }>();
  const log: string[] = [];
  const settlements: SettlementSeen[] = [];
  let next = firstHandle;
  return {
    handles,
    log,
    settlements,
    WPUNotifyDuplicateSettled(s, settlement) {
      if (!handles.has(s)) throw new WsaError('WSAENOTSOCK', `switch descriptor ${s} is unknown`);
      settlements.push({ s, ...settlement });
      log.push(`settled ${s} ${settlement.outcome} ${settlement.dwProviderReserved}`);
    },
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
