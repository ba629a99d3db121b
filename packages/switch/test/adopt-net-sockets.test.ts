import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server, type Socket as NetSocket } from 'node:net';
import { tmpdir } from 'node:os';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { WsaError, type SocketBatchResult } from '@sanshare/protocol-info';
import { socketInfo } from '@sanshare/transport-uds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adoptNetSocket, adoptNetSockets, createCatalog, defaultCatalogEntries, WSAStartup, type Switch } from '../src/index.js';
import type { AdoptRecord } from './fixtures/adopt-recording-provider.js';
import { MINIMAL_PROVIDER } from './helpers/providers.js';
import { recvExact } from './helpers/recv-exact.js';

const RECORDING_PROVIDER = join(import.meta.dirname, 'fixtures/adopt-recording-provider.ts');

function theSocket(result: SocketBatchResult | undefined): number {
  if (result?.s === undefined) throw new Error(`expected a switch socket, got ${String(result?.error)}`);
  return result.s;
}


/** A loopback server whose accepted sockets (the ones adopted) are kept, clients in this process, and the switch. */
function useFixture(): {
  start(options?: Record<string, unknown>, minimal?: boolean): Promise<{ sw: Switch; record: AdoptRecord }>;
  pairs(count: number, host?: string): Promise<Array<{ client: NetSocket; accepted: NetSocket }>>;
} {
  let dir = '';
  let server: Server;
  let sw: Switch | undefined;
  const sockets: NetSocket[] = [];
  const stateKey = `adoptRecord${process.pid}${Math.random().toString(36).slice(2)}`;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switch-adopt-many-'));
    server = createServer({ pauseOnConnect: false });
    await new Promise<void>((resolve) => server.listen(0, resolve));
  });
  afterEach(async () => {
    await sw?.WSACleanup().catch(() => undefined);
    sw = undefined;
    for (const s of sockets.splice(0)) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    delete (globalThis as Record<string, unknown>)[stateKey];
    await rm(dir, { recursive: true, force: true });
  });
  return {
    async start(options = {}, minimal = false) {
      const record: AdoptRecord = { batches: [], singles: 0 };
      (globalThis as Record<string, unknown>)[stateKey] = record;
      const catalog = await createCatalog();
      const entries = minimal ? MINIMAL_PROVIDER.entries(join(dir, 'run')) : defaultCatalogEntries(RECORDING_PROVIDER, { runtimeDir: join(dir, 'run'), state: stateKey, ...options });
      for (const entry of entries) await catalog.install(entry);
      sw = await WSAStartup({ catalog });
      return { sw, record };
    },
    async pairs(count, host = '127.0.0.1') {
      const port = (server.address() as AddressInfo).port;
      const accepted: NetSocket[] = [];
      const onConnection = (socket: NetSocket): void => {
        accepted.push(socket);
      };
      server.on('connection', onConnection);
      const clients = await Promise.all(
        Array.from({ length: count }, async () => {
          const client = connect(port, host);
          client.on('error', () => {});
          await once(client, 'connect');
          return client;
        }),
      );
      while (accepted.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
      server.off('connection', onConnection);
      sockets.push(...clients, ...accepted);
      // Pair each accepted socket with its client by port.
      return clients.map((client) => ({ client, accepted: accepted.find((a) => a.remotePort === client.localPort) as NetSocket }));
    },
  };
}

describe('adoptNetSockets', () => {
  const fx = useFixture();

  it('should adopt 300 sockets with one WSPAdoptDescriptors call per 253, and refuse each bad item alone', async () => {
    const { sw, record } = await fx.start();
    const pairs = await fx.pairs(300);
    const [v6] = await fx.pairs(1, '::1');
    const first = pairs[0] as { client: NetSocket; accepted: NetSocket };
    // Read by Node before the adoption: it travels as read-ahead.
    first.client.write('early');
    while (first.accepted.readableLength < 5) await new Promise((resolve) => setTimeout(resolve, 5));
    const gone = pairs[1]?.accepted as NetSocket;
    gone.destroy();
    const items = [...pairs.map((p) => p.accepted), null, first.accepted, (v6 as { accepted: NetSocket }).accepted] as NetSocket[];
    const results = await adoptNetSockets(sw, items);
    expect(results).toHaveLength(items.length);
    expect(results.map((r, i) => (r.error === undefined ? 'ok' : `${i} ${r.error.code}`)).filter((c) => c !== 'ok')).toEqual(['1 WSAEINVAL', '300 WSAEINVAL', '301 WSAEINVAL']);
    // 298 connected IPv4 sockets and one IPv6 one, one provider: 253, then the rest.
    expect(record.batches).toEqual([253, 47]);
    expect(record.singles).toBe(0);
    const s = theSocket(results[0]);
    expect(await recvExact(sw, s, 5)).toBe('early');
    first.client.write('later');
    expect(await recvExact(sw, s, 5)).toBe('later');
    // The names the switch keys access control by, as the kernel says them.
    const last = pairs[299] as { client: NetSocket };
    const t = theSocket(results[299]);
    expect(sw.getpeername(t)).toEqual({ address: '::ffff:127.0.0.1', port: last.client.localPort });
    const u = theSocket(results[302]);
    expect(sw.getpeername(u)).toEqual({ address: '::1', port: (v6 as { client: NetSocket }).client.localPort });
    await sw.send(u, 'from the switch');
    const [chunk] = (await once((v6 as { client: NetSocket }).client, 'data')) as [Buffer];
    expect(chunk.toString()).toBe('from the switch');
    for (const r of results) if (r.s !== undefined) await sw.closesocket(r.s);
  });

  it('should fall back to one WSPAdoptDescriptor per socket for a provider without WSPAdoptDescriptors', async () => {
    const { sw, record } = await fx.start({ single: true });
    const pairs = await fx.pairs(5);
    const results = await adoptNetSockets(
      sw,
      pairs.map((p) => p.accepted),
    );
    expect(record.batches).toEqual([]);
    expect(record.singles).toBe(5);
    const sockets = results.map(theSocket);
    for (const [at, s] of sockets.entries()) {
      (pairs[at] as { client: NetSocket }).client.write(`n${at}`);
      expect(await recvExact(sw, s, 2)).toBe(`n${at}`);
      await sw.closesocket(s);
    }
  });

  it('should fail alone, its descriptor closed, a socket whose WSPAdoptDescriptor throws at once (the fallback), as adoptNetSocket does', async () => {
    const { sw, record } = await fx.start({ single: true });
    const pairs = await fx.pairs(3);
    record.refuseSingleAtOnce = (call) => call === 2;
    const ended = once((pairs[1] as { client: NetSocket }).client, 'end');
    const results = await adoptNetSockets(
      sw,
      pairs.map((p) => p.accepted),
    );
    expect(results.map((r) => r.error?.code)).toEqual([undefined, 'WSAEMFILE', undefined]);
    // Its descriptor closed, as adoptNetSocket closes it: the client sees the connection end.
    await ended;
    for (const [at, r] of results.entries()) {
      if (r.s === undefined) continue;
      (pairs[at] as { client: NetSocket }).client.write(`n${at}`);
      expect(await recvExact(sw, r.s, 2)).toBe(`n${at}`);
      await sw.closesocket(r.s);
    }
    // The single call, likewise.
    const [other] = await fx.pairs(1);
    if (other === undefined) throw new Error('no pair');
    record.refuseSingleAtOnce = () => true;
    const otherEnded = once(other.client, 'end');
    await expect(adoptNetSocket(sw, other.accepted)).rejects.toMatchObject({ code: 'WSAEMFILE' });
    await otherEnded;
  });

  it('should close the descriptor of a socket the provider refused after its detach, and keep the others', async () => {
    const { sw, record } = await fx.start({ maxSockets: 2 });
    const pairs = await fx.pairs(3);
    const ended = once((pairs[2] as { client: NetSocket }).client, 'end');
    const results = await adoptNetSockets(
      sw,
      pairs.map((p) => p.accepted),
    );
    expect(record.batches).toEqual([3]);
    expect(results.map((r) => r.error?.code)).toEqual([undefined, undefined, 'WSAEMFILE']);
    // Its only descriptor closed: the client sees the connection end.
    await ended;
    for (const r of results) if (r.s !== undefined) await sw.closesocket(r.s);
  });

  it('should adopt the ready sockets at once and a socket with unsent writes once they reached the kernel', async () => {
    const { sw, record } = await fx.start();
    const [slow, fast] = await fx.pairs(2);
    if (slow === undefined || fast === undefined) throw new Error('no pairs');
    slow.client.pause();
    const big = Buffer.alloc(32 * 1024 * 1024, 0x61);
    slow.accepted.write(big);
    expect(slow.accepted.writableLength).toBeGreaterThan(0);
    const adopting = adoptNetSockets(sw, [slow.accepted, fast.accepted]);
    // The ready one went without waiting for the other's drain.
    expect(record.batches).toEqual([1]);
    let received = 0;
    slow.client.on('data', (chunk: Buffer) => (received += chunk.length));
    slow.client.resume();
    const results = await adopting;
    expect(record.batches).toEqual([1, 1]);
    const [s, t] = results.map(theSocket) as [number, number];
    while (received < big.length) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(received).toBe(big.length);
    await sw.send(s, 'after');
    fast.client.write('fast');
    expect(await recvExact(sw, t, 4)).toBe('fast');
    await sw.closesocket(s);
    await sw.closesocket(t);
  });

  it('should adopt a socket whose unsent writes never filled its buffer (Node emits no drain for them), adoptNetSockets as adoptNetSocket', async () => {
    const { sw } = await fx.start();
    const pairs = await fx.pairs(2);
    const totals: number[] = [];
    for (const p of pairs) {
      p.client.pause();
      // Small writes, each taken by the kernel at once, until one stays in Node: write() returned
      // true for it (under the high-water mark), so no 'drain' follows when it is written.
      const chunk = Buffer.alloc(8 * 1024, 0x61);
      let total = 0;
      for (let i = 0; i < 100_000 && p.accepted.writableLength === 0; i++) {
        expect(p.accepted.write(chunk)).toBe(true);
        total += chunk.length;
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(p.accepted.writableLength).toBeGreaterThan(0);
      expect(p.accepted.writableNeedDrain).toBe(false);
      totals.push(total);
    }
    const [viaMany, viaOne] = pairs as [{ client: NetSocket; accepted: NetSocket }, { client: NetSocket; accepted: NetSocket }];
    const many = adoptNetSockets(sw, [viaMany.accepted]);
    const one = adoptNetSocket(sw, viaOne.accepted);
    const received = [0, 0];
    for (const [at, p] of [viaMany, viaOne].entries()) {
      p.client.on('data', (data: Buffer) => (received[at] = (received[at] as number) + data.length));
      p.client.resume();
    }
    const [result] = await many;
    const s = theSocket(result);
    const t = await one;
    // Every byte Node held reached the client before the switch wrote its own.
    for (const [at, socket] of [s, t].entries()) {
      await sw.send(socket, 'after');
      const expected = (totals[at] as number) + 'after'.length;
      while ((received[at] as number) < expected) await new Promise((resolve) => setImmediate(resolve));
      expect(received[at]).toBe(expected);
      await sw.closesocket(socket);
    }
  });

  it('should refuse a socket destroyed while its writes waited (adoptNetSockets and adoptNetSocket), without waiting for a drain that never comes', async () => {
    const { sw, record } = await fx.start();
    const [slow] = await fx.pairs(1);
    if (slow === undefined) throw new Error('no pair');
    slow.client.pause();
    slow.accepted.write(Buffer.alloc(32 * 1024 * 1024));
    const adopting = adoptNetSockets(sw, [slow.accepted]);
    slow.accepted.destroy();
    const [result] = await adopting;
    expect(result?.error?.code).toBe('WSAEINVAL');
    // The single call likewise.
    const [other] = await fx.pairs(1);
    if (other === undefined) throw new Error('no pair');
    other.client.pause();
    other.accepted.write(Buffer.alloc(32 * 1024 * 1024));
    const single = adoptNetSocket(sw, other.accepted);
    other.accepted.destroy();
    await expect(single).rejects.toMatchObject({ code: 'WSAEINVAL' });
    expect(record.batches).toEqual([]);
    expect(record.singles).toBe(0);
  });

  it('should leave the peer check to WSPAdoptDescriptors: a socket reset before its adoption is refused and closed, one still connecting is refused untouched', async () => {
    const { sw, record } = await fx.start();
    // Accepted paused: Node does not read them, so it does not see the reset either; only the kernel does.
    const paused = createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve) => paused.listen(0, '127.0.0.1', resolve));
    const port = (paused.address() as AddressInfo).port;
    const accepted: NetSocket[] = [];
    paused.on('connection', (socket: NetSocket) => accepted.push(socket.on('error', () => {})));
    const clients: NetSocket[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const client = connect(port, '127.0.0.1').on('error', () => {});
        clients.push(client);
        await once(client, 'connect');
      }
      while (accepted.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      const reset = accepted.find((a) => a.remotePort === clients[0]?.localPort) as NetSocket;
      const live = accepted.find((a) => a.remotePort === clients[1]?.localPort) as NetSocket;
      const fd = (reset as unknown as { _handle: { fd: number } })._handle.fd;
      clients[0]?.resetAndDestroy();
      for (let i = 0; i < 400 && socketInfo(fd)?.connected === true; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(socketInfo(fd)?.connected).toBe(false);
      // Node has not noticed: the socket still looks connected to it.
      expect(reset.destroyed).toBe(false);
      const connecting = connect(port, '127.0.0.1').on('error', () => {});
      clients.push(connecting);
      expect(connecting.pending).toBe(true);
      const results = await adoptNetSockets(sw, [reset, connecting, live]);
      expect(results.map((r) => r.error?.code)).toEqual(['WSAEINVAL', 'WSAEINVAL', undefined]);
      expect(results[0]?.error?.message).toMatch('no peer');
      // The reset one was detached before the provider's check: its connection is over, here too.
      expect(reset.destroyed).toBe(true);
      // The connecting one was never touched: it connects and works as ever.
      await once(connecting, 'connect');
      expect(connecting.destroyed).toBe(false);
      expect(record.batches).toEqual([2]);
      const s = theSocket(results[2]);
      clients[1]?.write('live');
      live.resume();
      expect(await recvExact(sw, s, 4)).toBe('live');
      await sw.closesocket(s);
    } finally {
      for (const c of [...clients, ...accepted]) c.destroy();
      await new Promise<void>((resolve) => paused.close(() => resolve()));
    }
  });

  it('should refuse a Unix-domain net.Socket untouched, as adoptNetSocket does, even when one provider adopts both families', async () => {
    const { sw, record } = await fx.start();
    // Node's own rule for a socket with no IP peer (its remoteAddress is undefined): the switch must
    // not hand its descriptor to a provider of TCP sockets (which took it for AF_INET).
    const path = join(await mkdtemp(join(tmpdir(), 'switch-adopt-unix-')), 'unix.sock');
    const accepted: NetSocket[] = [];
    const unixServer = createServer((socket) => accepted.push(socket.on('error', () => {})));
    await new Promise<void>((resolve) => unixServer.listen(path, resolve));
    const clients: NetSocket[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const client = connect(path).on('error', () => {});
        clients.push(client);
        await once(client, 'connect');
      }
      while (accepted.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      const [single, many] = accepted as [NetSocket, NetSocket];
      await expect(adoptNetSocket(sw, single)).rejects.toMatchObject({ code: 'WSAEINVAL' });
      expect(single.destroyed).toBe(false);
      const [live] = await fx.pairs(1);
      if (live === undefined) throw new Error('no pair');
      const results = await adoptNetSockets(sw, [many, live.accepted]);
      expect(results.map((r) => r.error?.code)).toEqual(['WSAEINVAL', undefined]);
      expect(results[0]?.error?.message).toMatch('not connected');
      // Untouched: the provider never saw it, and it still carries the connection.
      expect(record.batches).toEqual([1]);
      expect(many.destroyed).toBe(false);
      // Whichever client is its peer hears it (a Unix connection has no port to pair them by).
      const echoed = Promise.race(clients.map(async (c) => ((await once(c, 'data')) as [Buffer])[0].toString()));
      many.write('still here');
      expect(await echoed).toBe('still here');
      await sw.closesocket(theSocket(results[1]));
    } finally {
      for (const c of [...clients, ...accepted]) c.destroy();
      await new Promise<void>((resolve) => unixServer.close(() => resolve()));
      await rm(join(path, '..'), { recursive: true, force: true });
    }
  });

  it('should leave a socket still draining untouched when WSACleanup runs meanwhile (adoptNetSockets and adoptNetSocket), and fail it with WSAENETDOWN', async () => {
    const { sw, record } = await fx.start();
    const [ready, slow, slowAlone] = await fx.pairs(3);
    if (ready === undefined || slow === undefined || slowAlone === undefined) throw new Error('no pairs');
    for (const p of [slow, slowAlone]) {
      p.client.pause();
      p.accepted.write(Buffer.alloc(32 * 1024 * 1024));
      expect(p.accepted.writableLength).toBeGreaterThan(0);
    }
    const adopting = adoptNetSockets(sw, [ready.accepted, slow.accepted]);
    // Its outcome is taken at once: it may fail before `adopting` settles, and must not go unhandled meanwhile.
    const adoptingAlone = adoptNetSocket(sw, slowAlone.accepted).catch((error: unknown) => error);
    // The ready one went into the provider at once; the others wait for their writes.
    expect(record.batches).toEqual([1]);
    await sw.WSACleanup();
    for (const p of [slow, slowAlone]) p.client.resume();
    const results = await adopting;
    expect(results.map((r) => r.error?.code)).toEqual(['WSAENETDOWN', 'WSAENETDOWN']);
    expect(await adoptingAlone).toMatchObject({ code: 'WSAENETDOWN' });
    // Never detached: the switch was gone when their writes reached the kernel; they are the caller's still.
    expect(record.batches).toEqual([1]);
    expect(record.singles).toBe(0);
    expect(slow.accepted.destroyed).toBe(false);
    expect(slowAlone.accepted.destroyed).toBe(false);
  });

  it('should fail adoptNetSocket with WSAENETDOWN, rather than resolve with a descriptor of the cleaned-up switch, when WSACleanup runs while the provider adopts', async () => {
    const { sw, record } = await fx.start({ single: true });
    const [pair] = await fx.pairs(1);
    if (pair === undefined) throw new Error('no pair');
    const ended = once(pair.client, 'end');
    let cleaning: Promise<void> | undefined;
    record.onAdopted = () => {
      cleaning = sw.WSACleanup();
    };
    await expect(adoptNetSocket(sw, pair.accepted)).rejects.toMatchObject({ code: 'WSAENETDOWN' });
    expect(record.singles).toBe(1);
    await cleaning;
    // The provider's cleanup closed the descriptor it had adopted.
    await ended;
  });

  it('should fail adoptNetSockets with WSAENETDOWN for every item when WSACleanup runs while the provider adopts, with or without WSPAdoptDescriptors', async () => {
    for (const single of [false, true]) {
      const { sw, record } = await fx.start({ single });
      const pairs = await fx.pairs(2);
      const ended = pairs.map((p) => once(p.client, 'end'));
      let cleaning: Promise<void> | undefined;
      record.onAdopted = () => {
        cleaning ??= sw.WSACleanup();
      };
      const results = await adoptNetSockets(
        sw,
        pairs.map((p) => p.accepted),
      );
      expect(results.map((r) => r.error?.code)).toEqual(['WSAENETDOWN', 'WSAENETDOWN']);
      await cleaning;
      await Promise.all(ended);
    }
  });

  it('should refuse a TLS socket untouched, adoptNetSocket as adoptNetSockets: its descriptor carries TLS records only Node can read and write', async () => {
    const { sw, record } = await fx.start();
    // A real handshake with a pre-shared key: no certificate to ship with the test.
    const psk = Buffer.alloc(32, 7);
    const tlsOptions = { ciphers: 'PSK-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' } as const;
    const accepted: TLSSocket[] = [];
    const tlsServer = createTlsServer({ ...tlsOptions, pskCallback: () => psk }, (socket) => accepted.push(socket.on('error', () => {})));
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const clients: TLSSocket[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const client = tlsConnect({ ...tlsOptions, port: (tlsServer.address() as AddressInfo).port, host: '127.0.0.1', pskCallback: () => ({ psk, identity: 'test' }), checkServerIdentity: () => undefined });
        clients.push(client.on('error', () => {}));
        await once(client, 'secureConnect');
      }
      while (accepted.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      const peerOf = (server: TLSSocket): TLSSocket => clients.find((c) => c.localPort === server.remotePort) as TLSSocket;
      const [single, many] = accepted as [TLSSocket, TLSSocket];
      await expect(adoptNetSocket(sw, single)).rejects.toMatchObject({ code: 'WSAEINVAL', message: expect.stringContaining('TLS') });
      const results = await adoptNetSockets(sw, [many]);
      expect(results.map((r) => r.error?.code)).toEqual(['WSAEINVAL']);
      // Untouched: neither reached a provider, and both still speak TLS to their clients.
      expect(record.batches).toEqual([]);
      expect(record.singles).toBe(0);
      for (const server of [single, many]) {
        const heard = once(peerOf(server), 'data');
        server.write('still tls');
        expect(((await heard) as [Buffer])[0].toString()).toBe('still tls');
      }
    } finally {
      for (const c of [...clients, ...accepted]) c.destroy();
      await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    }
  });

  it('should refuse what is not a net.Socket with WSAEINVAL, adoptNetSocket as adoptNetSockets', async () => {
    const { sw, record } = await fx.start();
    const notSockets = [null, undefined, 42, 'socket'] as unknown as NetSocket[];
    const results = await adoptNetSockets(sw, notSockets);
    expect(results.map((r) => r.error?.code)).toEqual(notSockets.map(() => 'WSAEINVAL'));
    for (const notSocket of notSockets) {
      const error = await adoptNetSocket(sw, notSocket).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(WsaError);
      expect(error).toMatchObject({ code: 'WSAEINVAL' });
    }
    expect(record.batches).toEqual([]);
    expect(record.singles).toBe(0);
  });

  it('should refuse every socket, untouched, when no provider has the extensions; and reject a call that is no array or after WSACleanup', async () => {
    const { sw } = await fx.start({}, true);
    const pairs = await fx.pairs(2);
    const results = await adoptNetSockets(
      sw,
      pairs.map((p) => p.accepted),
    );
    expect(results.map((r) => r.error?.code)).toEqual(['WSAEINVAL', 'WSAEINVAL']);
    expect(pairs.every((p) => !p.accepted.destroyed)).toBe(true);
    await expect(adoptNetSockets(sw, 'no' as unknown as NetSocket[])).rejects.toMatchObject({ code: 'WSAEINVAL' });
    await sw.WSACleanup();
    await expect(adoptNetSockets(sw, [])).rejects.toMatchObject({ code: 'WSAENETDOWN' });
  });
});
