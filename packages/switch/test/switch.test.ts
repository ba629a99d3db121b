import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { connect as netConnect, createServer, type AddressInfo, type Server, type Socket as NetSocket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AF, FROM_PROTOCOL_INFO, IPPROTO, SD, SOCK, SOL_SOCKET, SO } from '@sanshare/protocol-info';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adoptNetSocket, createCatalog, defaultCatalogEntries, isSwitchError, toNetSocket, WSAStartup, type Switch } from '../src/index.js';
import { describeDescriptors, openDescriptors } from './helpers/kernel-refs.js';
import { MINIMAL_PROVIDER, PROVIDERS, SANSHARE_PROVIDER, type ProviderUnderTest } from './helpers/providers.js';
import { recvExact } from './helpers/recv-exact.js';

const decoder = new TextDecoder();
const FROM = FROM_PROTOCOL_INFO;

async function codeOf(promise: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}


/** One process: a temp dir, a loopback TCP server (every connection kept), and the switch under test. */
function useSwitch(prefix: string): {
  readonly dir: string;
  readonly server: Server;
  readonly accepted: NetSocket[];
  port(): number;
  start(provider: ProviderUnderTest, extra?: { providerModule: string }[]): Promise<Switch>;
  connected(sw: Switch, af?: number): Promise<{ s: number; remote: NetSocket }>;
  forget(): void;
} {
  let dir = '';
  let server: Server;
  let accepted: NetSocket[] = [];
  let sw: Switch | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    accepted = [];
    // Dual-stack (`::`): IPv4 clients arrive as IPv6-mapped addresses, as with a plain listen(port).
    server = createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => server.listen(0, resolve));
  });
  afterEach(async () => {
    await sw?.WSACleanup().catch(() => undefined);
    sw = undefined;
    for (const s of accepted) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });
  const port = (): number => (server.address() as AddressInfo).port;
  return {
    get dir() {
      return dir;
    },
    get server() {
      return server;
    },
    get accepted() {
      return accepted;
    },
    port,
    async start(provider, extra = []) {
      const catalog = await createCatalog();
      for (const e of extra) await catalog.install({ ...defaultCatalogEntries()[0]!, providerModule: e.providerModule });
      for (const entry of provider.entries(join(dir, 'run'))) await catalog.install(entry);
      sw = await WSAStartup({ catalog });
      return sw;
    },
    async connected(s, af = AF.INET) {
      const sock = await s.socket(af, SOCK.STREAM, IPPROTO.TCP);
      const arrived = once(server, 'connection');
      await s.connect(sock, { address: af === AF.INET6 ? '::ffff:127.0.0.1' : '127.0.0.1', port: port() });
      const [remote] = (await arrived) as [NetSocket];
      return { s: sock, remote };
    },
    forget() {
      sw = undefined;
    },
  };
}

describe.each(PROVIDERS)('WSAStartup and the switch API ($name, one process)', (provider) => {
  const fx = useSwitch('switch-api-');

  it("should translate descriptors: switch descriptors differ from the provider's", async () => {
    const s = await fx.start(provider);
    expect(s.providers.map((p) => p.hasExtensions)).toEqual([provider.hasExtensions]);
    const { s: sock } = await fx.connected(s);
    expect(s.providerSocketOf(sock)).not.toBe(sock);
    expect(s.getpeername(sock)).toEqual({ address: '127.0.0.1', port: fx.port() });
    s.setsockopt(sock, SOL_SOCKET, SO.KEEPALIVE, true);
    expect(Boolean(s.getsockopt(sock, SOL_SOCKET, SO.KEEPALIVE))).toBe(true);
    await s.closesocket(sock);
  });

  it('should serve IPv4 and IPv6 from the default entries', async () => {
    const s = await fx.start(provider);
    expect(s.WSAEnumProtocols().map((p) => p.iAddressFamily)).toEqual([AF.INET, AF.INET6]);
    const { s: sock, remote } = await fx.connected(s, AF.INET6);
    expect(s.getpeername(sock)).toEqual({ address: '::ffff:127.0.0.1', port: fx.port() });
    await s.send(sock, 'over v6');
    const [chunk] = (await once(remote, 'data')) as [Buffer];
    expect(chunk.toString()).toBe('over v6');
    await s.closesocket(sock);
  });

  it('should answer WSAENOTSOCK for unknown and closed descriptors', async () => {
    const s = await fx.start(provider);
    const { s: sock } = await fx.connected(s);
    await s.closesocket(sock);
    for (const bad of [sock, 12345, -1, 1.5, Number.NaN]) {
      expect(await codeOf(s.send(bad, 'x'))).toBe('WSAENOTSOCK');
      expect(await codeOf(() => s.getsockopt(bad, SOL_SOCKET, SO.KEEPALIVE))).toBe('WSAENOTSOCK');
      expect(await codeOf(s.closesocket(bad))).toBe('WSAENOTSOCK');
    }
    expect(await codeOf(s.WSASocket(FROM, FROM, FROM))).toBe('WSAEINVAL');
    expect(await codeOf(s.socket(AF.INET, SOCK.DGRAM, IPPROTO.UDP))).toBe('WSAEINVAL');
    expect(await codeOf(s.WSADuplicateSocket(12345, process.pid))).toBe('WSAENOTSOCK');
    const live = await s.socket(AF.INET, SOCK.STREAM, IPPROTO.TCP);
    expect(await codeOf(s.send(live, 42 as never))).toBe('WSAEFAULT');
    expect(await codeOf(s.WSADuplicateSocket(live, -1))).toBe('WSAEINVAL');
    await s.closesocket(live);
  });

  it('should forbid every call but closesocket after WSADuplicateSocket, touch nothing, and lift the ban on WSASocket from the info', async () => {
    const s = await fx.start(provider);
    const { s: sock, remote } = await fx.connected(s);
    const info = await s.WSADuplicateSocket(sock, process.pid);
    expect(s.isHandedOff(sock)).toBe(true);
    remote.write('waiting for the holder');
    const refused = [
      s.send(sock, 'no'),
      s.recv(sock),
      s.shutdown(sock, SD.SEND),
      s.connect(sock, { address: '127.0.0.1', port: fx.port() }),
      s.listen(sock),
      s.bind(sock, { address: '127.0.0.1', port: 0 }),
      s.accept(sock),
      s.WSADuplicateSocket(sock, process.pid),
      s.WSADuplicateSocketWithMessage(sock, process.pid, 'no'),
      Promise.resolve().then(() => s.setsockopt(sock, SOL_SOCKET, SO.KEEPALIVE, true)),
      Promise.resolve().then(() => s.getsockopt(sock, SOL_SOCKET, SO.KEEPALIVE)),
      Promise.resolve().then(() => s.getsockname(sock)),
      Promise.resolve().then(() => s.getpeername(sock)),
      toNetSocket(s, sock),
    ];
    for (const call of refused) expect(await codeOf(call)).toBe('WSAEACCES');
    // Taken back in this same process: a new descriptor, the same socket, and nothing was consumed.
    const again = await s.WSASocket(FROM, FROM, FROM, info);
    expect(again).not.toBe(sock);
    expect(s.isHandedOff(sock)).toBe(false);
    expect(s.getpeername(again)).toEqual(s.getpeername(sock));
    expect(await recvExact(s, again, 'waiting for the holder'.length)).toBe('waiting for the holder');
    await s.closesocket(sock);
    await s.send(again, 'still open');
    const [chunk] = (await once(remote, 'data')) as [Buffer];
    expect(chunk.toString()).toBe('still open');
    await s.closesocket(again);
    await once(remote, 'end');
  });

  it('should lock every descriptor of the socket in this process, whichever one was duplicated', async () => {
    const s = await fx.start(provider);
    const { s: first, remote } = await fx.connected(s);
    const second = await s.WSASocket(FROM, FROM, FROM, await s.WSADuplicateSocket(first, process.pid));
    // Two descriptors of one socket here; duplicating the second locks the first too.
    const info = await s.WSADuplicateSocket(second, process.pid);
    expect([s.isHandedOff(first), s.isHandedOff(second)]).toEqual([true, true]);
    expect(await codeOf(s.send(first, 'no'))).toBe('WSAEACCES');
    expect(await codeOf(s.WSADuplicateSocket(first, process.pid))).toBe('WSAEACCES');
    // An unrelated socket is not affected.
    const { s: other } = await fx.connected(s);
    expect(s.isHandedOff(other)).toBe(false);
    await s.send(other, 'free');
    const third = await s.WSASocket(FROM, FROM, FROM, info);
    expect([s.isHandedOff(first), s.isHandedOff(second), s.isHandedOff(third)]).toEqual([false, false, false]);
    await s.send(first, 'one;');
    await s.send(third, 'three;');
    let seen = '';
    remote.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    while (seen !== 'one;three;') await once(remote, 'data');
    for (const d of [first, second, third, other]) await s.closesocket(d);
  });

  it('should allow closesocket of a handed-off descriptor without ending the connection', async () => {
    const s = await fx.start(provider);
    const { s: sock, remote } = await fx.connected(s);
    const info = await s.WSADuplicateSocket(sock, process.pid);
    let ended = false;
    remote.on('end', () => (ended = true));
    await s.closesocket(sock);
    const again = await s.WSASocket(FROM, FROM, FROM, info);
    await s.send(again, 'x');
    await once(remote, 'data');
    expect(ended).toBe(false);
    expect(await codeOf(s.WSASocket(FROM, FROM, FROM, info))).toBe('WSAEINVAL');
    await s.closesocket(again);
  });

  it('should refuse every call after WSACleanup with WSAENETDOWN and close every socket', async () => {
    const s = await fx.start(provider);
    const { s: sock, remote } = await fx.connected(s);
    await s.WSACleanup();
    expect(await codeOf(s.send(sock, 'x'))).toBe('WSAENETDOWN');
    expect(await codeOf(s.socket(AF.INET, SOCK.STREAM, IPPROTO.TCP))).toBe('WSAENETDOWN');
    await once(remote, 'end');
    fx.forget();
  });

  it('should accept connections as switch descriptors', async () => {
    const s = await fx.start(provider);
    const listener = await s.socket(AF.INET, SOCK.STREAM, IPPROTO.TCP);
    await s.bind(listener, { address: '127.0.0.1', port: 0 });
    await s.listen(listener);
    const { port: lport } = s.getsockname(listener);
    const client = netConnect(lport, '127.0.0.1');
    const conn = await s.accept(listener);
    expect(s.isHandedOff(conn)).toBe(false);
    client.write('ping');
    expect(await recvExact(s, conn, 4)).toBe('ping');
    client.destroy();
    await s.closesocket(conn);
    await s.closesocket(listener);
  });

  it('should leak no descriptor', async () => {
    const s = await fx.start(provider);
    const cycle = async (): Promise<void> => {
      const { s: sock, remote } = await fx.connected(s);
      const info = await s.WSADuplicateSocket(sock, process.pid);
      const again = await s.WSASocket(FROM, FROM, FROM, info);
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
    fx.forget();
  });
});

describe("the switch with sanshare's provider (extensions)", () => {
  const fx = useSwitch('switch-ext-');

  it('should load the real provider and keep working when other entries fail', async () => {
    const broken = join(fx.dir, 'broken.mjs');
    await writeFile(broken, 'export async function WSPStartup() { return { version: 0x0202, highVersion: 0x0202, description: "", procTable: {} }; }\n');
    const s = await fx.start(SANSHARE_PROVIDER, [{ providerModule: join(fx.dir, 'missing.mjs') }, { providerModule: broken }]);
    expect(s.loadFailures.map((f) => f.error.code)).toEqual(['WSAEPROVIDERFAILEDINIT', 'WSAEINVALIDPROCTABLE']);
    expect(s.providers).toHaveLength(1);
    expect(s.providers[0]?.hasExtensions).toBe(true);
    expect(s.WSAEnumProtocols()).toHaveLength(2);
    const { s: sock, remote } = await fx.connected(s);
    expect(typeof s.socketCookie(sock)).toBe('bigint');
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

  it('should adopt a socket a plain listen(port) accepted (IPv6-mapped) with the default catalog', async () => {
    const s = await fx.start(SANSHARE_PROVIDER);
    const client = netConnect(fx.port(), '127.0.0.1');
    await once(fx.server, 'connection');
    const accepted = fx.accepted[0] as NetSocket;
    expect(accepted.remoteFamily).toBe('IPv6');
    const adopted = await adoptNetSocket(s, accepted);
    client.write('mapped');
    expect(await recvExact(s, adopted, 6)).toBe('mapped');
    client.destroy();
    await s.closesocket(adopted);
  });

  it('should bridge a switch socket out to an http.Server and an accepted net.Socket in', async () => {
    const s = await fx.start(SANSHARE_PROVIDER);
    // Out: a connection the switch made, served by an HTTP server in this process.
    const http = createHttpServer((req, res) => res.end(`hello ${req.url}`));
    const web = createServer();
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    const sock = await s.socket(AF.INET, SOCK.STREAM, IPPROTO.TCP);
    const arrived = once(web, 'connection');
    await s.connect(sock, { address: '127.0.0.1', port: (web.address() as AddressInfo).port });
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
});

describe('the switch with the minimal provider (no extensions)', () => {
  const fx = useSwitch('switch-min-');

  it('should refuse every extension call with WSAEINVAL, and still work through the procedure table', async () => {
    const s = await fx.start(MINIMAL_PROVIDER);
    expect(s.providers.map((p) => p.hasExtensions)).toEqual([false]);
    const { s: sock, remote } = await fx.connected(s);
    expect(await codeOf(() => s.socketCookie(sock))).toBe('WSAEINVAL');
    expect(await codeOf(s.WSADuplicateSocketWithMessage(sock, process.pid, 'x'))).toBe('WSAEINVAL');
    // A refused duplication leaves the socket usable: the lock is lifted again.
    expect(s.isHandedOff(sock)).toBe(false);
    expect(await codeOf(s.WSAReceiveDuplicate({ timeoutMs: 1 }))).toBe('WSAEINVAL');
    expect(await codeOf(toNetSocket(s, sock))).toBe('WSAEINVAL');
    const client = netConnect(fx.port(), '127.0.0.1');
    await once(fx.server, 'connection');
    expect(await codeOf(adoptNetSocket(s, fx.accepted[1] as NetSocket))).toBe('WSAEINVAL');
    client.destroy();
    await s.send(sock, 'still here');
    const [chunk] = (await once(remote, 'data')) as [Buffer];
    expect(chunk.toString()).toBe('still here');
    await s.closesocket(sock);
  });
});
