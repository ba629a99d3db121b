import dgram from 'node:dgram';
import { closeSync, fstatSync, openSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { isWsaError, type AdoptBatchItem, type SocketBatchResult, type WspStartupResult } from '@sanshare/protocol-info';
import { detachNetSocket, dupFd, getSocketCookie, SCM_MAX_FD, socketInfo } from '@sanshare/transport-uds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testCatalogEntry } from '../test/helpers/catalog.js';
import { fdCount, makeRuntimeDir, removeRuntimeDir } from '../test/helpers/temp-dir.js';
import { createTestUpcalls, type TestUpcalls } from '../test/helpers/test-upcalls.js';
import { WSPStartup } from './index.js';
import { rejection } from '@sanshare/internal/testing';

type Extensions = NonNullable<WspStartupResult['extensions']>;

/** A server that echoes; `accepted` are its ends of the connections. */
async function echoServer(host: string): Promise<{ server: net.Server; port: number; accepted: net.Socket[] }> {
  const accepted: net.Socket[] = [];
  const server = net.createServer((c) => {
    accepted.push(c);
    c.on('error', () => {});
    c.on('data', (d) => c.write(d));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as net.AddressInfo).port, accepted };
}

/** `count` connected clients of `port`, each taken out of Node (descriptor and read-ahead). */
async function connectedDescriptors(host: string, port: number, count: number): Promise<Array<{ fd: number; readAhead: Uint8Array; local: { address: string; port: number } }>> {
  const clients = await Promise.all(
    Array.from({ length: count }, async () => {
      const client = net.connect(port, host);
      await new Promise((resolve) => client.once('connect', resolve));
      return client;
    }),
  );
  return clients.map((client) => {
    const local = { address: client.localAddress as string, port: client.localPort as number };
    return { ...detachNetSocket(client), local };
  });
}

function theSocket(result: SocketBatchResult | undefined): number {
  if (result?.s === undefined) throw new Error(`expected an adopted socket, got ${String(result?.error)}`);
  return result.s;
}


describe('WSPAdoptDescriptors', () => {
  let dir: string;
  let upcalls: TestUpcalls;
  let started: WspStartupResult | undefined;

  beforeEach(() => {
    dir = makeRuntimeDir();
    upcalls = createTestUpcalls();
  });
  afterEach(async () => {
    await started?.procTable.WSPCleanup();
    started = undefined;
    removeRuntimeDir(dir);
  });

  const start = async (): Promise<{ p: WspStartupResult['procTable']; ext: Extensions }> => {
    started = await WSPStartup(0x0202, testCatalogEntry(), upcalls, { runtimeDir: dir });
    return { p: started.procTable, ext: started.extensions as Extensions };
  };

  it('should adopt each good descriptor of a mixed batch and refuse each bad one with its own error, leaving it open', async () => {
    const v4 = await echoServer('127.0.0.1');
    const v6 = await echoServer('::1');
    const file = join(dir, 'not-a-socket');
    writeFileSync(file, 'x');
    const fileFd = openSync(file, 'r');
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    try {
      const { p, ext } = await start();
      const [a, b] = await connectedDescriptors('127.0.0.1', v4.port, 2);
      const [c] = await connectedDescriptors('::1', v6.port, 1);
      if (a === undefined || b === undefined || c === undefined) throw new Error('no clients');
      const listenerFd = dupFd((v4.server as unknown as { _handle: { fd: number } })._handle.fd);
      const udpFd = (udp as unknown as { _handle: { fd: number } })._handle.fd;
      const closedFd = openSync(file, 'r');
      closeSync(closedFd);
      const items: unknown[] = [
        { fd: a.fd, readAhead: new Uint8Array([7]) },
        { fd: fileFd },
        { fd: c.fd },
        { fd: udpFd },
        { fd: closedFd },
        { fd: listenerFd },
        { fd: a.fd },
        null,
        { fd: -1 },
        { fd: b.fd, readAhead: 'not bytes' },
        { fd: b.fd },
      ];
      const results = await ext.WSPAdoptDescriptors?.(items as AdoptBatchItem[]);
      if (results === undefined) throw new Error('the provider has no WSPAdoptDescriptors');
      expect(results).toHaveLength(items.length);
      const codes = results.map((r) => (r.error === undefined ? 'ok' : r.error.code));
      expect(codes).toEqual(['ok', 'WSAENOTSOCK', 'ok', 'WSAEINVAL', 'WSAENOTSOCK', 'ok', 'WSAEINVAL', 'WSAEFAULT', 'WSAEINVAL', 'WSAEFAULT', 'ok']);
      // The single call's messages.
      expect(results[1]?.error?.message).toMatch(`descriptor ${fileFd} is not a socket`);
      expect(results[3]?.error?.message).toMatch(`descriptor ${udpFd} is not a stream socket (type 2)`);
      expect(results[6]?.error?.message).toMatch('is item 0 of this batch already');
      // Refused descriptors are still the caller's, open.
      expect(fstatSync(fileFd).isFile()).toBe(true);
      expect(fstatSync(udpFd).isSocket()).toBe(true);
      // Adopted ones work, read-ahead first, with the kernel's names, before and after first use.
      const sa = theSocket(results[0]);
      for (const used of [false, true]) {
        expect(p.WSPGetSockName(sa)).toEqual(a.local);
        expect(p.WSPGetPeerName(sa)).toEqual({ address: '127.0.0.1', port: v4.port });
        if (!used) expect(Array.from(await p.WSPRecv(sa))).toEqual([7]);
      }
      await p.WSPSend(sa, new Uint8Array([1, 2]));
      let got = 0;
      while (got < 2) got += (await p.WSPRecv(sa)).length;
      const sc = theSocket(results[2]);
      expect(p.WSPGetSockName(sc)).toEqual(c.local);
      expect(p.WSPGetPeerName(sc)).toEqual({ address: '::1', port: v6.port });
      const listener = theSocket(results[5]);
      expect(p.WSPGetSockName(listener)).toEqual({ address: '127.0.0.1', port: v4.port });
      expect(() => p.WSPGetPeerName(listener)).toThrow(expect.objectContaining({ code: 'WSAENOTCONN' }));
      for (const s of [sa, sc, listener, theSocket(results[10])]) await p.WSPCloseSocket(s);
      expect([...upcalls.handles.keys()]).toEqual([]);
    } finally {
      closeSync(fileFd);
      udp.close();
      v4.server.close();
      v6.server.close();
    }
  });

  it('should refuse a connected Unix-domain stream descriptor with WSAEINVAL (single and batch), leaving it open, and adopt the TCP one beside it', async () => {
    const path = join(dir, 'unix-peer');
    const accepted: net.Socket[] = [];
    const unixServer = net.createServer((c) => accepted.push(c.on('error', () => {})));
    await new Promise<void>((resolve) => unixServer.listen(path, resolve));
    const { server, port } = await echoServer('127.0.0.1');
    try {
      const { p, ext } = await start();
      const unix = await Promise.all(
        [0, 1].map(async () => {
          const client = net.connect(path);
          await new Promise((resolve) => client.once('connect', resolve));
          return detachNetSocket(client).fd;
        }),
      );
      const [single, batched] = unix as [number, number];
      const [tcp] = await connectedDescriptors('127.0.0.1', port, 1);
      if (tcp === undefined) throw new Error('no client');
      // A provider of TCP sockets: a Unix socket taken for one answers no name and cannot be duplicated.
      const refused = await rejection(ext.WSPAdoptDescriptor(single));
      expect(refused).toMatchObject({ code: 'WSAEINVAL', message: expect.stringContaining(`descriptor ${single} is a stream socket of domain 1`) });
      const results = await ext.WSPAdoptDescriptors?.([{ fd: batched }, { fd: tcp.fd }]);
      expect(results?.[0]?.error).toMatchObject({ code: 'WSAEINVAL', message: expect.stringContaining(`descriptor ${batched} is a stream socket of domain 1`) });
      // Refused: still the caller's, open.
      for (const fd of unix) {
        expect(fstatSync(fd).isSocket()).toBe(true);
        closeSync(fd);
      }
      const s = theSocket(results?.[1]);
      expect(p.WSPGetSockName(s)).toEqual(tcp.local);
      await p.WSPCloseSocket(s);
      expect([...upcalls.handles.keys()]).toEqual([]);
    } finally {
      for (const c of accepted) c.destroy();
      unixServer.close();
      server.close();
    }
  });

  it('should refuse a read-ahead that is not a Uint8Array with WSAEFAULT, WSPAdoptDescriptor as WSPAdoptDescriptors, leaving the descriptor open', async () => {
    const { server, port } = await echoServer('127.0.0.1');
    try {
      const { ext } = await start();
      const [single, batched] = await connectedDescriptors('127.0.0.1', port, 2);
      if (single === undefined || batched === undefined) throw new Error('no clients');
      // A string would otherwise become the first bytes WSPRecv returns, as if the peer had sent them.
      for (const bad of ['not bytes', [1, 2], { length: 3 }]) {
        const refused = await rejection(ext.WSPAdoptDescriptor(single.fd, bad as unknown as Uint8Array));
        expect(refused).toMatchObject({ code: 'WSAEFAULT' });
        const results = await ext.WSPAdoptDescriptors?.([{ fd: batched.fd, readAhead: bad as unknown as Uint8Array }]);
        expect(results?.[0]?.error).toMatchObject({ code: 'WSAEFAULT' });
      }
      for (const fd of [single.fd, batched.fd]) {
        expect(fstatSync(fd).isSocket()).toBe(true);
        closeSync(fd);
      }
      expect([...upcalls.handles.keys()]).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('should keep the names it read at adoption, so that they answer after the connection was reset', async () => {
    const { server, port, accepted } = await echoServer('127.0.0.1');
    try {
      const { p, ext } = await start();
      const [single, batched] = await connectedDescriptors('127.0.0.1', port, 2);
      if (single === undefined || batched === undefined) throw new Error('no clients');
      const t = await ext.WSPAdoptDescriptor(single.fd, single.readAhead);
      const results = await ext.WSPAdoptDescriptors?.([{ fd: batched.fd, readAhead: batched.readAhead }]);
      const s = theSocket(results?.[0]);
      // Both reset by the server; the kernel then has no peer for either.
      while (accepted.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      for (const c of accepted) c.resetAndDestroy();
      for (let i = 0; i < 400 && (socketInfo(single.fd)?.connected === true || socketInfo(batched.fd)?.connected === true); i++) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(socketInfo(batched.fd)?.connected).toBe(false);
      // The batch read the names with its check: they answer from the entry.
      expect(p.WSPGetPeerName(s)).toEqual({ address: '127.0.0.1', port });
      expect(p.WSPGetSockName(s)).toEqual(batched.local);
      // The single call did not: asked now, the kernel knows no peer any more.
      expect(() => p.WSPGetPeerName(t)).toThrow(expect.objectContaining({ code: 'WSAENOTCONN' }));
      await p.WSPCloseSocket(s);
      await p.WSPCloseSocket(t);
    } finally {
      server.close();
    }
  });

  it('should refuse a connection reset before its adoption (no peer) with WSAEINVAL, leaving its descriptor open, and adopt the others', async () => {
    const { server, port, accepted } = await echoServer('127.0.0.1');
    try {
      const { p, ext } = await start();
      const [reset, live] = await connectedDescriptors('127.0.0.1', port, 2);
      if (reset === undefined || live === undefined) throw new Error('no clients');
      while (accepted.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      // The server's end of the first connection resets it: the client's descriptor has no peer any more.
      const resetLocalPort = reset.local.port;
      for (const c of accepted) if (c.remotePort === resetLocalPort) c.resetAndDestroy();
      for (let i = 0; i < 400 && socketInfo(reset.fd)?.connected === true; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(socketInfo(reset.fd)?.connected).toBe(false);
      const results = await ext.WSPAdoptDescriptors?.([{ fd: reset.fd }, { fd: live.fd }]);
      expect(results?.[0]?.error).toMatchObject({ code: 'WSAEINVAL', message: expect.stringContaining('no peer') });
      // Refused: still the caller's, open.
      expect(fstatSync(reset.fd).isSocket()).toBe(true);
      closeSync(reset.fd);
      const s = theSocket(results?.[1]);
      expect(p.WSPGetPeerName(s)).toEqual({ address: '127.0.0.1', port });
      await p.WSPCloseSocket(s);
      expect([...upcalls.handles.keys()]).toEqual([]);
    } finally {
      server.close();
    }
  });

  it(`should adopt ${SCM_MAX_FD} connections in order, and refuse a call of more, or not an array, or after WSPCleanup`, async () => {
    const { server, port } = await echoServer('127.0.0.1');
    try {
      const baseline = fdCount(process.pid);
      const { p, ext } = await start();
      const adopt = ext.WSPAdoptDescriptors;
      if (adopt === undefined) throw new Error('the provider has no WSPAdoptDescriptors');
      const conns = await connectedDescriptors('127.0.0.1', port, SCM_MAX_FD);
      const tooMany = await rejection(adopt([...conns, conns[0]].map((c) => ({ fd: (c as { fd: number }).fd }))));
      expect(isWsaError(tooMany, 'WSAEINVAL')).toBe(true);
      expect(isWsaError(await rejection(adopt('nope' as unknown as AdoptBatchItem[])), 'WSAEINVAL')).toBe(true);
      const cookies = conns.map((c) => getSocketCookie(c.fd));
      const results = await adopt(conns.map(({ fd, readAhead }) => ({ fd, readAhead })));
      const sockets = results.map(theSocket);
      expect(sockets.map((s) => ext.WSPGetSocketCookie(s))).toEqual(cookies);
      expect(sockets.map((s) => p.WSPGetSockName(s))).toEqual(conns.map((c) => c.local));
      for (const s of sockets) await p.WSPCloseSocket(s);
      expect(await adopt([])).toEqual([]);
      await p.WSPCleanup();
      started = undefined;
      expect(isWsaError(await rejection(adopt([])), 'WSAENETDOWN')).toBe(true);
      // Every adopted descriptor closed with its socket (the server's ends close as our FINs reach it).
      for (let i = 0; i < 400 && fdCount(process.pid) > baseline; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(fdCount(process.pid)).toBeLessThanOrEqual(baseline);
    } finally {
      server.close();
    }
  });
});
