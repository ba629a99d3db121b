import { describe, expect, it } from 'vitest';
import { AccessControl } from './access-control.js';
import { MAX_UNSETTLED_DUPLICATIONS_PER_DESCRIPTOR } from './constants.js';
import { DescriptorTable } from './descriptor-table.js';
import { DuplicationLedger } from './duplication-ledger.js';
import type { DuplicateSettledEvent } from './switch-api.js';

describe('DuplicationLedger', () => {
  const provider = { name: 'p' };

  function setup(): { ledger: DuplicationLedger<typeof provider>; access: AccessControl; s: number; events: DuplicateSettledEvent[] } {
    const table = new DescriptorTable<typeof provider>();
    const access = new AccessControl();
    const ledger = new DuplicationLedger(table, access);
    const s = table.upcalls(provider, [1001]).WPUCreateSocketHandle(1001, 7);
    access.assign(s, 'k');
    const events: DuplicateSettledEvent[] = [];
    ledger.onSettled((e) => events.push(e));
    return { ledger, access, s, events };
  }

  it(`should follow at most ${MAX_UNSETTLED_DUPLICATIONS_PER_DESCRIPTOR} unsettled duplications of a descriptor, forgetting the oldest`, async () => {
    const { ledger, access, s, events } = setup();
    const count = MAX_UNSETTLED_DUPLICATIONS_PER_DESCRIPTOR + 1;
    for (let i = 1; i <= count; i++) {
      // Each one came back by an import (never reported) before the next went out.
      access.unlock('k');
      ledger.complete(ledger.begin(provider, s, 4242, access.lock('k')), i);
    }
    ledger.settle(provider, s, { outcome: 'claimed', dwProcessId: 4242, dwProviderReserved: 1, reason: 'forgotten' });
    ledger.settle(provider, s, { outcome: 'lapsed', dwProcessId: 4242, dwProviderReserved: count, reason: 'the newest' });
    expect(access.isLocked(s)).toBe(false);
    await Promise.resolve();
    expect(events.map((e) => e.reason)).toEqual(['the newest']);
  });

  it('should forget the duplications of a closed descriptor, and every listener on clear', async () => {
    const { ledger, access, s, events } = setup();
    ledger.complete(ledger.begin(provider, s, 4242, access.lock('k')), 5);
    ledger.forget(s);
    ledger.settle(provider, s, { outcome: 'lapsed', dwProcessId: 4242, dwProviderReserved: 5, reason: 'late' });
    expect(access.isLocked(s)).toBe(true);
    ledger.complete(ledger.begin(provider, s, 4242, access.lock('k')), 6);
    ledger.clear();
    ledger.complete(ledger.begin(provider, s, 4242, access.lock('k')), 7);
    ledger.settle(provider, s, { outcome: 'lapsed', dwProcessId: 4242, dwProviderReserved: 7, reason: 'nobody hears' });
    expect(access.isLocked(s)).toBe(false);
    await Promise.resolve();
    expect(events).toEqual([]);
  });
});
