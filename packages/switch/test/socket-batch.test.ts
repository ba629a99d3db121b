/**
 * WSASocketBatch against stub providers in this process (test/fixtures/batch-provider.ts, steered by
 * the test): grouping per provider and calls of at most 253, result order, the fallback to WSPSocket,
 * a provider that breaks the contract, and access control. (Real imports between processes, with
 * sanshare's provider and the minimal one: test/socket-batch-processes.test.ts.)
 */
import { AF, IPPROTO, SOCK, WsaError, type ProtocolInfo, type SocketBatchResult } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import type { BatchStubState } from './fixtures/batch-provider.js';
import { useBatchStubSwitch } from './helpers/batch-stub-switch.js';

const codeOf = (result: SocketBatchResult | undefined): string => (result?.error === undefined ? 'ok' : result.error.code);

describe('WSASocketBatch (stub providers in this process)', () => {
  const start = useBatchStubSwitch();

  it('should give each provider its infos in calls of at most 253 and answer one result per info, in order', async () => {
    const { s, v4, v6, info4, info6 } = await start(['batch', 'batch']);
    const infos = Array.from({ length: 600 }, (_, i) => (i % 2 === 0 ? info4 : info6));
    const results = await s.WSASocketBatch(infos);
    expect(results.map(codeOf)).toEqual(infos.map(() => 'ok'));
    expect(v4.socketBatchCalls).toEqual([253, 47]);
    expect(v6.socketBatchCalls).toEqual([253, 47]);
    expect(v4.socketCalls + v6.socketCalls).toBe(0);
    // Each descriptor is its own, of the provider its info named: v4's are even items, v6's odd.
    expect(new Set(results.map((r) => r.s)).size).toBe(600);
    const v4Contexts = results.filter((_r, i) => i % 2 === 0).map((r) => s.providerSocketOf(r.s as number));
    expect(v4Contexts).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(await s.WSASocketBatch([])).toEqual([]);
  });

  it('should fall back to one WSPSocket per info for a provider without WSPSocketBatch, and fail bad items alone', async () => {
    const { s, v4, v6, info4, info6 } = await start(['message', 'batch']);
    const unknown: ProtocolInfo = { ...info4, ProviderId: '00000000-0000-4000-8000-000000000000', iAddressFamily: 99 };
    const given = [info4, null, info6, 42, unknown, info4] as unknown as ProtocolInfo[];
    const results = await s.WSASocketBatch(given);
    expect(results.map(codeOf)).toEqual(['ok', 'WSAEINVAL', 'ok', 'WSAEFAULT', 'WSAEINVAL', 'ok']);
    expect(results[1]?.error?.message).toMatch(/FROM_PROTOCOL_INFO needs a protocol info/);
    expect(results[4]?.error?.message).toMatch(/no loaded provider implements/);
    expect(v4.socketCalls).toBe(2);
    expect(v4.socketBatchCalls).toEqual([]);
    expect(v6.socketBatchCalls).toEqual([1]);
    // The caller's infos are left as they were (each provider gets the switch's copy).
    expect(given[0]).toBe(info4);
  });

  it('should reject only what makes every item impossible: not an array, after WSACleanup', async () => {
    const { s } = await start(['batch', 'batch']);
    await expect(s.WSASocketBatch({ length: 1 } as unknown as ProtocolInfo[])).rejects.toMatchObject({ code: 'WSAEINVAL' });
    await s.WSACleanup();
    await expect(s.WSASocketBatch([])).rejects.toMatchObject({ code: 'WSAENETDOWN' });
  });

  it('should refuse a protocol info that cannot be copied with WSAEINVAL, WSASocket as WSASocketBatch', async () => {
    const { s, v4, info4 } = await start(['batch', 'batch']);
    // structuredClone (the copy's fallback past plain data) cannot clone a function.
    const uncopyable = { ...info4, extra: new Map([['f', () => 1]]) } as unknown as ProtocolInfo;
    const [item] = await s.WSASocketBatch([uncopyable]);
    expect(item?.error).toBeInstanceOf(WsaError);
    expect(item?.error?.code).toBe('WSAEINVAL');
    const single = await s.WSASocket(-1, -1, -1, uncopyable).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(single).toBeInstanceOf(WsaError);
    expect(single).toMatchObject({ code: 'WSAEINVAL', message: expect.stringContaining('could not be cloned') });
    // Neither reached the provider.
    expect(v4.socketCalls).toBe(0);
    expect(v4.socketBatchCalls).toEqual([]);
  });

  it('should fail the items of a provider that breaks the contract with WSAEINVALIDPROVIDER, item by item, and pass its WsaErrors on', async () => {
    const { s, v4, v6, info4, info6 } = await start(['batch', 'batch']);
    // Rejects with something that is not a WsaError: every item of that provider, and no other.
    v4.socketAnswer = () => {
      throw new Error('boom');
    };
    let results = await s.WSASocketBatch([info4, info6, info4]);
    expect(results.map(codeOf)).toEqual(['WSAEINVALIDPROVIDER', 'ok', 'WSAEINVALIDPROVIDER']);
    expect(results[0]?.error?.message).toMatch(/not a WsaError: boom/);
    // Rejects with a WsaError (nothing attempted): that error for each item.
    v4.socketAnswer = () => {
      throw new WsaError('WSAENETDOWN', 'down');
    };
    results = await s.WSASocketBatch([info4]);
    expect(results.map(codeOf)).toEqual(['WSAENETDOWN']);
    // Too few results.
    v4.socketAnswer = (_infos, create) => [{ s: create() }];
    results = await s.WSASocketBatch([info4, info4]);
    expect(results.map(codeOf)).toEqual(['WSAEINVALIDPROVIDER', 'WSAEINVALIDPROVIDER']);
    // Per item: a descriptor without a switch descriptor (closed by the switch), neither { s } nor
    // { error }, a provider's WsaError, and a good one.
    v4.socketAnswer = (_infos, create) => [{ s: 9999 }, { s: create(), error: new WsaError('WSAEINVAL', 'both') }, { error: new WsaError('WSAEMFILE', 'full') }, { s: create() }];
    results = await s.WSASocketBatch([info4, info4, info4, info4]);
    expect(results.map(codeOf)).toEqual(['WSAEINVALIDPROVIDER', 'WSAEINVALIDPROVIDER', 'WSAEMFILE', 'ok']);
    expect(results[0]?.error?.message).toMatch(/without creating a switch descriptor/);
    expect(results[1]?.error?.message).toMatch(/neither \{ s \} nor \{ error \}/);
  });

  it('should close what a provider that breaks the contract created for the items it failed, as WSASocket closes a descriptor it cannot use', async () => {
    const { s, v4, info4 } = await start(['batch', 'batch']);
    const open = (): number[] => v4.openSockets?.() ?? [];
    // Too few results: the sockets it made are nobody's.
    v4.socketAnswer = (_infos, create) => [{ s: create() }];
    let results = await s.WSASocketBatch([info4, info4]);
    expect(results.map(codeOf)).toEqual(['WSAEINVALIDPROVIDER', 'WSAEINVALIDPROVIDER']);
    expect(open()).toEqual([]);
    // A result with both a socket and an error, beside a good one: only the good one stays open.
    v4.socketAnswer = (_infos, create) => [{ s: create(), error: new WsaError('WSAEINVAL', 'both') }, { s: create() }];
    results = await s.WSASocketBatch([info4, info4]);
    expect(results.map(codeOf)).toEqual(['WSAEINVALIDPROVIDER', 'ok']);
    expect(open()).toEqual([s.providerSocketOf(results[1]?.s as number)]);
  });

  it('should leave open what a broken result names but is not the call\'s to close: a socket made before the call, or another item\'s socket', async () => {
    const { s, v4, info4 } = await start(['batch', 'batch']);
    const open = (): number[] => v4.openSockets?.() ?? [];
    const before = await s.socket(AF.INET, SOCK.STREAM, IPPROTO.TCP);
    const beforeContext = s.providerSocketOf(before);
    // Too many results, one of them the caller's socket from before the call: the call's own are closed, the caller's stays.
    v4.socketAnswer = (_infos, create) => [{ s: create() }, { s: beforeContext }, { s: create() }];
    let results = await s.WSASocketBatch([info4, info4]);
    expect(results.map(codeOf)).toEqual(['WSAEINVALIDPROVIDER', 'WSAEINVALIDPROVIDER']);
    expect(open()).toEqual([beforeContext]);
    await expect(s.send(before, 'x')).resolves.toBe(1);
    // A broken result naming the socket another item got: that item's socket stays open and usable.
    v4.socketAnswer = (_infos, create) => {
      const context = create();
      return [{ s: context }, { s: context, error: new WsaError('WSAEINVAL', 'both') }];
    };
    results = await s.WSASocketBatch([info4, info4]);
    expect(results.map(codeOf)).toEqual(['ok', 'WSAEINVALIDPROVIDER']);
    expect(open().sort()).toEqual([beforeContext, s.providerSocketOf(results[0]?.s as number)].sort());
    await expect(s.send(results[0]?.s as number, 'x')).resolves.toBe(1);
  });

  it('should give each new descriptor its access-control key and lift the lock of a socket taken back', async () => {
    const { s, v4, info4 } = await start(['batch', 'batch']);
    const old = await s.socket(AF.INET, SOCK.STREAM, IPPROTO.TCP);
    const pair = { local: { address: '127.0.0.1', port: 40001 }, peer: { address: '127.0.0.1', port: 80 } };
    v4.names.set(s.providerSocketOf(old), pair);
    await s.WSADuplicateSocket(old, 4242);
    expect(s.isHandedOff(old)).toBe(true);
    await expect(s.send(old, 'x')).rejects.toMatchObject({ code: 'WSAEACCES' });
    // The socket comes back: the provider's new descriptor has the same address pair.
    v4.socketAnswer = (_infos, create) => {
      const context = create();
      v4.names.set(context, pair);
      return [{ s: context }];
    };
    const [back] = await s.WSASocketBatch([info4]);
    expect(codeOf(back)).toBe('ok');
    expect(s.isHandedOff(old)).toBe(false);
    expect(s.isHandedOff(back?.s as number)).toBe(false);
    await expect(s.send(old, 'x')).resolves.toBe(1);
  });
});
