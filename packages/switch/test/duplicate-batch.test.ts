import { AF, IPPROTO, SOCK, isWsaError, type DuplicateBatchResult, type DuplicateDelivery, type ProtocolInfo } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { defaultProtocolInfo, type DuplicateSettledEvent, type Switch } from '../src/index.js';
import type { BatchStubState } from './fixtures/batch-provider.js';
import { useBatchStubSwitch } from './helpers/batch-stub-switch.js';
import { rejection } from '@sanshare/internal/testing';

const TARGET = 4242;
const MAX_MESSAGE = 64 * 1024;


/** Waits (bounded by the test's timeout) until `condition` holds, a macrotask at a time. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise<void>((resolve) => setImmediate(resolve));
}

const codeOf = (result: DuplicateBatchResult | undefined): string => (result?.error === undefined ? 'ok' : result.error.code);

describe('WSADuplicateSocketBatch and WSAReceiveDuplicates (stub providers in this process)', () => {
  const start = useBatchStubSwitch();
  let nextPort = 41000;

  /** A connected socket of the provider `state` (IPv4 or IPv6), its address pair unique in this file. */
  async function connected(s: Switch, state: BatchStubState, af: number = AF.INET): Promise<number> {
    const d = await s.socket(af, SOCK.STREAM, IPPROTO.TCP);
    const port = nextPort++;
    state.names.set(s.providerSocketOf(d), { local: { address: '127.0.0.1', port }, peer: { address: '127.0.0.1', port: 80 } });
    return d;
  }

  async function many(s: Switch, state: BatchStubState, count: number, af: number = AF.INET): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(await connected(s, state, af));
    return out;
  }

  const reservedOf = (s: Switch, state: BatchStubState, d: number): number | undefined => state.reserved.get(s.providerSocketOf(d));

  describe('with providers that offer WSPDuplicateSocketBatch', () => {
    it('should duplicate each provider\'s items in one batch call and return one result per item, in order', async () => {
      const { s, v4, v6 } = await start(['batch', 'batch']);
      const [a0, a1, a2] = await many(s, v4, 3);
      const [b0, b1] = await many(s, v6, 2, AF.INET6);
      const items = [{ s: a0 as number }, { s: b0 as number }, { s: a1 as number }, { s: b1 as number, message: 'for b1' }, { s: a2 as number, message: new TextEncoder().encode('for a2') }];
      const results = await s.WSADuplicateSocketBatch(items, TARGET, { timeoutMs: 5000 });

      expect(results.map(codeOf)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
      // One call per provider, its items in the batch's order, with the provider's own descriptors.
      expect(v4.batchCalls).toEqual([{ contexts: [a0, a1, a2].map((d) => s.providerSocketOf(d as number)), messages: [undefined, undefined, 'for a2'], dwProcessId: TARGET, options: { timeoutMs: 5000 } }]);
      expect(v6.batchCalls).toEqual([{ contexts: [b0, b1].map((d) => s.providerSocketOf(d as number)), messages: [undefined, 'for b1'], dwProcessId: TARGET, options: { timeoutMs: 5000 } }]);
      expect(v4.singles).toEqual([]);
      expect(v6.singles).toEqual([]);
      // Each result is its own socket's protocol info.
      const expected = [reservedOf(s, v4, a0 as number), reservedOf(s, v6, b0 as number), reservedOf(s, v4, a1 as number), reservedOf(s, v6, b1 as number), reservedOf(s, v4, a2 as number)];
      expect(results.map((r) => r.protocolInfo?.dwProviderReserved)).toEqual(expected);
      expect(new Set(expected).size).toBe(5);
      for (const item of items) expect(s.isHandedOff(item.s)).toBe(true);
    });

    it('should pass no timeoutMs for Infinity and the caller\'s signal as is', async () => {
      const { s, v4 } = await start(['batch', 'batch']);
      const d = await connected(s, v4);
      const controller = new AbortController();
      await s.WSADuplicateSocketBatch([{ s: d }], TARGET, { timeoutMs: Infinity, signal: controller.signal });
      expect(v4.batchCalls[0]?.options).toEqual({ signal: controller.signal });
    });

    it('should lock every socket before any provider starts, and unlock the items that failed only', async () => {
      const { s, v4, v6 } = await start(['batch', 'batch']);
      const a = await many(s, v4, 3);
      const b = await many(s, v6, 2, AF.INET6);
      const all = [...a, ...b];
      const seenAtStart: boolean[][] = [];
      v4.onDuplicateStart = () => seenAtStart.push(all.map((d) => s.isHandedOff(d)));
      v6.onDuplicateStart = v4.onDuplicateStart;
      v4.failContexts.add(s.providerSocketOf(a[1] as number));
      const results = await s.WSADuplicateSocketBatch(all.map((d) => ({ s: d })), TARGET);

      expect(seenAtStart).toEqual([all.map(() => true), all.map(() => true)]);
      expect(results.map(codeOf)).toEqual(['ok', 'WSAECONNRESET', 'ok', 'ok', 'ok']);
      expect(all.map((d) => s.isHandedOff(d))).toEqual([true, false, true, true, true]);
      expect(await s.send(a[1] as number, 'still mine')).toBe(10);
      expect(isWsaError(await rejection(s.send(a[0] as number, 'gone')), 'WSAEACCES')).toBe(true);
    });

    it('should give each faulty item its own error, lock none of them, and duplicate the others', async () => {
      const { s, v4 } = await start(['batch', 'batch']);
      const [ok0, big, notBytes, exact, locked, first, second] = await many(s, v4, 7);
      await s.WSADuplicateSocket(locked as number, TARGET);
      // A second descriptor of `first`'s socket: the same address pair.
      v4.names.set(s.providerSocketOf(second as number), v4.names.get(s.providerSocketOf(first as number))!);
      const items = [
        { s: ok0 as number },
        42 as unknown as { s: number },
        { s: 999_999 },
        { s: ok0 as number },
        { s: locked as number },
        { s: big as number, message: new Uint8Array(MAX_MESSAGE + 1) },
        { s: notBytes as number, message: 123 as unknown as string },
        { s: exact as number, message: new Uint8Array(MAX_MESSAGE) },
        { s: first as number },
        { s: second as number },
      ];
      const results = await s.WSADuplicateSocketBatch(items, TARGET);

      expect(results.map(codeOf)).toEqual(['ok', 'WSAEFAULT', 'WSAENOTSOCK', 'WSAEINVAL', 'WSAEACCES', 'WSAEMSGSIZE', 'WSAEFAULT', 'ok', 'ok', 'WSAEACCES']);
      // Each first line says which item, what failed and what to do.
      expect(results[3]?.error?.message).toMatch(/^WSAEINVAL: WSADuplicateSocketBatch \(item 3\): socket \d+ is item 0 of this batch already; a socket goes once per batch$/);
      expect(results[5]?.error?.message).toMatch(/^WSAEMSGSIZE: WSADuplicateSocketBatch \(item 5\): a message of 65537 bytes exceeds the limit of 65536 bytes; /);
      // Only the items that passed reached the provider.
      expect(v4.batchCalls).toHaveLength(1);
      expect(v4.batchCalls[0]?.contexts).toEqual([ok0, exact, first].map((d) => s.providerSocketOf(d as number)));
      expect([big, notBytes].map((d) => s.isHandedOff(d as number))).toEqual([false, false]);
      expect([ok0, exact, first, second].map((d) => s.isHandedOff(d as number))).toEqual([true, true, true, true]);
    });

    it('should match each item\'s settlement to its own duplication', async () => {
      const { s, v4 } = await start(['batch', 'batch']);
      const [d0, d1, d2] = await many(s, v4, 3);
      // d2's duplication lapses before the batch call returns: held, and matched once it does.
      v4.settleDuring.set(s.providerSocketOf(d2 as number), 'lapsed');
      const events: DuplicateSettledEvent[] = [];
      s.onDuplicateSettled((event) => events.push(event));
      const results = await s.WSADuplicateSocketBatch([{ s: d0 as number }, { s: d1 as number }, { s: d2 as number }], TARGET);
      expect(results.map(codeOf)).toEqual(['ok', 'ok', 'ok']);
      expect([d0, d1, d2].map((d) => s.isHandedOff(d as number))).toEqual([true, true, false]);

      const report = (d: number, outcome: 'claimed' | 'lapsed', info: ProtocolInfo): void =>
        v4.upcalls?.WPUNotifyDuplicateSettled?.(d, { outcome, dwProcessId: TARGET, dwProviderReserved: info.dwProviderReserved, reason: `the test says ${outcome}` });
      // d0's info reported for d1 matches nothing; d1's own lapse lifts d1's lock only.
      report(d1 as number, 'lapsed', results[0]?.protocolInfo as ProtocolInfo);
      expect(s.isHandedOff(d1 as number)).toBe(true);
      report(d1 as number, 'lapsed', results[1]?.protocolInfo as ProtocolInfo);
      report(d0 as number, 'claimed', results[0]?.protocolInfo as ProtocolInfo);
      expect([d0, d1, d2].map((d) => s.isHandedOff(d as number))).toEqual([true, false, false]);
      await until(() => events.length === 3);
      expect(events.map((e) => [e.s, e.outcome, e.dwProviderReserved])).toEqual([
        [d2, 'lapsed', results[2]?.protocolInfo?.dwProviderReserved],
        [d1, 'lapsed', results[1]?.protocolInfo?.dwProviderReserved],
        [d0, 'claimed', results[0]?.protocolInfo?.dwProviderReserved],
      ]);
    });

    it('should fail and unlock every item of a provider whose batch call rejects, and no other', async () => {
      const { s, v4, v6 } = await start(['batch', 'batch']);
      const [a0, a1] = await many(s, v4, 2);
      const [b0] = await many(s, v6, 1, AF.INET6);
      v4.answer = () => {
        throw new (class extends Error {})('not a WsaError');
      };
      const results = await s.WSADuplicateSocketBatch([{ s: a0 as number }, { s: b0 as number }, { s: a1 as number }], TARGET);
      expect(results.map(codeOf)).toEqual(['WSAEINVALIDPROVIDER', 'ok', 'WSAEINVALIDPROVIDER']);
      expect(results[0]?.error?.message).toContain('not a WsaError');
      expect(results[0]?.error?.message).toContain('is still this process');
      expect([a0, b0, a1].map((d) => s.isHandedOff(d as number))).toEqual([false, true, false]);
    });

    it('should keep the sockets locked with WSAEINVALIDPROVIDER when a provider answers a batch wrongly', async () => {
      const { s, v4 } = await start(['batch', 'batch']);
      const [d0, d1, d2, d3] = await many(s, v4, 4);
      v4.answer = () => [{ protocolInfo: { ...defaultProtocolInfo('inet'), dwProviderReserved: 7 } }];
      const short = await s.WSADuplicateSocketBatch([{ s: d0 as number }, { s: d1 as number }], TARGET);
      expect(short.map(codeOf)).toEqual(['WSAEINVALIDPROVIDER', 'WSAEINVALIDPROVIDER']);
      expect(short[0]?.error?.message).toContain('resolved with 1 results for 2 items');
      v4.answer = () => [{ protocolInfo: { ...defaultProtocolInfo('inet'), dwProviderReserved: 8 } }, { nothing: true }];
      const odd = await s.WSADuplicateSocketBatch([{ s: d2 as number }, { s: d3 as number }], TARGET);
      expect(odd.map(codeOf)).toEqual(['ok', 'WSAEINVALIDPROVIDER']);
      // Whether those sockets went is unknown: they stay handed off until closed.
      expect([d0, d1, d2, d3].map((d) => s.isHandedOff(d as number))).toEqual([true, true, true, true]);
      await s.closesocket(d3 as number);
    });
  });

  describe('the call\'s own faults', () => {
    it('should reject the whole call, reaching no provider and locking nothing', async () => {
      const { s, v4 } = await start(['batch', 'message']);
      const d = await connected(s, v4);
      const expectReject = async (promise: Promise<unknown>, code: string, first: RegExp): Promise<void> => {
        const error = await rejection(promise);
        expect(isWsaError(error)).toBe(true);
        expect((error as { code: string }).code).toBe(code);
        expect((error as Error).message).toMatch(first);
      };
      await expectReject(s.WSADuplicateSocketBatch({ s: d } as never, TARGET), 'WSAEINVAL', /^WSAEINVAL: WSADuplicateSocketBatch: items must be an array of \{ s, message\? \}, got object$/);
      await expectReject(s.WSADuplicateSocketBatch([{ s: d }], -1), 'WSAEINVAL', /process id -1 is not in 0\.\.0xFFFFFFFF/);
      await expectReject(s.WSADuplicateSocketBatch([{ s: d }], TARGET, { timeoutMs: -5 }), 'WSAEINVAL', /options\.timeoutMs must be a non-negative number/);
      await expectReject(s.WSADuplicateSocketBatch([{ s: d }], TARGET, 'soon' as never), 'WSAEINVAL', /options must be an object/);
      const reason = new Error('the caller gave up first');
      expect(await rejection(s.WSADuplicateSocketBatch([{ s: d }], TARGET, { signal: AbortSignal.abort(reason) }))).toBe(reason);
      expect(v4.batchCalls).toEqual([]);
      expect(s.isHandedOff(d)).toBe(false);
      expect(await s.WSADuplicateSocketBatch([], TARGET)).toEqual([]);
      await s.WSACleanup();
      await expectReject(s.WSADuplicateSocketBatch([{ s: d }], TARGET), 'WSAENETDOWN', /WSACleanup has been called/);
    });
  });

  describe('with providers without WSPDuplicateSocketBatch (the fallback)', () => {
    it('should duplicate one socket at a time, at most 32 at once, with results in item order', async () => {
      const { s, v4 } = await start(['message', 'message']);
      const sockets = await many(s, v4, 100);
      let open!: () => void;
      v4.gate = new Promise<void>((resolve) => (open = resolve));
      const items = sockets.map((d, i) => (i % 3 === 0 ? { s: d, message: `m${i}` } : { s: d }));
      const pending = s.WSADuplicateSocketBatch(items, TARGET);
      await until(() => v4.inFlight === 32);
      // The 32 that started are the first 32 items, each with its own call.
      expect(v4.singles.map((x) => x.context)).toEqual(sockets.slice(0, 32).map((d) => s.providerSocketOf(d)));
      open();
      const results = await pending;
      expect(v4.maxInFlight).toBe(32);
      expect(v4.singles).toHaveLength(100);
      expect(v4.singles.filter((x) => x.message !== undefined).map((x) => x.message)).toEqual(items.filter((x) => 'message' in x).map((x) => x.message));
      expect(results.map((r) => r.protocolInfo?.dwProviderReserved)).toEqual(sockets.map((d) => reservedOf(s, v4, d)));
      expect(sockets.every((d) => s.isHandedOff(d))).toBe(true);
    });

    it('should group a mixed batch: one batch call for the provider that offers it, single duplications for the other', async () => {
      const { s, v4, v6 } = await start(['batch', 'message']);
      const a = await many(s, v4, 3);
      const b = await many(s, v6, 3, AF.INET6);
      v6.failContexts.add(s.providerSocketOf(b[1] as number));
      const order = [a[0], b[0], b[1], a[1], b[2], a[2]] as number[];
      const results = await s.WSADuplicateSocketBatch(
        order.map((d) => ({ s: d })),
        TARGET,
      );
      expect(results.map(codeOf)).toEqual(['ok', 'ok', 'WSAECONNRESET', 'ok', 'ok', 'ok']);
      expect(v4.batchCalls.map((c) => c.contexts)).toEqual([a.map((d) => s.providerSocketOf(d))]);
      expect(v6.singles.map((x) => x.context)).toEqual(b.map((d) => s.providerSocketOf(d)));
      expect(order.map((d) => s.isHandedOff(d))).toEqual([true, true, false, true, true, true]);
    });

    it('should start no more duplications once the signal is aborted, and leave those sockets here', async () => {
      const { s, v4 } = await start(['message', 'message']);
      const sockets = await many(s, v4, 40);
      let open!: () => void;
      v4.gate = new Promise<void>((resolve) => (open = resolve));
      const controller = new AbortController();
      const pending = s.WSADuplicateSocketBatch(
        sockets.map((d) => ({ s: d })),
        TARGET,
        { signal: controller.signal },
      );
      await until(() => v4.inFlight === 32);
      controller.abort(new Error('stop'));
      open();
      const results = await pending;
      expect(results.map(codeOf)).toEqual([...Array<string>(32).fill('ok'), ...Array<string>(8).fill('WSAECONNABORTED')]);
      expect(results[39]?.error?.message).toContain('the batch was cancelled');
      expect(v4.singles).toHaveLength(32);
      expect(sockets.map((d) => s.isHandedOff(d))).toEqual([...Array<boolean>(32).fill(true), ...Array<boolean>(8).fill(false)]);
    });

    it('should start no more duplications after WSACleanup, failing those items with WSAENETDOWN', async () => {
      const { s, v4 } = await start(['message', 'message']);
      const sockets = await many(s, v4, 40);
      let open!: () => void;
      v4.gate = new Promise<void>((resolve) => (open = resolve));
      const pending = s.WSADuplicateSocketBatch(
        sockets.map((d) => ({ s: d })),
        TARGET,
      );
      await until(() => v4.inFlight === 32);
      await s.WSACleanup();
      open();
      const results = await pending;
      expect(results.slice(32).map(codeOf)).toEqual(Array<string>(8).fill('WSAENETDOWN'));
      expect(v4.singles).toHaveLength(32);
    });

    it('should fail an item with a message with WSAEINVAL when its provider has no WSPDuplicateSocketWithMessage', async () => {
      const { s, v4 } = await start(['none', 'none']);
      const [d0, d1] = await many(s, v4, 2);
      const results = await s.WSADuplicateSocketBatch([{ s: d0 as number, message: 'hello' }, { s: d1 as number }], TARGET);
      expect(results.map(codeOf)).toEqual(['WSAEINVAL', 'ok']);
      expect(results[0]?.error?.message).toContain('does not offer WSPDuplicateSocketWithMessage');
      expect(s.isHandedOff(d0 as number)).toBe(false);
      expect(v4.singles.map((x) => x.context)).toEqual([s.providerSocketOf(d1 as number)]);
    });
  });

  describe('WSAReceiveDuplicates', () => {
    const delivery = (tag: string): DuplicateDelivery => ({ protocolInfo: { ...defaultProtocolInfo('inet'), szProtocol: tag }, message: new TextEncoder().encode(tag), sourcePid: 1 });
    const tags = (deliveries: DuplicateDelivery[]): string[] => deliveries.map((d) => d.protocolInfo.szProtocol);

    it('should take every socket a WSPReceiveDuplicates has, and one from a provider with WSPReceiveDuplicate only', async () => {
      const { s, v4, v6 } = await start(['batch', 'message']);
      const first = s.WSAReceiveDuplicates({ max: 10 });
      v4.inbox.push(delivery('a1'), delivery('a2'), delivery('a3'));
      v4.notify?.();
      expect(tags(await first)).toEqual(['a1', 'a2', 'a3']);
      expect(v4.receiveCalls).toEqual(['many 10']);
      expect(v6.receiveCalls).toEqual(['one']);

      const second = s.WSAReceiveDuplicates();
      v6.inbox.push(delivery('b1'), delivery('b2'));
      v6.notify?.();
      expect(tags(await second)).toEqual(['b1']);
      // The other stays in its provider for the next call.
      expect(tags(await s.WSAReceiveDuplicates())).toEqual(['b2']);
    });

    it('should fail with WSAEINVAL when no loaded provider offers WSPReceiveDuplicate, or for a bad max', async () => {
      const { s } = await start(['none', 'none']);
      const error = await rejection(s.WSAReceiveDuplicates());
      expect(isWsaError(error, 'WSAEINVAL')).toBe(true);
      expect((error as Error).message).toMatch(/^WSAEINVAL: WSAReceiveDuplicates: no loaded provider offers WSPReceiveDuplicate; /);
      await s.WSACleanup();
      const { s: t } = await start(['batch', 'none']);
      expect(isWsaError(await rejection(t.WSAReceiveDuplicates({ max: 0 })), 'WSAEINVAL')).toBe(true);
    });
  });
});
