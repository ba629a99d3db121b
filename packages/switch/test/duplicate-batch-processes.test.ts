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

/**
 * sanshare's provider offers WSPDuplicateSocketBatch: the switch makes one call, and the sockets travel
 * up to 253 per transport message, each with a message (the target takes them with
 * WSAReceiveDuplicates). The minimal provider has no extension, so its sockets move through the
 * switch's fallback (one duplication per socket, at most 32 at a time) and their protocol infos go
 * over a protocol-info channel.
 */
describe.each([
  { provider: SANSHARE_PROVIDER, withMessages: true },
  { provider: MINIMAL_PROVIDER, withMessages: false },
] as { provider: ProviderUnderTest; withMessages: boolean }[])('WSADuplicateSocketBatch of 300 live connections to another process ($provider.name)', ({ provider, withMessages }) => {
  const fx = useTwoAgents('switch-batch-', provider);

  it('should move every connection with one call, each still on its own TCP connection with its read-ahead, and leak no descriptor', async () => {
    const { dir, catalogFile, peer, source, destination } = fx;
    // Before anything (but loading the provider modules): each process's descriptors then are all
    // it may hold after WSACleanup.
    const sourceFds = await descriptorBaseline(source, catalogFile);
    const destinationFds = await descriptorBaseline(destination, catalogFile);
    await source.call<number>('startup', { catalogFile });
    const dstPid = await destination.call<number>('startup', { catalogFile });
    if (!withMessages) {
      await destination.call('listenChannel', { path: join(dir, 'c.sock') });
      const accepted = destination.call('acceptChannel');
      await source.call('connectChannel', { path: join(dir, 'c.sock') });
      await accepted;
    }

    // 300 connections; the peer learns which is which from each one's first bytes.
    const sockets = await source.call<number[]>('openMany', { count: SOCKETS, port: peer.port });
    const saidHello = (c: NetSocket): boolean => /^hello:\d+;$/.test(peer.receivedBy.get(c) ?? '');
    await peer.until(() => peer.connections.length === SOCKETS && peer.connections.every(saidHello));
    const conn = new Map(peer.connections.map((c) => [Number(/\d+/.exec(peer.receivedBy.get(c) as string)?.[0]), c]));
    expect([...conn.keys()].sort((x, y) => x - y)).toEqual(indexes);
    // Each socket reads only the first half of what the peer sends: the rest may sit in the provider's
    // read-ahead, which must travel with its own socket.
    for (const i of indexes) conn.get(i)?.write(`pre:${i};tail:${i};`);
    expect(await source.call<string[]>('recvEach', { sockets, texts: each((i) => `pre:${i};`) })).toEqual(each((i) => `pre:${i};`));

    // One call moves them all.
    const outcomes = await source.call<string[]>('duplicateBatch', { sockets, pid: dstPid, as: 'out', ...(withMessages ? { messages: each(String) } : {}) });
    expect(outcomes).toEqual(each(() => 'ok'));
    expect(await source.call<boolean[]>('handedOff', { sockets })).toEqual(sockets.map(() => true));
    expect(await source.failure('send', { s: sockets[7], text: 'forbidden' })).toBe('WSAEACCES');

    // The target takes them, each with its own protocol info (single use).
    let names: string[];
    if (withMessages) {
      const got = await destination.call<{ messages: string[]; sourcePids: number[] }>('receiveDuplicatesAll', { count: SOCKETS, as: 'in' });
      expect([...got.messages].sort((x, y) => Number(x) - Number(y))).toEqual(each(String));
      expect(got.sourcePids).toEqual([source.pid]);
      names = each((i) => `in${i}`);
    } else {
      await Promise.all([source.call('sendInfos', { names: each((i) => `out${i}`) }), destination.call('receiveInfos', { count: SOCKETS, as: 'in' })]);
      names = each((i) => `in${i}`);
    }
    const imported = await destination.call<number[]>('socketsFromInfos', { names });
    expect(await destination.failure('socketFromInfo', { name: names[0] })).toBe('WSAEINVAL');

    // The source lets go; every connection lives on in the target, read-ahead first.
    await source.call('closeMany', { sockets });
    expect(await destination.call<string[]>('recvEach', { sockets: imported, texts: each((i) => `tail:${i};`) })).toEqual(each((i) => `tail:${i};`));
    await destination.call('sendEach', { sockets: imported, texts: each((i) => `token:${i};`) });
    await peer.until(() => indexes.every((i) => peer.receivedBy.get(conn.get(i) as NetSocket) === `hello:${i};token:${i};`));
    for (const i of indexes) conn.get(i)?.write(`ack:${i};`);
    expect(await destination.call<string[]>('recvEach', { sockets: imported, texts: each((i) => `ack:${i};`) })).toEqual(each((i) => `ack:${i};`));
    expect(peer.connections).toHaveLength(SOCKETS);

    // Closed in the target: each connection ends, and no process keeps a descriptor of any of them.
    await destination.call('closeMany', { sockets: imported });
    await peer.until(() => peer.connections.every((c) => c.readableEnded));
    expect(await settlesAt(source, 'tcpFds', 0)).toBe(0);
    expect(await settlesAt(destination, 'tcpFds', 0)).toBe(0);
    // Nor anything else, once the switches are cleaned up (a provider may keep a channel per peer until then).
    await Promise.all([source.call('cleanup'), destination.call('cleanup')]);
    await expectDescriptorsBack(source, 'the source', sourceFds);
    await expectDescriptorsBack(destination, 'the destination', destinationFds);
  });
});
