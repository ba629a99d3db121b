import { SD, SO, SOL_SOCKET, TCP_NODELAY, type ProtocolInfo } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { startAgent, type Agent } from './helpers/agent-runner.js';
import { TEST_CATALOG_ENTRY_ID } from './helpers/catalog.js';
import { useRuntimeDir } from './helpers/runtime-dir-and-peer.js';

const IPPROTO_TCP = 6;
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => Buffer.from(b).toString();

async function roundTrip(agent: Agent, s: number, message: string): Promise<string> {
  await agent.call('send', { s, data: text(message) });
  return str(await agent.call<Uint8Array>('recvExactly', { s, bytes: message.length }));
}

describe('WSPDuplicateSocket between two processes', () => {
  const fx = useRuntimeDir();

  it('should run the duplicate, import, duplicate-back and close cycle of the spec', async () => {
    const peer = await fx.startPeer('echo');
    const [source, destination] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const accepted = peer.nextConnection();
    // 1) WSPSocket, WSPConnect
    const s1 = await source.call<number>('connect', { address: '127.0.0.1', port: peer.port });
    const conn = await accepted;
    expect(await roundTrip(source, s1, 'before')).toBe('before');
    // 5) duplicate for the destination's pid
    const info = await source.call<ProtocolInfo>('duplicate', { s: s1, pid: destination.pid });
    expect(info.dwProviderReserved).toBe(info.exportContext?.exportId);
    expect(info.exportContext).toMatchObject({ sourcePid: source.pid, targetPid: destination.pid });
    expect(info.exportContext?.nonce).toHaveLength(16);
    expect(info.dwCatalogEntryId).toBe(TEST_CATALOG_ENTRY_ID);
    expect(info.iAddressFamily).toBe(2);
    // 8) WSPSocket from the protocol info: the provider calls WPUCreateSocketHandle and returns its own descriptor
    const d1 = await destination.call<number>('import', { info });
    const upcalls = await destination.call<{ log: string[]; open: number[] }>('upcalls');
    expect(upcalls.log).toEqual([`create ${upcalls.open[0]} ${TEST_CATALOG_ENTRY_ID} ${d1}`]);
    expect(upcalls.open[0]).not.toBe(d1);
    expect(await destination.call('cookie', { s: d1 })).toBe(await source.call('cookie', { s: s1 }));
    // 9) data exchange in the destination
    expect(await roundTrip(destination, d1, 'in the destination')).toBe('in the destination');
    // 10-12) duplicate back, close the destination's descriptor (not the socket)
    const back = await destination.call<ProtocolInfo>('duplicate', { s: d1, pid: source.pid });
    await destination.call('close', { s: d1 });
    expect((await destination.call<{ log: string[] }>('upcalls')).log.at(-1)).toMatch(/^close /);
    // 14-15) regain access with a new descriptor, close the original one
    const s2 = await source.call<number>('import', { info: back });
    expect(s2).not.toBe(s1);
    await source.call('close', { s: s1 });
    expect(conn.gotFin).toBe(false);
    expect(await roundTrip(source, s2, 'back home')).toBe('back home');
    // 16-17) graceful shutdown, then the final close
    await source.call('shutdown', { s: s2, how: SD.SEND });
    await conn.fin;
    expect(conn.gotFin).toBe(true);
    expect(str(await source.call<Uint8Array>('recv', { s: s2 }))).toBe(''); // the echo peer ends too
    await source.call('close', { s: s2 });
    expect(conn.hadError).toBe(false);
  });

  it('should send no FIN while a duplicate lives, and a FIN after the last close in any process', async () => {
    const peer = await fx.startPeer('echo');
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const accepted = peer.nextConnection();
    const sa = await a.call<number>('connect', { address: '127.0.0.1', port: peer.port });
    const conn = await accepted;
    const sb = await b.call<number>('import', { info: await a.call('duplicate', { s: sa, pid: b.pid }) });
    await a.call('close', { s: sa });
    // A FIN from that close would reach the peer before these bytes: the echo proves there was none.
    expect(await roundTrip(b, sb, 'still open')).toBe('still open');
    expect(conn.gotFin).toBe(false);
    expect(conn.closed).toBe(false);
    await b.call('close', { s: sb });
    await conn.fin;
    expect(conn.gotFin).toBe(true);
    expect(conn.hadError).toBe(false);
  });

  it('should share options between duplicates in both processes', async () => {
    const peer = await fx.startPeer('echo');
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    // Options set before the kernel socket exists are applied when WSPConnect creates it.
    const sa = await a.call<number>('socket');
    await a.call('setopt', { s: sa, level: IPPROTO_TCP, optname: TCP_NODELAY, value: true });
    expect(await a.call('getopt', { s: sa, level: IPPROTO_TCP, optname: TCP_NODELAY })).toBe(true);
    await a.call('connectSocket', { s: sa, address: '127.0.0.1', port: peer.port });
    const sc = await a.call<number>('connect', { address: '127.0.0.1', port: peer.port });
    await a.call('setopt', { s: sc, level: SOL_SOCKET, optname: SO.KEEPALIVE, value: true });
    await a.call('setopt', { s: sc, level: SOL_SOCKET, optname: SO.RCVBUF, value: 65_536 });
    await a.call('setopt', { s: sc, level: SOL_SOCKET, optname: SO.LINGER, value: { onoff: true, linger: 7 } });
    await a.call('setopt', { s: sc, level: IPPROTO_TCP, optname: TCP_NODELAY, value: 1 });
    await a.call('setopt', { s: sc, level: SOL_SOCKET, optname: SO.RCVTIMEO, value: 1234 });
    const sb = await b.call<number>('import', { info: await a.call('duplicate', { s: sc, pid: b.pid }) });
    const get = (agent: Agent, s: number, level: number, optname: number): Promise<unknown> => agent.call('getopt', { s, level, optname });
    expect(await get(b, sb, SOL_SOCKET, SO.KEEPALIVE)).toBe(true);
    expect(await get(b, sb, SOL_SOCKET, SO.RCVBUF)).toBe(await get(a, sc, SOL_SOCKET, SO.RCVBUF));
    expect(await get(b, sb, SOL_SOCKET, SO.LINGER)).toEqual({ onoff: true, linger: 7 });
    expect(await get(b, sb, IPPROTO_TCP, TCP_NODELAY)).toBe(true);
    expect(await get(b, sb, SOL_SOCKET, SO.RCVTIMEO)).toBe(1234);
    // And back: the destination's changes are visible through the source's own descriptor.
    await b.call('setopt', { s: sb, level: SOL_SOCKET, optname: SO.KEEPALIVE, value: false });
    await b.call('setopt', { s: sb, level: SOL_SOCKET, optname: SO.SNDBUF, value: 32_768 });
    await b.call('setopt', { s: sb, level: SOL_SOCKET, optname: SO.SNDTIMEO, value: 99 });
    expect(await get(a, sc, SOL_SOCKET, SO.KEEPALIVE)).toBe(false);
    expect(await get(a, sc, SOL_SOCKET, SO.SNDBUF)).toBe(await get(b, sb, SOL_SOCKET, SO.SNDBUF));
    // An emulated option comes back with the next hand-off into the source.
    const sa2 = await a.call<number>('import', { info: await b.call('duplicate', { s: sb, pid: a.pid }) });
    expect(await get(a, sa2, SOL_SOCKET, SO.SNDTIMEO)).toBe(99);
    expect(await get(a, sc, SOL_SOCKET, SO.SNDTIMEO)).toBe(99);
    // SO_PROTOCOL_INFOW: read-only, the socket's protocol info.
    const info = (await get(b, sb, SOL_SOCKET, SO.PROTOCOL_INFOW)) as ProtocolInfo;
    expect(info).toMatchObject({ iAddressFamily: 2, iSocketType: 1, iProtocol: 6, dwCatalogEntryId: TEST_CATALOG_ENTRY_ID });
    await expect(b.call('setopt', { s: sb, level: SOL_SOCKET, optname: SO.PROTOCOL_INFOW, value: 1 })).rejects.toMatchObject({ code: 'WSAEINVAL' });
    // The option set before connecting reached the kernel socket.
    expect(await get(a, sa, IPPROTO_TCP, TCP_NODELAY)).toBe(true);
  });

  it('should hand off an IPv6 connection with its address family', async () => {
    const peer = await fx.startPeer('echo', '::1');
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const sa = await a.call<number>('connect', { af: 23, address: '::1', port: peer.port });
    const info = await a.call<ProtocolInfo>('duplicate', { s: sa, pid: b.pid });
    expect(info.iAddressFamily).toBe(23);
    const sb = await b.call<number>('import', { info });
    expect(await b.call('peername', { s: sb })).toEqual({ address: '::1', port: peer.port });
    expect(((await b.call('getopt', { s: sb, level: SOL_SOCKET, optname: SO.PROTOCOL_INFOW })) as ProtocolInfo).iAddressFamily).toBe(23);
    expect(await roundTrip(b, sb, 'over IPv6')).toBe('over IPv6');
  });

  it('should hand off a connection accepted by a controlling process', async () => {
    const [controller, worker] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const { s: listener, port } = await controller.call<{ s: number; port: number }>('listen');
    const net = await import('node:net');
    const client = net.connect({ host: '127.0.0.1', port });
    try {
      const accepted = await controller.call<number>('accept', { s: listener });
      client.write('sent before the hand-off');
      const info = await controller.call<ProtocolInfo>('duplicate', { s: accepted, pid: worker.pid });
      await controller.call('close', { s: accepted });
      const w = await worker.call<number>('import', { info });
      expect(str(await worker.call<Uint8Array>('recvExactly', { s: w, bytes: 24 }))).toBe('sent before the hand-off');
      const echoed = new Promise<string>((resolve) => client.once('data', (d: Buffer) => resolve(d.toString())));
      await worker.call('send', { s: w, data: text('hello from the worker') });
      expect(await echoed).toBe('hello from the worker');
    } finally {
      client.destroy();
    }
  });
});
