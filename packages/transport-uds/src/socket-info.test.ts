import { once } from 'node:events';
import { openSync } from 'node:fs';
import { connect as tcpConnect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LINUX } from './constants.js';
import { closeFd, closeQuietly, dupFd, getSocketCookie, seqpacketPair } from './descriptors.js';
import { detachNetSocket } from './net-socket.js';
import { socketAddresses } from './socket-addresses.js';
import { socketInfo, socketInfos } from './socket-info.js';
import { countFds, tempDir } from '../test/support/harness.js';

/**
 * Node makes no socket without binding, listening or connecting it, and exposes no descriptor of a
 * UDP socket: libuv's own handles (`process.binding`, available in Node 20 and 22) make a fresh TCP
 * socket that is only bound, and UDP sockets. Each handle is duplicated and closed at once, so the
 * test owns plain descriptors.
 */
interface RawHandle {
  fd: number;
  bind(address: string, port: number, flags?: number): number;
  connect?(address: string, port: number): number;
  close(): void;
}
const bindings = process as unknown as { binding(name: string): Record<string, unknown> };

function rawSocket(kind: 'tcp' | 'udp', connectTo?: number): number {
  let handle: RawHandle;
  if (kind === 'tcp') {
    const { TCP, constants } = bindings.binding('tcp_wrap') as { TCP: new (type: number) => RawHandle; constants: { SOCKET: number } };
    handle = new TCP(constants.SOCKET);
    expect(handle.bind('127.0.0.1', 0)).toBe(0);
  } else {
    const { UDP } = bindings.binding('udp_wrap') as { UDP: new () => RawHandle };
    handle = new UDP();
    expect(handle.bind('127.0.0.1', 0, 0)).toBe(0);
    if (connectTo !== undefined) expect(handle.connect?.('127.0.0.1', connectTo)).toBe(0);
  }
  const fd = dupFd(handle.fd);
  handle.close();
  return fd;
}

describe('socketInfo', () => {
  let server: Server;
  let port: number;
  const remotes: Socket[] = [];
  const fds: number[] = [];
  let cleanup: () => void = () => {};
  let dir: string;
  let fdsBefore: number;

  beforeEach(async () => {
    fdsBefore = countFds();
    ({ dir, cleanup } = tempDir());
    server = createServer((socket) => remotes.push(socket)).listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    for (const fd of fds.splice(0)) closeQuietly(fd);
    for (const socket of remotes.splice(0)) socket.destroy();
    server.close();
    await once(server, 'close');
    cleanup();
    expect(countFds()).toBe(fdsBefore);
  });

  async function connectedTcp(): Promise<number> {
    const client = tcpConnect({ port, host: '127.0.0.1' });
    await once(client, 'connect');
    const { fd } = detachNetSocket(client);
    fds.push(fd);
    return fd;
  }

  function own(fd: number): number {
    fds.push(fd);
    return fd;
  }

  it('should describe a connected TCP socket, cookie included', async () => {
    const fd = await connectedTcp();
    expect(socketInfo(fd)).toEqual({
      domain: LINUX.AF_INET,
      type: LINUX.SOCK_STREAM,
      protocol: LINUX.IPPROTO_TCP,
      acceptConn: false,
      connected: true,
      cookie: getSocketCookie(fd),
    });
  });

  it('should describe a listening TCP socket as accepting and not connected', () => {
    const fd = own(dupFd((server as unknown as { _handle: { fd: number } })._handle.fd));
    expect(socketInfo(fd)).toMatchObject({ domain: LINUX.AF_INET, type: LINUX.SOCK_STREAM, protocol: LINUX.IPPROTO_TCP, acceptConn: true, connected: false });
  });

  it('should describe a fresh TCP socket as neither listening nor connected', () => {
    const fd = own(rawSocket('tcp'));
    expect(socketInfo(fd)).toMatchObject({ domain: LINUX.AF_INET, type: LINUX.SOCK_STREAM, protocol: LINUX.IPPROTO_TCP, acceptConn: false, connected: false });
  });

  it('should describe UDP sockets, connected or not', () => {
    const loose = own(rawSocket('udp'));
    const connected = own(rawSocket('udp', port));
    const udp = { domain: LINUX.AF_INET, type: LINUX.SOCK_DGRAM, protocol: LINUX.IPPROTO_UDP, acceptConn: false };
    expect(socketInfo(loose)).toMatchObject({ ...udp, connected: false });
    expect(socketInfo(connected)).toMatchObject({ ...udp, connected: true });
  });

  it('should describe AF_UNIX stream and seqpacket sockets', async () => {
    const unixServer = createServer().listen(`${dir}/stream.sock`);
    await once(unixServer, 'listening');
    const accepted = once(unixServer, 'connection') as Promise<[Socket]>;
    const client = tcpConnect(`${dir}/stream.sock`);
    await once(client, 'connect');
    const [remote] = await accepted;
    const stream = own(detachNetSocket(client).fd);
    const [a, b] = seqpacketPair().map(own) as [number, number];
    expect(socketInfo(stream)).toMatchObject({ domain: LINUX.AF_UNIX, type: LINUX.SOCK_STREAM, protocol: 0, acceptConn: false, connected: true });
    expect(socketInfo(a)).toMatchObject({ domain: LINUX.AF_UNIX, type: LINUX.SOCK_SEQPACKET, protocol: 0, acceptConn: false, connected: true });
    expect(socketInfo(a)?.cookie).not.toBe(socketInfo(b)?.cookie);
    remote.destroy();
    unixServer.close();
    await once(unixServer, 'close');
  });

  it('should read both addresses on request, as socketAddresses says them, and only then', async () => {
    const fd = await connectedTcp();
    const info = socketInfo(fd, { addresses: true });
    expect(info?.addresses).toEqual(socketAddresses(fd));
    expect(info?.addresses?.peer).toEqual({ family: 4, address: '127.0.0.1', port });
    expect(socketInfo(fd)).not.toHaveProperty('addresses');
    expect(socketInfo(fd, { addresses: false })).not.toHaveProperty('addresses');
  });

  it('should give a listener or a bound socket its local address and a null peer', () => {
    const listener = own(dupFd((server as unknown as { _handle: { fd: number } })._handle.fd));
    expect(socketInfo(listener, { addresses: true })?.addresses).toEqual({ local: { family: 4, address: '127.0.0.1', port }, peer: null });
    const bound = own(rawSocket('tcp'));
    expect(socketInfo(bound, { addresses: true })?.addresses).toEqual(socketAddresses(bound));
    expect(socketInfo(bound, { addresses: true })?.addresses?.peer).toBeNull();
  });

  it('should read IPv6 addresses in their text form', async () => {
    // IPv6 loopback is required, as in the package's other address tests (socket-addresses.test.ts).
    const v6 = createServer().listen(0, '::1');
    let remote: Socket | undefined;
    let client: Socket | undefined;
    try {
      await once(v6, 'listening');
      const accepted = once(v6, 'connection') as Promise<[Socket]>;
      client = tcpConnect({ port: (v6.address() as AddressInfo).port, host: '::1' });
      await once(client, 'connect');
      [remote] = await accepted;
      const fd = own(detachNetSocket(client).fd);
      expect(socketInfo(fd, { addresses: true })?.addresses).toEqual(socketAddresses(fd));
      expect(socketInfo(fd, { addresses: true })?.addresses?.local.address).toBe('::1');
    } finally {
      client?.destroy();
      remote?.destroy();
      v6.close();
    }
  });

  it('should leave the addresses of a socket that is not an IP socket undefined, and describe it all the same', () => {
    const [a] = seqpacketPair().map(own) as [number, number];
    const info = socketInfo(a, { addresses: true });
    expect(info).toMatchObject({ domain: LINUX.AF_UNIX, type: LINUX.SOCK_SEQPACKET, connected: true });
    expect(info).not.toHaveProperty('addresses');
    expect(socketInfo(own(openSync('/proc/self/stat', 'r')), { addresses: true })).toBeNull();
    const [closed] = seqpacketPair().map(own) as [number, number];
    closeFd(closed);
    fds.splice(fds.indexOf(closed), 1);
    expect(() => socketInfo(closed, { addresses: true })).toThrow(expect.objectContaining({ code: 'UDS_BAD_DESCRIPTOR', syscall: 'getsockopt' }));
  });

  it('should say null for an open descriptor that is not a socket', () => {
    const file = own(openSync('/proc/self/stat', 'r'));
    expect(socketInfo(file)).toBeNull();
  });

  it('should throw UDS_BAD_DESCRIPTOR, naming the descriptor, for a closed one', () => {
    const [a, b] = seqpacketPair();
    closeFd(a);
    closeFd(b);
    expect(() => socketInfo(a)).toThrow(
      expect.objectContaining({ code: 'UDS_BAD_DESCRIPTOR', errno: 9, message: expect.stringMatching(new RegExp(`^socketInfo: descriptor ${a} is not open`)) }),
    );
    expect(() => socketInfo(-1)).toThrow(expect.objectContaining({ code: 'UDS_BAD_DESCRIPTOR' }));
  });
});

describe('socketInfos', () => {
  const fds: number[] = [];

  afterEach(() => {
    for (const fd of fds.splice(0)) closeQuietly(fd);
  });

  it('should equal socketInfo for each descriptor of a mixed batch', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const client = tcpConnect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1' });
    await once(client, 'connect');
    const [remote] = await accepted;
    fds.push(detachNetSocket(client).fd);
    fds.push(dupFd((server as unknown as { _handle: { fd: number } })._handle.fd));
    fds.push(rawSocket('tcp'), rawSocket('udp'), ...seqpacketPair(), openSync('/proc/self/stat', 'r'));
    const batch = socketInfos(fds);
    expect(batch).toEqual(fds.map((fd) => socketInfo(fd)));
    expect(batch.map((info) => info?.type ?? null)).toEqual([1, 1, 1, 2, 5, 5, null]);
    remote.destroy();
    server.close();
    await once(server, 'close');
  });

  it('should read the addresses of each descriptor of a batch on request, each in its own place', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const remotes: Socket[] = [];
    server.on('connection', (socket: Socket) => remotes.push(socket));
    const port = (server.address() as AddressInfo).port;
    for (let i = 0; i < 3; i++) {
      const client = tcpConnect({ port, host: '127.0.0.1' });
      await once(client, 'connect');
      fds.push(detachNetSocket(client).fd);
    }
    fds.push(...seqpacketPair(), dupFd((server as unknown as { _handle: { fd: number } })._handle.fd));
    const batch = socketInfos(fds, { addresses: true });
    expect(batch.map((info) => info?.addresses)).toEqual([...fds.slice(0, 3).map((fd) => socketAddresses(fd)), undefined, undefined, socketAddresses(fds[5]!)]);
    expect(new Set(batch.slice(0, 3).map((info) => info?.addresses?.local.port)).size).toBe(3);
    expect(batch).toEqual(fds.map((fd) => socketInfo(fd, { addresses: true })));
    // The rest of each description is what it is without the addresses (SO_DOMAIN then comes from getsockname).
    expect(batch.map((info) => (info === null ? null : { ...info, addresses: undefined }))).toEqual(socketInfos(fds).map((info) => (info === null ? null : { ...info, addresses: undefined })));
    expect(batch.map((info) => info?.domain)).toEqual([LINUX.AF_INET, LINUX.AF_INET, LINUX.AF_INET, LINUX.AF_UNIX, LINUX.AF_UNIX, LINUX.AF_INET]);
    for (const remote of remotes) remote.destroy();
    server.close();
    await once(server, 'close');
  });

  it('should describe more than one message of descriptors (253) in a row', () => {
    const [a, b] = seqpacketPair();
    fds.push(a, b);
    for (let i = 0; i < 300; i++) fds.push(dupFd(i % 2 === 0 ? a : b));
    const batch = socketInfos(fds);
    expect(batch).toHaveLength(302);
    expect(batch.every((info, i) => info?.cookie === getSocketCookie(fds[i]!))).toBe(true);
    expect(socketInfos([])).toEqual([]);
  });

  it('should throw what socketInfo throws for the first closed descriptor, naming it', () => {
    const [a, b] = seqpacketPair();
    fds.push(a);
    closeFd(b);
    expect(() => socketInfos([a, b])).toThrow(
      expect.objectContaining({ code: 'UDS_BAD_DESCRIPTOR', message: expect.stringMatching(new RegExp(`^socketInfos: descriptor ${b} is not open`)) }),
    );
    expect(() => socketInfos([a, 1.5])).toThrow(expect.objectContaining({ code: 'UDS_BAD_DESCRIPTOR' }));
  });
});
