import type { Socket as NetSocket } from 'node:net';
import { join } from 'node:path';
import { SD, SOL_SOCKET, SO } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { descriptorsOf, tcpSocketInode } from './helpers/kernel-refs.js';
import { PROVIDERS } from './helpers/providers.js';
import { useTwoAgents } from './helpers/two-agents.js';

interface Names {
  local: { address: string; port: number };
  peer: { address: string; port: number };
}

describe.each(PROVIDERS)('the 17-step hand-off through the switch API ($name)', (provider) => {
  const fx = useTwoAgents('switch-17-', provider);

  it('should hand a live connection to another process and back, with access control at each step', async () => {
    const { dir, catalogFile, peer, source, destination } = fx;
    const channelPath = join(dir, 'channel.sock');
    const srcPid = await source.call<number>('startup', { catalogFile });
    const dstPid = await destination.call<number>('startup', { catalogFile });
    expect(srcPid).toBe(source.pid);
    expect((await source.call<{ hasExtensions: boolean }[]>('providers')).map((p) => p.hasExtensions)).toEqual([provider.hasExtensions]);
    const count = (): [number, number] => {
      const conn = peer.connections[0] as NetSocket;
      const inode = tcpSocketInode(conn.remotePort as number, peer.port) as string;
      return [descriptorsOf(srcPid, inode), descriptorsOf(dstPid, inode)];
    };
    // The kernel's descriptor counts of the shared socket per process, [source, destination]. A close
    // in an agent has returned before the agent answers, but the count is read again a bounded number
    // of times in case the kernel lags: this waits for a state, it measures no time.
    const expectRefs = async (expected: [number, number]): Promise<void> => {
      let last = count();
      for (let i = 0; i < 50 && JSON.stringify(last) !== JSON.stringify(expected); i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        last = count();
      }
      expect(last).toEqual(expected);
    };

    // 1) Source: WSPSocket, WSPConnect.
    const s1 = await source.call<number>('socket');
    await source.call('connect', { s: s1, port: peer.port });
    await peer.until(() => peer.connections.length === 1);
    const remotePort = peer.connections[0]?.remotePort;
    await expectRefs([1, 0]);
    const names = await source.call<Names>('names', { s: s1 });
    expect(names.peer.port).toBe(peer.port);
    await source.call('send', { s: s1, text: 'step1;' });
    await peer.until(() => peer.received === 'step1;');
    peer.take();

    // 2-4) Source asks the destination's pid over the channel; the destination answers by itself.
    await destination.call('listenChannel', { path: channelPath });
    const accepted = destination.call<{ pid: number }>('acceptChannel');
    const seen = await source.call<{ pid: number }>('connectChannel', { path: channelPath });
    expect(seen.pid).toBe(dstPid);
    expect((await accepted).pid).toBe(srcPid);
    expect(await source.call<number>('requestPeerPid')).toBe(dstPid);

    // 5) Source duplicates for the destination; from now on it may not touch the socket.
    const cookie = provider.hasExtensions ? await source.call<string>('cookie', { s: s1 }) : undefined;
    const dup = await source.call<{ targetPid?: number; socketCookie?: string; dwProviderReserved: number }>('duplicate', { s: s1, pid: dstPid, as: 'out' });
    // The provider's context rides in dwProviderReserved (sanshare's provider adds its export context).
    expect(dup.dwProviderReserved).not.toBe(0);
    if (provider.hasExtensions) expect(dup).toMatchObject({ targetPid: dstPid, socketCookie: cookie });
    // Another provider keeps its context in dwProviderReserved alone: no export context at all.
    else expect(dup).toEqual({ dwProviderReserved: expect.any(Number) });
    expect(await source.call('isHandedOff', { s: s1 })).toBe(true);
    // The kernel socket is already in the destination's provider, waiting for its import.
    await expectRefs([1, 1]);
    expect(await source.failure('send', { s: s1, text: 'forbidden' })).toBe('WSAEACCES');
    expect(await source.failure('recv', { s: s1 })).toBe('WSAEACCES');
    expect(await source.failure('setsockopt', { s: s1, level: SOL_SOCKET, optname: SO.KEEPALIVE, value: 1 })).toBe('WSAEACCES');
    expect(await source.failure('duplicate', { s: s1, pid: dstPid, as: 'again' })).toBe('WSAEACCES');
    expect(await source.failure('names', { s: s1 })).toBe('WSAEACCES');

    // 6-7) The protocol info travels over the channel.
    await source.call('sendInfo', { name: 'out' });
    expect(await destination.call('receiveInfo', { as: 'in' })).toMatchObject({ dwProviderReserved: dup.dwProviderReserved });

    // 8) Destination: WSPSocket from the protocol info: the same kernel socket, the same connection.
    const d1 = await destination.call<number>('socketFromInfo', { name: 'in' });
    expect(await destination.call('names', { s: d1 })).toEqual(names);
    if (provider.hasExtensions) expect(await destination.call('cookie', { s: d1 })).toBe(cookie);
    expect(await destination.call('isHandedOff', { s: d1 })).toBe(false);
    await expectRefs([1, 1]);
    expect(await destination.failure('socketFromInfo', { name: 'in' })).toBe('WSAEINVAL');

    // 9) Destination exchanges data; the peer sees the same connection; the source still may not.
    await destination.call('send', { s: d1, text: 'step9 from destination;' });
    await peer.until(() => peer.received === 'step9 from destination;');
    peer.take();
    peer.connections[0]?.write('to destination');
    expect(await destination.call('recvExact', { s: d1, length: 'to destination'.length })).toBe('to destination');
    expect(await source.failure('send', { s: s1, text: 'forbidden' })).toBe('WSAEACCES');
    expect(peer.received).toBe('');

    // 10) Destination duplicates back to the source and loses access.
    await destination.call('duplicate', { s: d1, pid: srcPid, as: 'back' });
    await expectRefs([2, 1]);
    expect(await destination.failure('send', { s: d1, text: 'forbidden' })).toBe('WSAEACCES');
    expect(await destination.failure('recv', { s: d1 })).toBe('WSAEACCES');

    // 11, 13) The protocol info goes back.
    await destination.call('sendInfo', { name: 'back' });
    expect(await source.call('receiveInfo', { as: 'home' })).toMatchObject(provider.hasExtensions ? { targetPid: srcPid, socketCookie: cookie } : {});

    // 12) Destination closes its descriptor, not the socket: the peer sees no end.
    await destination.call('closesocket', { s: d1 });
    expect(await destination.failure('send', { s: d1, text: 'x' })).toBe('WSAENOTSOCK');
    expect(peer.ended).toBe(false);
    await expectRefs([2, 0]);

    // 14) Source: WSPSocket from the info regains access control.
    const s2 = await source.call<number>('socketFromInfo', { name: 'home' });
    expect(s2).not.toBe(s1);
    expect(await source.call('names', { s: s2 })).toEqual(names);
    if (provider.hasExtensions) expect(await source.call('cookie', { s: s2 })).toBe(cookie);
    expect(await source.call('isHandedOff', { s: s2 })).toBe(false);
    // The lock was on the socket: the old descriptor is free again too (its address pair is the socket's).
    expect(await source.call('isHandedOff', { s: s1 })).toBe(false);

    // 15) Source closes the original descriptor: allowed, and still no end for the peer.
    await source.call('closesocket', { s: s1 });
    await expectRefs([1, 0]);
    await source.call('send', { s: s2, text: 'step15 from source;' });
    await peer.until(() => peer.received === 'step15 from source;');
    peer.take();
    expect(peer.ended).toBe(false);
    expect(peer.connections).toHaveLength(1);
    expect(peer.connections[0]?.remotePort).toBe(remotePort);

    // 16) Graceful termination: the peer sees the end, then ends too.
    await source.call('shutdown', { s: s2, how: SD.SEND });
    await peer.until(() => peer.ended);
    peer.connections[0]?.end('bye');
    expect(await source.call('recvExact', { s: s2, length: 3 })).toBe('bye');
    expect(await source.call('recv', { s: s2 })).toBe('');

    // 17) The final close ends the connection.
    await source.call('closesocket', { s: s2 });
    await peer.until(() => peer.closed);
    await expectRefs([0, 0]);
    await source.call('cleanup');
    await destination.call('cleanup');
  });
});
