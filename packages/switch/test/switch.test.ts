import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { connect as netConnect, createServer, type Server, type Socket as NetSocket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AF, FROM_PROTOCOL_INFO, IPPROTO, SD, SOCK, SOL_SOCKET, SO } from '@sanshare/protocol-info';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adoptNetSocket, createCatalog, defaultCatalogEntry, isSwitchError, toNetSocket, WSAStartup, type Switch } from '../src/index.js';
import { describeDescriptors, openDescriptors } from './helpers/kernel-refs.js';

const decoder = new TextDecoder();

async function codeOf(promise: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

/** Reads from a switch socket until `length` bytes came. */
async function recvExact(sw: Switch, s: number, length: number): Promise<string> {
  let text = '';
  while (text.length < length) {
    const bytes = await sw.recv(s, { maxBytes: length - text.length });
    if (bytes.length === 0) throw new Error('closed early');
    text += decoder.decode(bytes);
  }
  return text;
}

describe('WSAStartup and the switch API (real provider)', () => {
  let dir: string;
  let server: Server;
  let accepted: NetSocket[];
  let sw: Switch | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switch-api-'));
    accepted = [];
    server = createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    await sw?.WSACleanup().catch(() => undefined);
    sw = undefined;
    for (const s of accepted) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  const port = (): number => (server.address() as { port: number }).port;
  async function start(extra: { providerModule: string }[] = []): Promise<Switch> {
    const catalog = await createCatalog();
    for (const e of extra) await catalog.install({ ...defaultCatalogEntry('inet'), providerModule: e.providerModule });
    await catalog.install(defaultCatalogEntry('inet', '@sanshare/provider', { runtimeDir: join(dir, 'run') }));
    sw = await WSAStartup({ catalog });
    return sw;
  }
  async function connected(s: Switch): Promise<{ s: number; remote: NetSocket }> {
    const sock = await s.socket(AF.INET, SOCK.STREAM, IPPROTO.TCP);
    const arrived = once(server, 'connection');
    await s.connect(sock, { address: '127.0.0.1', port: port() });
    const [remote] = (await arrived) as [NetSocket];
    return { s: sock, remote };
  }

  it('should load the real provider and keep working when other entries fail', async () => {
    const broken = join(dir, 'broken.mjs');
    await writeFile(broken, 'export async function WSPStartup() { return { version: 0x0202, highVersion: 0x0202, description: "", procTable: {} }; }\n');
    const s = await start([{ providerModule: join(dir, 'missing.mjs') }, { providerModule: broken }]);
    expect(s.loadFailures.map((f) => f.error.code)).toEqual(['WSAEPROVIDERFAILEDINIT', 'WSAEINVALIDPROCTABLE']);
    expect(s.providers).toHaveLength(1);
    expect(s.providers[0]?.hasExtensions).toBe(true);
    expect(s.WSAEnumProtocols()).toHaveLength(1);
    const { s: sock, remote } = await connected(s);
    await s.send(sock, 'hello');
    const [chunk] = (await once(remote, 'data')) as [Buffer];
    expect(chunk.toString()).toBe('hello');
    await s.closesocket(sock);
  });

  it('should refuse a version other than 2.2 and a missing catalog', async () => {
    const catalog = await createCatalog();
    await expect(WSAStartup({ catalog, versionRequested: 0x0101 })).rejects.toSatisfy((e) => isSwitchError(e, 'WSAVERNOTSUPPORTED'));
    expect(await codeOf(WSAStartup({} as never))).toBe('WSAEINVAL');
    expect(await codeOf(WSAStartup(undefined as never))).toBe('WSAEINVAL');
  });

  it('should translate descriptors: switch descriptors differ from the provider\'s', async () => {
    const s = await start();
    const { s: sock } = await connected(s);
    const inner = s.providerSocketOf(sock);
    expect(inner).not.toBe(sock);
    expect(typeof s.socketCookie(sock)).toBe('bigint');
    expect(s.getpeername(sock)).toEqual({ address: '127.0.0.1', port: port() });
    s.setsockopt(sock, SOL_SOCKET, SO.KEEPALIVE, true);
    expect(Boolean(s.getsockopt(sock, SOL_SOCKET, SO.KEEPALIVE))).toBe(true);
    await s.closesocket(sock);
  });

  it('should answer WSAENOTSOCK for unknown and closed descriptors', async () => {
    const s = await start();
    const { s: sock } = await connected(s);
    await s.closesocket(sock);
    for (const bad of [sock, 12345, -1, 1.5, Number.NaN]) {
      expect(await codeOf(s.send(bad, 'x'))).toBe('WSAENOTSOCK');
      expect(await codeOf(() => s.getsockopt(bad, SOL_SOCKET, SO.KEEPALIVE))).toBe('WSAENOTSOCK');
      expect(await codeOf(s.closesocket(bad))).toBe('WSAENOTSOCK');
    }
    expect(await codeOf(s.WSASocket(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO))).toBe('WSAEINVAL');
    expect(await codeOf(s.socket(AF.INET6, SOCK.STREAM, IPPROTO.TCP))).toBe('WSAEINVAL');
    expect(await codeOf(s.WSADuplicateSocket(12345, process.pid))).toBe('WSAENOTSOCK');
    const live = await s.socket(AF.INET, SOCK.STREAM, IPPROTO.TCP);
    expect(await codeOf(s.send(live, 42 as never))).toBe('WSAEFAULT');
    expect(await codeOf(s.WSADuplicateSocket(live, -1))).toBe('WSAEINVAL');
    await s.closesocket(live);
  });

  it('should forbid every call but closesocket after WSADuplicateSocket, touch nothing, and lift the ban on WSASocket from the info', async () => {
    const s = await start();
    const { s: sock, remote } = await connected(s);
    const info = await s.WSADuplicateSocket(sock, process.pid);
    expect(s.isHandedOff(sock)).toBe(true);
    remote.write('waiting for the holder');
    const refused = [
      s.send(sock, 'no'),
      s.recv(sock),
      s.shutdown(sock, SD.SEND),
      s.connect(sock, { address: '127.0.0.1', port: port() }),
      s.listen(sock),
      s.bind(sock, { address: '127.0.0.1', port: 0 }),
      s.accept(sock),
      s.WSADuplicateSocket(sock, process.pid),
      Promise.resolve().then(() => s.setsockopt(sock, SOL_SOCKET, SO.KEEPALIVE, true)),
      Promise.resolve().then(() => s.getsockopt(sock, SOL_SOCKET, SO.KEEPALIVE)),
      Promise.resolve().then(() => s.getsockname(sock)),
      Promise.resolve().then(() => s.getpeername(sock)),
      toNetSocket(s, sock),
    ];
    for (const call of refused) expect(await codeOf(call)).toBe('WSAEACCES');
    // Taken back in this same process: a new descriptor, the same socket, and nothing was consumed.
    const again = await s.WSASocket(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, info);
    expect(again).not.toBe(sock);
    expect(s.socketCookie(again)).toBe(s.socketCookie(sock));
    expect(s.isHandedOff(sock)).toBe(false);
    expect(await recvExact(s, again, 'waiting for the holder'.length)).toBe('waiting for the holder');
    await s.closesocket(sock);
    await s.send(again, 'still open');
    const [chunk] = (await once(remote, 'data')) as [Buffer];
    expect(chunk.toString()).toBe('still open');
    await s.closesocket(again);
    await once(remote, 'end');
  });

  it('should allow closesocket of a handed-off descriptor without ending the connection', async () => {
    const s = await start();
    const { s: sock, remote } = await connected(s);
    const info = await s.WSADuplicateSocket(sock, process.pid);
    let ended = false;
    remote.on('end', () => (ended = true));
    await s.closesocket(sock);
    const again = await s.WSASocket(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, info);
    await s.send(again, 'x');
    await once(remote, 'data');
    expect(ended).toBe(false);
    await s.closesocket(again);
  });

  it('should refuse every call after WSACleanup with WSAENETDOWN and close every socket', async () => {
    const s = await start();
    const { s: sock, remote } = await connected(s);
    await s.WSACleanup();
    expect(await codeOf(s.send(sock, 'x'))).toBe('WSAENETDOWN');
    expect(await codeOf(s.socket(AF.INET, SOCK.STREAM, IPPROTO.TCP))).toBe('WSAENETDOWN');
    await once(remote, 'end');
    sw = undefined;
  });

  it('should accept connections as switch descriptors', async () => {
    const s = await start();
    const listener = await s.socket(AF.INET, SOCK.STREAM, IPPROTO.TCP);
    await s.bind(listener, { address: '127.0.0.1', port: 0 });
    await s.listen(listener);
    const { port: lport } = s.getsockname(listener);
    const client = netConnect(lport, '127.0.0.1');
    const conn = await s.accept(listener);
    client.write('ping');
    expect(await recvExact(s, conn, 4)).toBe('ping');
    client.destroy();
    await s.closesocket(conn);
    await s.closesocket(listener);
  });

  it('should bridge a switch socket out to an http.Server and an accepted net.Socket in', async () => {
    const s = await start();
    // Out: a connection the switch made, served by an HTTP server in this process.
    const http = createHttpServer((req, res) => res.end(`hello ${req.url}`));
    const web = createServer();
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    const sock = await s.socket(AF.INET, SOCK.STREAM, IPPROTO.TCP);
    const arrived = once(web, 'connection');
    await s.connect(sock, { address: '127.0.0.1', port: (web.address() as { port: number }).port });
    const [serverSide] = (await arrived) as [NetSocket];
    // The server side is adopted into the switch: bytes the client sends before are kept.
    const got = adoptNetSocket(s, serverSide);
    await s.send(sock, 'GET /bridged HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const adopted = await got;
    expect(s.socketCookie(adopted)).not.toBe(s.socketCookie(sock));
    const asNode = await toNetSocket(s, adopted);
    expect(await codeOf(s.recv(adopted))).toBe('WSAENOTSOCK');
    http.emit('connection', asNode);
    let reply = '';
    for (;;) {
      const bytes = await s.recv(sock);
      if (bytes.length === 0) break;
      reply += decoder.decode(bytes);
    }
    expect(reply).toContain('hello /bridged');
    await s.closesocket(sock);
    await new Promise<void>((resolve) => web.close(() => resolve()));
    http.close();
  });

  it('should leak no descriptor', async () => {
    const s = await start();
    const cycle = async (): Promise<void> => {
      const { s: sock, remote } = await connected(s);
      const info = await s.WSADuplicateSocket(sock, process.pid);
      const again = await s.WSASocket(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, info);
      await s.closesocket(sock);
      await s.closesocket(again);
      remote.destroy();
    };
    // One cycle first: descriptors Node or the addon open once, lazily, are not leaks.
    await cycle();
    const settled = async (expected: number): Promise<number> => {
      // Closes complete in libuv's loop: wait (bounded) for the count to settle; no time is measured.
      for (let i = 0; i < 50 && openDescriptors() !== expected; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      return openDescriptors();
    };
    const before = describeDescriptors();
    for (let i = 0; i < 5; i++) await cycle();
    expect(await settled(before.length), describeDescriptors().join('\n')).toBe(before.length);
    await s.WSACleanup();
    sw = undefined;
  });
});
