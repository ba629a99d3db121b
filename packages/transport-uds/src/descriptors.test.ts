import { openSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import { connect as tcpConnect, createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { LINUX } from './constants.js';
import {
  closeFd,
  closeQuietly,
  dupFd,
  getLinger,
  getSockOptInt,
  getSocketCookie,
  isFdOpen,
  seqpacketPair,
  setLinger,
  setSockOptInt,
} from './descriptors.js';
import { socketInfo } from './socket-info.js';
import { detachNetSocket, toNetSocket } from './net-socket.js';

function countFds(): number {
  return readdirSync('/proc/self/fd').length;
}

async function withTcp(run: (fd: number, remote: Socket) => Promise<void> | void): Promise<void> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = tcpConnect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1' });
  await once(client, 'connect');
  const [remote] = await accepted;
  const { fd } = detachNetSocket(client);
  try {
    await run(fd, remote);
  } finally {
    remote.destroy();
    server.close();
  }
}

describe('descriptor helpers', () => {
  it('should read and set socket options on a TCP socket shared by duplicates', async () => {
    await withTcp((fd) => {
      expect(socketInfo(fd)).toMatchObject({ domain: LINUX.AF_INET, type: LINUX.SOCK_STREAM, protocol: 6, connected: true });
      const copy = dupFd(fd);
      expect(getSocketCookie(copy)).toBe(getSocketCookie(fd));
      setSockOptInt(fd, LINUX.IPPROTO_TCP, LINUX.TCP_NODELAY, 1);
      expect(getSockOptInt(copy, LINUX.IPPROTO_TCP, LINUX.TCP_NODELAY)).toBe(1);
      setSockOptInt(copy, LINUX.SOL_SOCKET, LINUX.SO_KEEPALIVE, 1);
      expect(getSockOptInt(fd, LINUX.SOL_SOCKET, LINUX.SO_KEEPALIVE)).toBe(1);
      setLinger(fd, true, 3);
      expect(getLinger(copy)).toEqual({ onoff: true, linger: 3 });
      setLinger(fd, false, 0);
      closeFd(copy);
      expect(isFdOpen(copy)).toBe(false);
      closeFd(fd);
    });
  });

  it('should say null for a descriptor that is not a socket and throw typed errors for bad ones', () => {
    const file = openSync('/proc/self/stat', 'r');
    expect(socketInfo(file)).toBeNull();
    expect(() => getSocketCookie(file)).toThrow(expect.objectContaining({ code: 'UDS_NOT_A_SOCKET', errno: 88 }));
    expect(() => toNetSocket(file)).toThrow(expect.objectContaining({ code: 'UDS_NOT_A_SOCKET' }));
    closeFd(file);
    expect(() => closeFd(file)).toThrow(expect.objectContaining({ code: 'UDS_BAD_DESCRIPTOR', errno: 9, syscall: 'close' }));
    expect(() => socketInfo(file)).toThrow(expect.objectContaining({ code: 'UDS_BAD_DESCRIPTOR' }));
    expect(() => dupFd(-1)).toThrow(expect.objectContaining({ code: 'UDS_BAD_DESCRIPTOR' }));
    expect(() => getSockOptInt(0, 1.5, 1)).toThrow(expect.objectContaining({ code: 'UDS_INVALID_ARGUMENT' }));
    const [a, b] = seqpacketPair();
    expect(() => toNetSocket(a)).toThrow(expect.objectContaining({ code: 'UDS_INVALID_ARGUMENT' }));
    closeFd(a);
    closeFd(b);
  });

  it('should throw the same typed errors without the type check, from what Node refuses, leaving the descriptor open', () => {
    const file = openSync('/proc/self/stat', 'r');
    expect(() => toNetSocket(file, { checkType: false })).toThrow(expect.objectContaining({ code: 'UDS_NOT_A_SOCKET' }));
    expect(isFdOpen(file)).toBe(true);
    closeFd(file);
    expect(() => toNetSocket(file, { checkType: false })).toThrow(expect.objectContaining({ code: 'UDS_BAD_DESCRIPTOR' }));
    const [a, b] = seqpacketPair();
    expect(() => toNetSocket(a, { checkType: false })).toThrow(expect.objectContaining({ code: 'UDS_INVALID_ARGUMENT', message: expect.stringContaining('not a stream socket (type 5)') }));
    expect(isFdOpen(a)).toBe(true);
    closeFd(a);
    closeFd(b);
  });

  it('should wrap a descriptor as a readable, writable net.Socket with its read-ahead first', async () => {
    const before = countFds();
    await withTcp(async (fd, remote) => {
      const socket = toNetSocket(fd, { readAhead: new TextEncoder().encode('early '), checkType: false });
      socket.setEncoding('utf8');
      remote.write('late');
      let text = '';
      while (text !== 'early late') text += ((await once(socket, 'data')) as [string])[0];
      socket.write('pong');
      expect(String(((await once(remote, 'data')) as [Buffer])[0])).toBe('pong');
      socket.destroy();
      await once(socket, 'close');
    });
    expect(countFds()).toBe(before);
  });

  it('should refuse to detach a socket with unsent writes', async () => {
    await withTcp(async (fd) => {
      const socket = toNetSocket(fd);
      socket.cork();
      socket.write('pending');
      expect(() => detachNetSocket(socket)).toThrow(expect.objectContaining({ code: 'UDS_INVALID_ARGUMENT' }));
      socket.destroy();
      await once(socket, 'close');
    });
  });
});

describe('closeQuietly', () => {
  it('should close an open descriptor', () => {
    const [a, b] = seqpacketPair();
    closeQuietly(a);
    expect(isFdOpen(a)).toBe(false);
    closeFd(b);
  });

  it('should not throw for a descriptor that is already closed, nor for one that is no descriptor number', () => {
    // All synchronous: nothing else in this process can take the number back in between.
    const file = openSync('/proc/self/stat', 'r');
    closeFd(file);
    expect(() => closeFd(file)).toThrow(expect.objectContaining({ code: 'UDS_BAD_DESCRIPTOR' }));
    expect(() => closeQuietly(file)).not.toThrow();
    expect(() => closeQuietly(-1)).not.toThrow();
    expect(() => closeQuietly(1.5)).not.toThrow();
  });
});
