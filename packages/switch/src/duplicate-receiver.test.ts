import type { DuplicateDelivery, ProtocolInfo } from '@sanshare/protocol-info';
import { isWsaError, WsaError } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { DuplicateReceiver, type ReceiveDuplicate, type ReceiveOptions } from './duplicate-receiver.js';

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

describe('DuplicateReceiver', () => {
  it('should fail with WSAEINVAL when no provider offers WSPReceiveDuplicate', async () => {
    const error = await new DuplicateReceiver([]).receive().catch((e: unknown) => e);
    expect(isWsaError(error, 'WSAEINVAL')).toBe(true);
  });

  it('should ask a single provider directly, with the caller options', async () => {
    const a = controllable();
    const receiver = new DuplicateReceiver([a.receive]);
    const got = receiver.receive({ timeoutMs: 50 });
    a.deliver('a1');
    expect(tagOf(await got)).toBe('a1');
    expect(a.seen).toEqual([{ timeoutMs: 50 }]);
  });

  it('should return the first of several providers, cancel the others, and keep a delivery a cancelled one still made', async () => {
    const [a, b] = [controllable(), controllable()];
    b.ignoreAbort = true; // its socket arrived in the same turn as the cancellation
    const receiver = new DuplicateReceiver([a.receive, b.receive]);
    const first = receiver.receive();
    a.deliver('a1');
    expect(tagOf(await first)).toBe('a1');
    expect(a.seen[0]?.signal?.aborted).toBe(true);
    b.deliver('b1');
    await Promise.resolve();
    // Kept, and handed out before anything else.
    expect(tagOf(await receiver.receive())).toBe('b1');
  });

  it('should fail with the first failure once every provider failed, and with the caller reason on abort', async () => {
    const timedOut = new WsaError('WSAETIMEDOUT', 'nothing came');
    const receiver = new DuplicateReceiver([() => Promise.reject(timedOut), () => Promise.reject(new WsaError('WSAETIMEDOUT', 'later'))]);
    expect(await receiver.receive({ timeoutMs: 1 }).catch((e: unknown) => e)).toBe(timedOut);
    const [a, b] = [controllable(), controllable()];
    const controller = new AbortController();
    const waiting = new DuplicateReceiver([a.receive, b.receive]).receive({ signal: controller.signal });
    const reason = new Error('caller gave up');
    controller.abort(reason);
    expect(await waiting.catch((e: unknown) => e)).toBe(reason);
  });
});
