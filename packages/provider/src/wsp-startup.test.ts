import dgram from 'node:dgram';
import { closeSync, existsSync, fstatSync, openSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { isWsaError, SD, SO, SOL_SOCKET, TCP_NODELAY, type WspStartupResult } from '@sanshare/protocol-info';
import { detachNetSocket, dupFd } from '@sanshare/transport-uds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testCatalogEntry } from '../test/helpers/catalog.js';
import { fdCount, makeRuntimeDir, removeRuntimeDir } from '../test/helpers/temp-dir.js';
import { createTestUpcalls, type TestUpcalls } from '../test/helpers/test-upcalls.js';
import { WSPStartup } from './index.js';
import { rejection } from '@sanshare/internal/testing';

async function echoServer(host: string): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer({ allowHalfOpen: true }, (c) => {
    c.on('error', () => {});
    c.on('data', (d) => c.write(d));
    c.on('end', () => c.end());
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as net.AddressInfo).port };
}

function rejectionSync(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** A socket's names, asked before its first use (no `net.Socket` yet) and after one byte each way: the same both times. */
async function expectNamesAcrossFirstUse(p: WspStartupResult['procTable'], t: number, local: { address: string | undefined; port: number | undefined }, peer: { address: string; port: number }): Promise<void> {
  for (const used of [false, true]) {
    if (used) {
      await p.WSPSend(t, new Uint8Array([1]));
      expect((await p.WSPRecv(t)).length).toBe(1);
    }
    expect(p.WSPGetSockName(t)).toEqual(local);
    expect(p.WSPGetPeerName(t)).toEqual(peer);
  }
}


describe('WSPStartup', () => {
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

  const start = async (options: Record<string, unknown> = {}): Promise<WspStartupResult> => {
    started = await WSPStartup(0x0202, testCatalogEntry(), upcalls, { runtimeDir: dir, ...options });
    return started;
  };

  it('should accept version 2.2 only, and reject malformed arguments with WSAEINVAL', async () => {
    for (const version of [0x0101, 0x0002, 0x0203]) {
      expect(isWsaError(await rejection(WSPStartup(version, testCatalogEntry(), upcalls, { runtimeDir: dir })), 'WSAEINVAL')).toBe(true);
    }
    expect(isWsaError(await rejection(WSPStartup(0x0202, testCatalogEntry(), upcalls, { runtimeDir: dir, maxSockets: -1 })), 'WSAEINVAL')).toBe(true);
    for (const exportCredits of [-1, 65, 1.5, '4']) {
      expect(isWsaError(await rejection(WSPStartup(0x0202, testCatalogEntry(), upcalls, { runtimeDir: dir, exportCredits })), 'WSAEINVAL')).toBe(true);
    }
    const noUpcalls = { WPUCreateSocketHandle: upcalls.WPUCreateSocketHandle } as unknown as TestUpcalls;
    expect(isWsaError(await rejection(WSPStartup(0x0202, testCatalogEntry(), noUpcalls, { runtimeDir: dir })), 'WSAEINVAL')).toBe(true);
    const result = await start();
    expect(result.version).toBe(0x0202);
    expect(result.extensions).toBeDefined();
    expect(existsSync(join(dir, `${process.pid}.sock`))).toBe(true);
  });

  it('should connect over IPv6, echo, report both addresses and close without a leak', async () => {
    const { server, port } = await echoServer('::1');
    try {
      const { procTable: p } = await start();
      const s = await p.WSPSocket(23, 1, 6, null, 0, 0);
      await p.WSPConnect(s, { address: '::1', port });
      expect(p.WSPGetPeerName(s)).toEqual({ address: '::1', port });
      expect(p.WSPGetSockName(s).address).toBe('::1');
      expect(await p.WSPSend(s, new Uint8Array([1, 2, 3]))).toBe(3);
      let got = 0;
      while (got < 3) got += (await p.WSPRecv(s, { maxBytes: 2 })).length;
      expect(got).toBe(3);
      await p.WSPShutdown(s, SD.SEND);
      expect((await p.WSPRecv(s)).length).toBe(0);
      await p.WSPCloseSocket(s);
      expect([...upcalls.handles.keys()]).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('should validate socket arguments and state with WsaError codes', async () => {
    const { procTable: p } = await start();
    expect(isWsaError(await rejection(p.WSPSocket(99, 1, 6, null, 0, 0)))).toBe(true);
    expect(isWsaError(await rejection(p.WSPSocket(2, 2, 17, null, 0, 0)))).toBe(true);
    const s = await p.WSPSocket(2, 1, 6, null, 0, 0);
    expect(isWsaError(await rejection(p.WSPRecv(s)), 'WSAENOTCONN')).toBe(true);
    expect(isWsaError(await rejection(p.WSPSend(s, new Uint8Array(1))), 'WSAENOTCONN')).toBe(true);
    expect(isWsaError(await rejection(p.WSPConnect(s, { address: '::1', port: 1 })))).toBe(true);
    expect(isWsaError(await rejection(p.WSPShutdown(s, 7)), 'WSAEINVAL')).toBe(true);
    expect(isWsaError(await rejection(p.WSPListen(s, 5)), 'WSAEINVAL')).toBe(true);
    expect(isWsaError(await rejection(p.WSPDuplicateSocket(s, process.pid)), 'WSAEINVAL')).toBe(true);
    expect(() => p.WSPSetSockOpt(s, SOL_SOCKET, 0x7777, 1)).toThrow(expect.objectContaining({ code: 'WSAEINVAL' }));
    expect(isWsaError(await rejection(p.WSPSocket(-1, -1, -1, { ...testCatalogEntry(), dwProviderReserved: 5 }, 0, 0)), 'WSAEINVAL')).toBe(true);
    // Options before the kernel socket exists: validated now, defaults from the kernel's settings.
    expect(p.WSPGetSockOpt(s, SOL_SOCKET, SO.KEEPALIVE)).toBe(false);
    expect(p.WSPGetSockOpt(s, SOL_SOCKET, SO.RCVBUF)).toBeGreaterThan(0);
    expect(() => p.WSPSetSockOpt(s, 6, TCP_NODELAY, { onoff: true, linger: 1 })).toThrow(expect.objectContaining({ code: 'WSAEINVAL' }));
    await p.WSPCloseSocket(s);
    expect(isWsaError(await rejection(p.WSPCloseSocket(s)), 'WSAENOTSOCK')).toBe(true);
  });

  it("should refuse what it does not implement with Winsock's codes, whatever a real catalog entry holds", async () => {
    const { procTable: p } = await start();
    const code = async (af: number, type: number, protocol: number, info: Parameters<typeof p.WSPSocket>[3] = null): Promise<string> =>
      ((await rejection(p.WSPSocket(af, type, protocol, info, 0, 0))) as { code: string }).code;
    // Families of real ws2_32 catalogs: IPX/SPX 6, IrDA 26, Bluetooth 32, Hyper-V 34; and any other number.
    for (const af of [0, 6, 26, 32, 34, 99, -1]) expect(await code(af, 1, 6)).toBe('WSAEAFNOSUPPORT');
    // SOCK_DGRAM, RAW, RDM, SEQPACKET, and any other type.
    for (const type of [2, 3, 4, 5, 0, 77]) expect(await code(2, type, 0)).toBe('WSAESOCKTNOSUPPORT');
    // A protocol of another type (UDP, ICMP, ICMPv6) with SOCK_STREAM; any other unknown one, NSPROTO_SPX included.
    for (const protocol of [17, 1, 58]) expect(await code(23, 1, protocol)).toBe('WSAEPROTOTYPE');
    for (const protocol of [1256, 132, 255]) expect(await code(2, 1, protocol)).toBe('WSAEPROTONOSUPPORT');
    // From a catalog entry's protocol info (FROM_PROTOCOL_INFO): the SPX entry of a real catalog.
    const spx = { ...testCatalogEntry(), iAddressFamily: 6, iSocketType: 5, iProtocol: 1256 };
    expect(await code(-1, -1, -1, spx)).toBe('WSAEAFNOSUPPORT');
    const first = (await rejection(p.WSPSocket(26, 1, 6, null, 0, 0))) as Error;
    expect(first.message).toBe('WSAEAFNOSUPPORT: address family 26 is not supported by this provider; use AF_INET (2) or AF_INET6 (23)');
    // TCP over IPv4 and IPv6, with protocol 0 or 6, is what it implements.
    for (const [af, protocol] of [[2, 6], [2, 0], [23, 6], [23, 0]] as const) await p.WSPCloseSocket(await p.WSPSocket(af, 1, protocol, null, 0, 0));
  });

  it('should answer the names of an imported socket from its descriptor while no net.Socket wraps it', async () => {
    const { procTable: p } = await start();
    const { server, port } = await echoServer('127.0.0.1');
    try {
      const s = await p.WSPSocket(2, 1, 6, null, 0, 0);
      await p.WSPConnect(s, { address: '127.0.0.1', port });
      const local = p.WSPGetSockName(s);
      const t = await p.WSPSocket(-1, -1, -1, await p.WSPDuplicateSocket(s, process.pid), 0, 0);
      // Not wrapped yet: the same answers as the wrapped socket gives.
      await expectNamesAcrossFirstUse(p, t, local, { address: '127.0.0.1', port });
      await p.WSPCloseSocket(t);
      await p.WSPCloseSocket(s);
    } finally {
      server.close();
    }
  });

  it('should fail a refused connection with a WsaError and keep the socket usable for another try', async () => {
    const { server, port } = await echoServer('127.0.0.1');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const { procTable: p } = await start();
    const s = await p.WSPSocket(2, 1, 6, null, 0, 0);
    const error = await rejection(p.WSPConnect(s, { address: '127.0.0.1', port }));
    expect(isWsaError(error)).toBe(true);
    expect(isWsaError(error, 'WSAEINPROGRESS')).toBe(false);
    await p.WSPCloseSocket(s);
  });

  it('should time a WSPRecv out with SO_RCVTIMEO, and cancel one with an AbortSignal', async () => {
    const { server, port } = await echoServer('127.0.0.1');
    try {
      const { procTable: p } = await start();
      const s = await p.WSPSocket(2, 1, 6, null, 0, 0);
      await p.WSPConnect(s, { address: '127.0.0.1', port });
      const controller = new AbortController();
      const pending = p.WSPRecv(s, { signal: controller.signal });
      controller.abort();
      expect((await rejection(pending)) as Error).toMatchObject({ name: 'AbortError' });
      p.WSPSetSockOpt(s, SOL_SOCKET, SO.RCVTIMEO, 50);
      const timedOut = await rejection(p.WSPRecv(s));
      expect(isWsaError(timedOut, 'WSAETIMEDOUT')).toBe(true);
      await p.WSPCloseSocket(s);
    } finally {
      server.close();
    }
  });

  it('should time a WSPSend out with SO_SNDTIMEO while the peer reads nothing, and still deliver the queued bytes once it reads', async () => {
    // A peer that reads nothing until told to: the kernel's buffers fill, the rest waits in the provider.
    let peer: net.Socket | undefined;
    let received = 0;
    const server = net.createServer({ pauseOnConnect: true }, (c) => {
      peer = c;
      c.on('error', () => {});
      c.on('data', (d: Buffer) => {
        received += d.length;
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { procTable: p } = await start();
      const s = await p.WSPSocket(2, 1, 6, null, 0, 0);
      await p.WSPConnect(s, { address: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
      p.WSPSetSockOpt(s, SOL_SOCKET, SO.SNDTIMEO, 100);
      expect(p.WSPGetSockOpt(s, SOL_SOCKET, SO.SNDTIMEO)).toBe(100);
      const big = Buffer.alloc(64 * 1024 * 1024, 5);
      const timedOut = await rejection(p.WSPSend(s, big));
      expect(isWsaError(timedOut, 'WSAETIMEDOUT')).toBe(true);
      // Indeterminate, as on Windows: the bytes stay queued and go out once the peer reads.
      for (let i = 0; i < 100 && peer === undefined; i++) await new Promise((r) => setTimeout(r, 10));
      peer?.resume();
      await p.WSPShutdown(s, SD.SEND);
      await new Promise<void>((resolve) => peer?.once('end', resolve));
      expect(received).toBe(big.length);
      await p.WSPCloseSocket(s);
    } finally {
      server.close();
    }
  });

  it("should reject a cancelled call with the caller's own abort reason, not a WsaError", async () => {
    const { server, port } = await echoServer('127.0.0.1');
    try {
      const { procTable: p, extensions } = await start();
      const s = await p.WSPSocket(2, 1, 6, null, 0, 0);
      await p.WSPConnect(s, { address: '127.0.0.1', port });
      const reason = new Error('the caller gave up');
      const recv = new AbortController();
      const pendingRecv = p.WSPRecv(s, { signal: recv.signal });
      recv.abort(reason);
      expect(await rejection(pendingRecv)).toBe(reason);
      const receive = new AbortController();
      const pendingReceive = extensions?.WSPReceiveDuplicate?.({ signal: receive.signal });
      receive.abort(reason);
      expect(await rejection(pendingReceive as Promise<unknown>)).toBe(reason);
      // The socket is untouched by the cancelled read: it still echoes.
      await p.WSPSend(s, Buffer.from('still here'));
      expect(Buffer.from(await p.WSPRecv(s)).toString()).toBe('still here');
      await p.WSPCloseSocket(s);
    } finally {
      server.close();
    }
  });

  it('should fail a WSPRecv waiting during a hand-off with WSAEINVAL and deliver its bytes to the importer only', async () => {
    const { server, port } = await echoServer('127.0.0.1');
    try {
      const { procTable: p } = await start();
      const s = await p.WSPSocket(2, 1, 6, null, 0, 0);
      await p.WSPConnect(s, { address: '127.0.0.1', port });
      const waiting = rejection(p.WSPRecv(s));
      const info = await p.WSPDuplicateSocket(s, process.pid);
      expect(isWsaError(await waiting, 'WSAEINVAL')).toBe(true);
      const t = await p.WSPSocket(-1, -1, -1, info, 0, 0);
      await p.WSPCloseSocket(s);
      await p.WSPSend(t, new Uint8Array([5, 6, 7]));
      const got: number[] = [];
      while (got.length < 3) got.push(...(await p.WSPRecv(t)));
      expect(got).toEqual([5, 6, 7]);
      await p.WSPCloseSocket(t);
    } finally {
      server.close();
    }
  });

  it('should see its endpoint file replaced by another (watched, not stat\'ed per call) and refuse to duplicate with WSAENETDOWN', async () => {
    const { server, port } = await echoServer('127.0.0.1');
    try {
      const { procTable: p } = await start();
      const s = await p.WSPSocket(2, 1, 6, null, 0, 0);
      await p.WSPConnect(s, { address: '127.0.0.1', port });
      // Healthy: a duplication into this process works, many times over without a look at the file.
      for (let i = 0; i < 3; i++) await p.WSPCloseSocket(await p.WSPSocket(-1, -1, -1, await p.WSPDuplicateSocket(s, process.pid), 0, 0));
      const path = join(dir, `${process.pid}.sock`);
      rmSync(path);
      writeFileSync(path, 'not the endpoint');
      // An I/O poll of the event loop (two immediates: the second runs after a poll phase), as
      // when another process replaces it: the watch reports it there.
      await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
      expect(isWsaError(await rejection(p.WSPDuplicateSocket(s, process.pid)), 'WSAENETDOWN')).toBe(true);
      // The socket itself is untouched.
      await p.WSPSend(s, Buffer.from('still mine'));
      expect(Buffer.from(await p.WSPRecv(s)).toString()).toBe('still mine');
      await p.WSPCloseSocket(s);
    } finally {
      server.close();
    }
  });

  it('should fail WSPDuplicateSocket of a reset connection with WSAEINVAL, one of its five codes', async () => {
    const server = net.createServer((c) => c.on('data', () => c.resetAndDestroy()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { procTable: p } = await start();
      const s = await p.WSPSocket(2, 1, 6, null, 0, 0);
      await p.WSPConnect(s, { address: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
      await p.WSPSend(s, new Uint8Array([1]));
      expect(isWsaError(await rejection(p.WSPRecv(s)), 'WSAECONNRESET')).toBe(true);
      expect(isWsaError(await rejection(p.WSPDuplicateSocket(s, process.pid)), 'WSAEINVAL')).toBe(true);
      await p.WSPCloseSocket(s);
    } finally {
      server.close();
    }
  });

  it('should adopt, identify and detach a kernel descriptor', async () => {
    const { server, port } = await echoServer('127.0.0.1');
    try {
      const { procTable: p, extensions } = await start();
      const ext = extensions as NonNullable<WspStartupResult['extensions']>;
      const s = await p.WSPSocket(2, 1, 6, null, 0, 0);
      await p.WSPConnect(s, { address: '127.0.0.1', port });
      await p.WSPSend(s, new Uint8Array([9, 9]));
      const cookie = ext.WSPGetSocketCookie(s);
      const { fd, readAhead } = await ext.WSPDetachDescriptor(s);
      expect(isWsaError(await rejection(p.WSPRecv(s)), 'WSAENOTSOCK')).toBe(true);
      const t = await ext.WSPAdoptDescriptor(fd, readAhead);
      expect(ext.WSPGetSocketCookie(t)).toBe(cookie);
      let got = 0;
      while (got < 2) got += (await p.WSPRecv(t)).length;
      expect(got).toBe(2);
      await p.WSPCloseSocket(t);
    } finally {
      server.close();
    }
  });

  it('should name an adopted socket and an adopted listener as the kernel does, before and after first use', async () => {
    const { server, port } = await echoServer('127.0.0.1');
    try {
      const { procTable: p, extensions } = await start();
      const ext = extensions as NonNullable<WspStartupResult['extensions']>;
      const client = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => client.once('connect', resolve));
      const local = { address: client.localAddress, port: client.localPort };
      const { fd, readAhead } = detachNetSocket(client);
      const t = await ext.WSPAdoptDescriptor(fd, readAhead);
      // Unwrapped (the names read from its descriptor, then kept), then wrapped by its first use: the same answers.
      await expectNamesAcrossFirstUse(p, t, local, { address: '127.0.0.1', port });
      await p.WSPCloseSocket(t);
      const listener = await ext.WSPAdoptDescriptor(dupFd((server as unknown as { _handle: { fd: number } })._handle.fd));
      expect(p.WSPGetSockName(listener)).toEqual({ address: '127.0.0.1', port });
      expect(p.WSPGetSockName(listener)).toEqual({ address: '127.0.0.1', port });
      expect(isWsaError(rejectionSync(() => p.WSPGetPeerName(listener)), 'WSAENOTCONN')).toBe(true);
      await p.WSPCloseSocket(listener);
    } finally {
      server.close();
    }
  });

  it('should refuse to adopt a descriptor that is not a stream socket, leaving it open and the caller\'s', async () => {
    const { extensions } = await start();
    const ext = extensions as NonNullable<WspStartupResult['extensions']>;
    const file = join(dir, 'not-a-socket');
    writeFileSync(file, 'x');
    const fileFd = openSync(file, 'r');
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    try {
      const notSocket = await rejection(ext.WSPAdoptDescriptor(fileFd));
      expect(isWsaError(notSocket, 'WSAENOTSOCK')).toBe(true);
      expect((notSocket as Error).message).toMatch(`descriptor ${fileFd} is not a socket`);
      const udpFd = (udp as unknown as { _handle: { fd: number } })._handle.fd;
      const datagram = await rejection(ext.WSPAdoptDescriptor(udpFd));
      expect(isWsaError(datagram, 'WSAEINVAL')).toBe(true);
      expect((datagram as Error).message).toMatch(`descriptor ${udpFd} is not a stream socket (type 2)`);
      // Both still open: a refused descriptor stays the caller's.
      expect(fstatSync(fileFd).isFile()).toBe(true);
      expect(fstatSync(udpFd).isSocket()).toBe(true);
    } finally {
      closeSync(fileFd);
      udp.close();
    }
  });

  it('should answer WSAENETDOWN after WSPCleanup, with its endpoint and descriptors gone', async () => {
    const { server, port } = await echoServer('127.0.0.1');
    try {
      const baseline = fdCount(process.pid);
      const { procTable: p } = await start();
      const s = await p.WSPSocket(2, 1, 6, null, 0, 0);
      await p.WSPConnect(s, { address: '127.0.0.1', port });
      await p.WSPCleanup();
      started = undefined;
      expect(existsSync(join(dir, `${process.pid}.sock`))).toBe(false);
      expect(isWsaError(await rejection(p.WSPRecv(s)), 'WSAENETDOWN')).toBe(true);
      expect(isWsaError(await rejection(p.WSPSocket(2, 1, 6, null, 0, 0)), 'WSAENETDOWN')).toBe(true);
      expect([...upcalls.handles.keys()]).toEqual([]);
      // The echo server's side of the connection closes when our close reaches it.
      for (let i = 0; i < 200 && fdCount(process.pid) !== baseline; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(fdCount(process.pid)).toBe(baseline);
    } finally {
      server.close();
    }
  });
});
