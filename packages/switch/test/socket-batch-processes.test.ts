import { join } from 'node:path';
import type { Socket as NetSocket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Agent } from './helpers/agent.js';
import { MINIMAL_PROVIDER, SANSHARE_PROVIDER, type ProviderUnderTest } from './helpers/providers.js';
import { useTwoAgents } from './helpers/two-agents.js';
import { settlesAt } from './helpers/settles-at.js';
import { descriptorBaseline, expectDescriptorsBack } from './helpers/descriptor-leak-check.js';

const SOCKETS = 300;

const indexes = Array.from({ length: SOCKETS }, (_, i) => i);
const each = (make: (i: number) => string): string[] => indexes.map(make);
const outcome = (r: number | string): string => (typeof r === 'number' ? 'ok' : r);

/**
 * sanshare's provider offers WSPSocketBatch: the switch imports in calls of at most 253 (300 sockets
 * make two). The minimal provider has no extension: the switch falls back to one WSPSocket per item.
 * Either way each item is what WSASocket(FROM_PROTOCOL_INFO) would make of it, access control included.
 */
describe.each([SANSHARE_PROVIDER, MINIMAL_PROVIDER] as ProviderUnderTest[])('WSASocketBatch of 300 duplicated connections ($name)', (provider) => {
  const fx = useTwoAgents('switch-socket-batch-', provider);

  it('should import every socket with one call, fail bad items alone with WSASocket\'s codes, lift the lock of a socket taken back, and leak nothing', async () => {
    const { dir, catalogFile, peer, source, destination } = fx;
    const sourceFds = await descriptorBaseline(source, catalogFile);
    const destinationFds = await descriptorBaseline(destination, catalogFile);
    await source.call<number>('startup', { catalogFile });
    const dstPid = await destination.call<number>('startup', { catalogFile });
    await destination.call('listenChannel', { path: join(dir, 'c.sock') });
    const accepted = destination.call('acceptChannel');
    await source.call('connectChannel', { path: join(dir, 'c.sock') });
    await accepted;

    const sockets = await source.call<number[]>('openMany', { count: SOCKETS, port: peer.port });
    const saidHello = (c: NetSocket): boolean => /^hello:\d+;$/.test(peer.receivedBy.get(c) ?? '');
    await peer.until(() => peer.connections.length === SOCKETS && peer.connections.every(saidHello));
    const conn = new Map(peer.connections.map((c) => [Number(/\d+/.exec(peer.receivedBy.get(c) as string)?.[0]), c]));
    for (const i of indexes) conn.get(i)?.write(`pre:${i};tail:${i};`);
    expect(await source.call<string[]>('recvEach', { sockets, texts: each((i) => `pre:${i};`) })).toEqual(each((i) => `pre:${i};`));

    expect(await source.call<string[]>('duplicateBatch', { sockets, pid: dstPid, as: 'out' })).toEqual(each(() => 'ok'));
    await Promise.all([source.call('sendInfos', { names: each((i) => `out${i}`) }), destination.call('receiveInfos', { count: SOCKETS, as: 'in' })]);

    // Bad items among the good ones: each fails alone, the others are imported, in order.
    const names = ['in0', 'in0', 'forged:in1', 'null', ...each((i) => `in${i}`).slice(1)];
    const results = await destination.call<Array<number | string>>('socketBatchFromInfos', { names });
    expect(results.slice(0, 4).map(outcome)).toEqual(['ok', 'WSAEINVAL', 'WSAEINVAL', 'WSAEINVAL']);
    expect(results.slice(4).map(outcome)).toEqual(each(() => 'ok').slice(1));
    const imported = [results[0], ...results.slice(4)] as number[];
    expect(new Set(imported).size).toBe(SOCKETS);
    // Single use: the same infos again are refused, by the batch and by WSASocket.
    expect(await destination.call<Array<number | string>>('socketBatchFromInfos', { names: ['in0', 'in5'] })).toEqual(['WSAEINVAL', 'WSAEINVAL']);
    expect(await destination.failure('socketFromInfo', { name: 'in7' })).toBe('WSAEINVAL');

    // Every connection works in the target, read-ahead first.
    await source.call('closeMany', { sockets: sockets.slice(1) });
    expect(await destination.call<string[]>('recvEach', { sockets: imported, texts: each((i) => `tail:${i};`) })).toEqual(each((i) => `tail:${i};`));
    await destination.call('sendEach', { sockets: imported, texts: each((i) => `token:${i};`) });
    await peer.until(() => indexes.every((i) => peer.receivedBy.get(conn.get(i) as NetSocket) === `hello:${i};token:${i};`));

    // Access control as WSASocket's: the source still holds socket 0's old descriptor, locked; taking
    // the socket back with a batch lifts the lock on it.
    expect(await source.call<boolean[]>('handedOff', { sockets: [sockets[0]] })).toEqual([true]);
    await destination.call('duplicate', { s: imported[0], pid: source.pid, as: 'back' });
    await Promise.all([destination.call('sendInfo', { name: 'back' }), source.call('receiveInfo', { as: 'back' })]);
    const [back] = await source.call<Array<number | string>>('socketBatchFromInfos', { names: ['back'] });
    expect(typeof back).toBe('number');
    expect(await source.call<boolean[]>('handedOff', { sockets: [sockets[0], back] })).toEqual([false, false]);
    await source.call('send', { s: sockets[0], text: 'old-descriptor;' });
    await peer.until(() => peer.receivedBy.get(conn.get(0) as NetSocket) === 'hello:0;token:0;old-descriptor;');
    await destination.call('closesocket', { s: imported[0] });
    await source.call('closeMany', { sockets: [sockets[0], back] });

    // Closed in the target: nothing of any connection is left in either process.
    await destination.call('closeMany', { sockets: imported.slice(1) });
    await peer.until(() => peer.connections.every((c) => c.readableEnded));
    expect(await settlesAt(source, 'tcpFds', 0)).toBe(0);
    expect(await settlesAt(destination, 'tcpFds', 0)).toBe(0);
    await Promise.all([source.call('cleanup'), destination.call('cleanup')]);
    await expectDescriptorsBack(source, 'the source', sourceFds);
    await expectDescriptorsBack(destination, 'the destination', destinationFds);
  });
});

describe('WSASocketBatch, the call itself', () => {
  const fx = useTwoAgents('switch-socket-batch-call-', SANSHARE_PROVIDER);

  it('should reject only a call that is not an array or comes after WSACleanup, and answer an empty batch with nothing', async () => {
    const { catalogFile, destination } = fx;
    await destination.call<number>('startup', { catalogFile });
    expect(await destination.call('socketBatchFromInfos', { names: [] })).toEqual([]);
    expect(await destination.failure('socketBatchNotArray')).toBe('WSAEINVAL');
    await destination.call('cleanup');
    expect(await destination.failure('socketBatchFromInfos', { names: [] })).toBe('WSAENETDOWN');
  });
});
