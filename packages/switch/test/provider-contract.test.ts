import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AF, FROM_PROTOCOL_INFO, IPPROTO, SOCK, isWsaError, type SockAddr } from '@sanshare/protocol-info';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCatalog, defaultProtocolInfo, WSAStartup, type Switch } from '../src/index.js';

const FROM = FROM_PROTOCOL_INFO;

/**
 * A stub provider module, for what the real providers never do: break the SPI contract, or own
 * sockets whose address the switch cannot learn. (The real providers run the same switch in
 * switch.test.ts and the two-process suites.) What it does is steered, and what it saw recorded, in
 * `globalThis[options.state]`: `names` gives each provider descriptor's addresses; a descriptor made
 * from a protocol info is the same socket as the one `dwProviderReserved` names.
 */
const STUB_PROVIDER = `
export async function WSPStartup(version, catalogInfo, upcalls, options) {
  const state = globalThis[options.state];
  const handles = new Map();
  let next = 1;
  const create = (ctx) => handles.set(ctx, upcalls.WPUCreateSocketHandle(catalogInfo.dwCatalogEntryId, ctx));
  const name = (s, which) => {
    const n = state.names.get(s)?.[which];
    if (n === undefined) throw Object.assign(new Error(which + ' unknown'), { name: 'WsaError', code: 'WSAENOTCONN', errno: 10057 });
    return n;
  };
  const procTable = {
    WSPSocket: async (af, type, protocol, info) => {
      const ctx = next++;
      if (info?.dwProviderReserved) state.names.set(ctx, state.names.get(info.dwProviderReserved));
      if (!state.skipUpcall) create(ctx);
      return ctx;
    },
    WSPAccept: async () => next++,
    WSPBind: async () => {},
    WSPListen: async () => {},
    WSPConnect: async () => {},
    WSPSend: async (s, data) => data.length,
    WSPRecv: async () => new Uint8Array(0),
    WSPShutdown: async () => {},
    WSPSetSockOpt: () => {},
    WSPGetSockOpt: () => 0,
    WSPGetSockName: (s) => name(s, 'local'),
    WSPGetPeerName: (s) => name(s, 'peer'),
    WSPCloseSocket: async (s) => {
      state.closed.push(s);
      if (handles.has(s)) upcalls.WPUCloseSocketHandle(handles.get(s));
    },
    WSPDuplicateSocket: async (s) => ({ ...catalogInfo, dwProviderReserved: s }),
    WSPCleanup: async () => {},
  };
  return { version: 0x0202, highVersion: 0x0202, description: 'stub', procTable };
}
`;

interface StubState {
  skipUpcall: boolean;
  names: Map<number, { local?: SockAddr; peer?: SockAddr } | undefined>;
  closed: number[];
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('the switch and a provider that breaks the contract, or has no addresses', () => {
  let dir: string;
  let sw: Switch | undefined;
  let state: StubState;
  const stateKey = `switchStub${process.pid}${Math.random().toString(36).slice(2)}`;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switch-stub-'));
    state = { skipUpcall: false, names: new Map(), closed: [] };
    (globalThis as Record<string, unknown>)[stateKey] = state;
    await writeFile(join(dir, 'stub.mjs'), STUB_PROVIDER);
    const catalog = await createCatalog();
    await catalog.install({ protocolInfo: defaultProtocolInfo('inet'), providerModule: join(dir, 'stub.mjs'), providerOptions: { state: stateKey } });
    sw = await WSAStartup({ catalog });
    expect(sw.loadFailures).toEqual([]);
  });
  afterEach(async () => {
    await sw?.WSACleanup();
    delete (globalThis as Record<string, unknown>)[stateKey];
    await rm(dir, { recursive: true, force: true });
  });

  const open = (s: Switch): Promise<number> => s.socket(AF.INET, SOCK.STREAM, IPPROTO.TCP);

  it('should fail with WSAEINVALIDPROVIDER and close the provider descriptor it never got a switch descriptor for', async () => {
    const s = sw as Switch;
    state.skipUpcall = true;
    const error = await failure(open(s));
    expect(isWsaError(error, 'WSAEINVALIDPROVIDER')).toBe(true);
    expect((error as Error).message).toMatch(/^WSAEINVALIDPROVIDER: WSASocket: provider .*stub\.mjs returned its descriptor 1 without creating a switch descriptor/);
    expect(state.closed).toEqual([1]);
    state.skipUpcall = false;
    const listener = await open(s);
    const accepted = await failure(s.accept(listener));
    expect(isWsaError(accepted, 'WSAEINVALIDPROVIDER')).toBe(true);
    expect(state.closed).toEqual([1, 3]);
  });

  it('should lock only the descriptor when the socket has no address, and keep it locked until it is closed', async () => {
    const s = sw as Switch;
    const [a, b] = [await open(s), await open(s)];
    const info = await s.WSADuplicateSocket(a, process.pid);
    expect([s.isHandedOff(a), s.isHandedOff(b)]).toEqual([true, false]);
    const back = await s.WSASocket(FROM, FROM, FROM, info);
    // Nothing says the new descriptor is a's socket: it is usable, a stays locked until closed.
    expect([s.isHandedOff(a), s.isHandedOff(back)]).toEqual([true, false]);
    expect(isWsaError(await failure(s.send(a, 'x')), 'WSAEACCES')).toBe(true);
    await s.closesocket(a);
    await s.send(back, 'x');
  });

  it('should key a socket with a local address and no peer (a listener) by that address', async () => {
    const s = sw as Switch;
    const [listener, unbound] = [await open(s), await open(s)];
    state.names.set(s.providerSocketOf(listener), { local: { address: '0.0.0.0', port: 8080 } });
    state.names.set(s.providerSocketOf(unbound), { local: { address: '0.0.0.0', port: 0 } });
    const info = await s.WSADuplicateSocket(listener, process.pid);
    await s.WSADuplicateSocket(unbound, process.pid);
    const again = await s.WSASocket(FROM, FROM, FROM, info);
    // Same local address: the same socket, the lock is lifted. Port 0 names nothing: that one stays locked.
    expect([s.isHandedOff(listener), s.isHandedOff(again), s.isHandedOff(unbound)]).toEqual([false, false, true]);
  });

  it('should refuse to duplicate a descriptor whose socket another descriptor here has handed off already', async () => {
    const s = sw as Switch;
    const pair = { local: { address: '127.0.0.1', port: 40001 }, peer: { address: '127.0.0.1', port: 80 } };
    const [a, b] = [await open(s), await open(s)];
    state.names.set(s.providerSocketOf(a), pair);
    // b is the same socket, which the switch learns only when it asks for b's key.
    state.names.set(s.providerSocketOf(b), pair);
    await s.WSADuplicateSocket(a, process.pid);
    expect(isWsaError(await failure(s.WSADuplicateSocket(b, process.pid)), 'WSAEACCES')).toBe(true);
    expect(s.isHandedOff(b)).toBe(true);
  });

  it('should forget a lock with the last descriptor of its socket, so that a later socket with the same addresses is free', async () => {
    const s = sw as Switch;
    const pair = { local: { address: '127.0.0.1', port: 40000 }, peer: { address: '127.0.0.1', port: 80 } };
    const first = await open(s);
    state.names.set(s.providerSocketOf(first), pair);
    await s.WSADuplicateSocket(first, process.pid);
    await s.closesocket(first);
    // The same 4-tuple again (the port was reused after the first connection ended).
    const later = await open(s);
    state.names.set(s.providerSocketOf(later), pair);
    const info = await s.WSADuplicateSocket(later, process.pid);
    expect(s.isHandedOff(later)).toBe(true);
    await s.WSASocket(FROM, FROM, FROM, info);
    expect(s.isHandedOff(later)).toBe(false);
  });
});
