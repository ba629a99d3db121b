import type { DuplicateDelivery, ProtocolInfo } from '@sanshare/protocol-info';
import { isWsaError, WsaError } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { DuplicateReceiver, type DuplicateSource, type ReceiveDuplicate, type ReceiveManyOptions, type ReceiveOptions } from './duplicate-receiver.js';

// Providers' WSPReceiveDuplicate stand-ins: the real one is tested across processes in the
// provider package and through this class in test/duplicate-with-message.test.ts.
const delivery = (tag: string): DuplicateDelivery => ({ protocolInfo: { szProtocol: tag } as ProtocolInfo, message: new TextEncoder().encode(tag), sourcePid: 1 });

/** A provider whose next delivery the test releases; it honours the abort signal as the provider does. */
function controllable(): { receive: ReceiveDuplicate; deliver: (tag: string) => void; seen: ReceiveOptions[]; ignoreAbort: boolean } {
  const waiting: Array<(d: DuplicateDelivery) => void> = [];
  const state = {
    seen: [] as ReceiveOptions[],
    ignoreAbort: false,
    deliver: (tag: string) => waiting.shift()?.(delivery(tag)),
    receive: (options?: ReceiveOptions): Promise<DuplicateDelivery> => {
      state.seen.push(options ?? {});
      return new Promise<DuplicateDelivery>((resolve, reject) => {
        waiting.push(resolve);
        options?.signal?.addEventListener('abort', () => {
          if (!state.ignoreAbort) reject(options.signal?.reason);
        });
      });
    },
  };
  return state;
}

const tagOf = (d: DuplicateDelivery): string => d.protocolInfo.szProtocol;

/** A provider with WSPReceiveDuplicates: the test queues deliveries; a waiting call gets every one queued (at most `max`). */
function batching(ignoreMax = false): { source: DuplicateSource; queue: (...tags: string[]) => void; seen: ReceiveManyOptions[]; ignoreAbort: boolean } {
  const queued: DuplicateDelivery[] = [];
  const waiting: Array<() => void> = [];
  const state = {
    seen: [] as ReceiveManyOptions[],
    ignoreAbort: false,
    queue: (...tags: string[]) => {
      queued.push(...tags.map(delivery));
      waiting.shift()?.();
    },
    source: {
      one: () => Promise.reject(new Error('a batching provider is asked for many')),
      many: (options?: ReceiveManyOptions): Promise<DuplicateDelivery[]> => {
        state.seen.push(options ?? {});
        const take = (): DuplicateDelivery[] => queued.splice(0, ignoreMax ? Infinity : (options?.max ?? Infinity));
        if (queued.length > 0) return Promise.resolve(take());
        return new Promise<DuplicateDelivery[]>((resolve, reject) => {
          waiting.push(() => resolve(take()));
          options?.signal?.addEventListener('abort', () => {
            if (!state.ignoreAbort) reject(options.signal?.reason);
          });
        });
      },
    } satisfies DuplicateSource,
  };
  return state;
}

describe('DuplicateReceiver', () => {
  it('should fail with WSAEINVAL when no provider offers WSPReceiveDuplicate', async () => {
    const error = await new DuplicateReceiver([]).receive().catch((e: unknown) => e);
    expect(isWsaError(error, 'WSAEINVAL')).toBe(true);
  });

  it('should ask a single provider directly, with the caller options', async () => {
    const a = controllable();
    const receiver = new DuplicateReceiver([{ one: a.receive }]);
    const got = receiver.receive({ timeoutMs: 50 });
    a.deliver('a1');
    expect(tagOf(await got)).toBe('a1');
    expect(a.seen).toEqual([{ timeoutMs: 50 }]);
  });

  it('should return the first of several providers, cancel the others, and keep a delivery a cancelled one still made', async () => {
    const [a, b] = [controllable(), controllable()];
    b.ignoreAbort = true; // its socket arrived in the same turn as the cancellation
    const receiver = new DuplicateReceiver([{ one: a.receive }, { one: b.receive }]);
    const first = receiver.receive();
    a.deliver('a1');
    expect(tagOf(await first)).toBe('a1');
    expect(a.seen[0]?.signal?.aborted).toBe(true);
    // Kept, and handed out before anything else: to the next call, even one already waiting.
    const next = receiver.receive();
    b.deliver('b1');
    expect(tagOf(await next)).toBe('b1');
  });

  it('should fail with the first failure once every provider failed, and with the caller reason on abort', async () => {
    const timedOut = new WsaError('WSAETIMEDOUT', 'nothing came');
    const receiver = new DuplicateReceiver([{ one: () => Promise.reject(timedOut) }, { one: () => Promise.reject(new WsaError('WSAETIMEDOUT', 'later')) }]);
    expect(await receiver.receive({ timeoutMs: 1 }).catch((e: unknown) => e)).toBe(timedOut);
    const [a, b] = [controllable(), controllable()];
    const controller = new AbortController();
    const waiting = new DuplicateReceiver([{ one: a.receive }, { one: b.receive }]).receive({ signal: controller.signal });
    const reason = new Error('caller gave up');
    controller.abort(reason);
    expect(await waiting.catch((e: unknown) => e)).toBe(reason);
  });

  describe('receiveMany', () => {
    it('should take every delivery a WSPReceiveDuplicates gives, with the caller options', async () => {
      const a = batching();
      const receiver = new DuplicateReceiver([a.source]);
      const got = receiver.receiveMany({ timeoutMs: 50 });
      a.queue('a1', 'a2', 'a3');
      expect((await got).map(tagOf)).toEqual(['a1', 'a2', 'a3']);
      expect(a.seen).toEqual([{ timeoutMs: 50 }]);
    });

    it('should keep what a provider gave past max for the next call, of either kind', async () => {
      const a = batching(true);
      const receiver = new DuplicateReceiver([a.source]);
      a.queue('a1', 'a2', 'a3', 'a4');
      // A provider that ignores max: the switch still hands out at most max, and drops nothing.
      expect((await receiver.receiveMany({ max: 2 })).map(tagOf)).toEqual(['a1', 'a2']);
      expect(tagOf(await receiver.receive())).toBe('a3');
      expect((await receiver.receiveMany()).map(tagOf)).toEqual(['a4']);
    });

    it('should ask WSPReceiveDuplicate for one delivery where a provider offers no WSPReceiveDuplicates', async () => {
      const a = controllable();
      const receiver = new DuplicateReceiver([{ one: a.receive }]);
      const got = receiver.receiveMany({ max: 5, timeoutMs: 70 });
      a.deliver('a1');
      expect((await got).map(tagOf)).toEqual(['a1']);
      expect(a.seen).toEqual([{ timeoutMs: 70 }]);
    });

    it('should race several providers, and keep what a cancelled one still delivered', async () => {
      const a = batching();
      const b = controllable();
      b.ignoreAbort = true;
      const receiver = new DuplicateReceiver([a.source, { one: b.receive }]);
      const first = receiver.receiveMany({ max: 10 });
      a.queue('a1', 'a2');
      expect((await first).map(tagOf)).toEqual(['a1', 'a2']);
      expect(a.seen[0]?.max).toBe(10);
      expect(b.seen[0]?.signal?.aborted).toBe(true);
      const next = receiver.receiveMany();
      b.deliver('b1');
      expect((await next).map(tagOf)).toEqual(['b1']);
    });

    it('should refuse a max that is not a positive integer with WSAEINVAL', async () => {
      const receiver = new DuplicateReceiver([batching().source]);
      for (const max of [0, -1, 1.5, Number.NaN]) {
        expect(isWsaError(await receiver.receiveMany({ max }).catch((e: unknown) => e), 'WSAEINVAL')).toBe(true);
      }
    });

    it('should fail with WSAEINVALIDPROVIDER when WSPReceiveDuplicates resolves with nothing', async () => {
      const receiver = new DuplicateReceiver([{ one: () => Promise.reject(new Error('unused')), many: () => Promise.resolve([]) }]);
      expect(isWsaError(await receiver.receiveMany().catch((e: unknown) => e), 'WSAEINVALIDPROVIDER')).toBe(true);
    });
  });
});
