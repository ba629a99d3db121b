import { join } from 'node:path';
import { AF, FROM_PROTOCOL_INFO, IPPROTO, SOCK, isWsaError, type DuplicateSettlement, type ProtocolInfo, type SockAddr } from '@sanshare/protocol-info';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCatalog, defaultProtocolInfo, WSAStartup, type DuplicateSettledEvent, type Switch } from '../src/index.js';
import type { SettlingState } from './fixtures/settling-provider.js';
import { rejection } from '@sanshare/internal/testing';

const FROM = FROM_PROTOCOL_INFO;
const STUB = join(import.meta.dirname, 'fixtures/settling-provider.ts');
const TARGET = 4242;

function failure(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}


describe('the switch and WPUNotifyDuplicateSettled (a stub provider reports how duplications end)', () => {
  let sw: Switch | undefined;
  /** The inet provider's state, and a second provider's (inet6), for "another provider's descriptor". */
  let state: SettlingState;
  let other: SettlingState;
  const keys = [0, 1].map((i) => `switchSettling${process.pid}_${i}_${Math.random().toString(36).slice(2)}`);
  const events: DuplicateSettledEvent[] = [];
  /** Resolves at the next event (every event is also kept in `events`). */
  let nextEvent: () => Promise<DuplicateSettledEvent>;

  beforeEach(async () => {
    state = { names: new Map(), duplications: [] };
    other = { names: new Map(), duplications: [] };
    (globalThis as Record<string, unknown>)[keys[0] as string] = state;
    (globalThis as Record<string, unknown>)[keys[1] as string] = other;
    const catalog = await createCatalog();
    await catalog.install({ protocolInfo: defaultProtocolInfo('inet'), providerModule: STUB, providerOptions: { state: keys[0] } });
    await catalog.install({ protocolInfo: defaultProtocolInfo('inet6'), providerModule: STUB, providerOptions: { state: keys[1] } });
    const started = await WSAStartup({ catalog });
    sw = started;
    expect(started.loadFailures).toEqual([]);
    events.length = 0;
    const waiters: ((e: DuplicateSettledEvent) => void)[] = [];
    started.onDuplicateSettled((event) => {
      events.push(event);
      waiters.shift()?.(event);
    });
    nextEvent = () => new Promise((resolve) => waiters.push(resolve));
  });
  afterEach(async () => {
    await sw?.WSACleanup();
    sw = undefined;
    for (const key of keys) delete (globalThis as Record<string, unknown>)[key];
  });

  const pair = (port: number): { local: SockAddr; peer: SockAddr } => ({ local: { address: '127.0.0.1', port }, peer: { address: '127.0.0.1', port: 80 } });

  /** A connected socket (its addresses known to the switch through the stub). */
  async function connected(s: Switch, port: number): Promise<number> {
    const d = await s.socket(AF.INET, SOCK.STREAM, IPPROTO.TCP);
    state.names.set(s.providerSocketOf(d), pair(port));
    return d;
  }

  /** The provider's report, through the upcall table the switch gave it. */
  function report(s: number, outcome: DuplicateSettlement['outcome'], info: ProtocolInfo, dwProcessId = TARGET, reason = `the test says ${outcome}`): void {
    state.upcalls?.WPUNotifyDuplicateSettled?.(s, { outcome, dwProcessId, dwProviderReserved: info.dwProviderReserved, reason });
  }

  it('should lift the lock of a lapsed duplication before the upcall returns, then tell the application', async () => {
    const s = sw as Switch;
    const d = await connected(s, 40001);
    const info = await s.WSADuplicateSocket(d, TARGET);
    expect(s.isHandedOff(d)).toBe(true);
    expect(isWsaError(await rejection(s.send(d, 'no')), 'WSAEACCES')).toBe(true);
    const told = nextEvent();
    report(d, 'lapsed', info, TARGET, 'the import expired after 30000 ms');
    expect(s.isHandedOff(d)).toBe(false);
    expect(await s.send(d, 'mine again')).toBe(10);
    expect(await told).toEqual({ s: d, outcome: 'lapsed', dwProcessId: TARGET, dwProviderReserved: info.dwProviderReserved, reason: 'the import expired after 30000 ms' });
    expect(events).toHaveLength(1);
  });

  it('should keep the lock of a claimed duplication and tell the application', async () => {
    const s = sw as Switch;
    const d = await connected(s, 40002);
    const info = await s.WSADuplicateSocket(d, TARGET);
    const told = nextEvent();
    report(d, 'claimed', info);
    expect((await told).outcome).toBe('claimed');
    expect(s.isHandedOff(d)).toBe(true);
    // A lapse after the claim matches nothing: the duplication is settled.
    report(d, 'lapsed', info);
    expect(s.isHandedOff(d)).toBe(true);
    await s.closesocket(d);
    expect(events).toHaveLength(1);
  });

  it('should lift the lock for every descriptor of the socket', async () => {
    const s = sw as Switch;
    const first = await connected(s, 40003);
    const out = await s.WSADuplicateSocket(first, TARGET);
    // Claimed there, and duplicated back: this process has two descriptors of the socket.
    report(first, 'claimed', out);
    const second = await s.WSASocket(FROM, FROM, FROM, out);
    const again = await s.WSADuplicateSocket(second, TARGET);
    expect([s.isHandedOff(first), s.isHandedOff(second)]).toEqual([true, true]);
    report(second, 'lapsed', again);
    expect([s.isHandedOff(first), s.isHandedOff(second)]).toEqual([false, false]);
  });

  it('should never let a late lapse of an older duplication free the socket that a newer one handed away', async () => {
    const s = sw as Switch;
    const first = await connected(s, 40004);
    const old = await s.WSADuplicateSocket(first, TARGET);
    // The socket comes back through an import (the older duplication's outcome still unreported)...
    const second = await s.WSASocket(FROM, FROM, FROM, old);
    expect(s.isHandedOff(first)).toBe(false);
    // ...and goes away again, once through the other descriptor and once through the same one.
    const newer = await s.WSADuplicateSocket(second, TARGET + 1);
    report(first, 'lapsed', old);
    expect([s.isHandedOff(first), s.isHandedOff(second)]).toEqual([true, true]);
    expect(await nextEvent()).toMatchObject({ s: first, outcome: 'lapsed', dwProviderReserved: old.dwProviderReserved });
    report(second, 'lapsed', newer, TARGET + 1);
    expect([s.isHandedOff(first), s.isHandedOff(second)]).toEqual([false, false]);

    const third = await s.WSADuplicateSocket(first, TARGET);
    const home = await s.WSASocket(FROM, FROM, FROM, third);
    const fourth = await s.WSADuplicateSocket(first, TARGET);
    report(first, 'lapsed', third);
    expect([s.isHandedOff(first), s.isHandedOff(home)]).toEqual([true, true]);
    report(first, 'lapsed', fourth);
    expect([s.isHandedOff(first), s.isHandedOff(home)]).toEqual([false, false]);
  });

  it('should match a duplication by its target too, not only by dwProviderReserved', async () => {
    const s = sw as Switch;
    const d = await connected(s, 40005);
    const info = await s.WSADuplicateSocket(d, TARGET);
    report(d, 'lapsed', info, TARGET + 7);
    expect(s.isHandedOff(d)).toBe(true);
    report(d, 'lapsed', info, TARGET);
    expect(s.isHandedOff(d)).toBe(false);
  });

  it('should apply a settlement the provider reported before its duplication returned', async () => {
    const s = sw as Switch;
    const d = await connected(s, 40006);
    state.settleDuringDuplicate = 'lapsed';
    const told = nextEvent();
    const info = await s.WSADuplicateSocket(d, TARGET);
    expect(s.isHandedOff(d)).toBe(false);
    expect(await told).toMatchObject({ s: d, outcome: 'lapsed', dwProviderReserved: info.dwProviderReserved, reason: 'reported before the call returned' });
  });

  it('should lift the lock of a socket without addresses (locked by its descriptor alone) on its lapse', async () => {
    const s = sw as Switch;
    const d = await s.socket(AF.INET, SOCK.STREAM, IPPROTO.TCP);
    const info = await s.WSADuplicateSocket(d, TARGET);
    expect(s.isHandedOff(d)).toBe(true);
    report(d, 'lapsed', info);
    expect(s.isHandedOff(d)).toBe(false);
  });

  it('should refuse a malformed settlement with WSAEINVAL and another provider\'s descriptor with WSAENOTSOCK, and change nothing', async () => {
    const s = sw as Switch;
    const d = await connected(s, 40007);
    const info = await s.WSADuplicateSocket(d, TARGET);
    const notify = (settlement: unknown, by: SettlingState = state): unknown =>
      failure(() => by.upcalls?.WPUNotifyDuplicateSettled?.(d, settlement as DuplicateSettlement));
    const valid = { outcome: 'lapsed', dwProcessId: TARGET, dwProviderReserved: info.dwProviderReserved, reason: 'why' };
    for (const bad of [null, { ...valid, outcome: 'gone' }, { ...valid, dwProcessId: -1 }, { ...valid, dwProviderReserved: 2 ** 32 }, { ...valid, reason: 5 }]) {
      const error = notify(bad);
      expect(isWsaError(error, 'WSAEINVAL'), JSON.stringify(bad)).toBe(true);
      expect((error as Error).message).toMatch(/^WSAEINVAL: WPUNotifyDuplicateSettled: /);
    }
    expect(isWsaError(notify(valid, other), 'WSAENOTSOCK')).toBe(true);
    expect(s.isHandedOff(d)).toBe(true);
    expect(events).toEqual([]);
  });

  it('should ignore settlements of unknown duplications and of closed descriptors', async () => {
    const s = sw as Switch;
    const d = await connected(s, 40008);
    const info = await s.WSADuplicateSocket(d, TARGET);
    report(d, 'lapsed', { ...info, dwProviderReserved: info.dwProviderReserved + 1 });
    expect(s.isHandedOff(d)).toBe(true);
    const gone = await connected(s, 40009);
    const goneInfo = await s.WSADuplicateSocket(gone, TARGET);
    await s.closesocket(gone);
    report(gone, 'lapsed', goneInfo);
    report(0x7fff_ffff, 'lapsed', goneInfo);
    // The first event this test sees is the one that matches.
    const told = nextEvent();
    report(d, 'lapsed', info);
    expect((await told).dwProviderReserved).toBe(info.dwProviderReserved);
    expect(events).toHaveLength(1);
  });

  it('should leave the lock to the failure when the duplication fails, and match nothing later', async () => {
    const s = sw as Switch;
    const d = await connected(s, 40010);
    state.failDuplicate = true;
    expect(isWsaError(await rejection(s.WSADuplicateSocket(d, TARGET)), 'WSAEINVAL')).toBe(true);
    expect(s.isHandedOff(d)).toBe(false);
    const info = await s.WSADuplicateSocket(d, TARGET);
    const told = nextEvent();
    report(d, 'claimed', info);
    expect((await told).dwProviderReserved).toBe(info.dwProviderReserved);
    expect(state.duplications).toHaveLength(1);
  });

  it('should stop calling a removed listener, call each registration, and refuse listeners after WSACleanup', async () => {
    const s = sw as Switch;
    const d = await connected(s, 40011);
    const seen: string[] = [];
    const listener = (event: DuplicateSettledEvent): void => void seen.push(event.outcome);
    const offA = s.onDuplicateSettled(listener);
    s.onDuplicateSettled(listener);
    const first = await s.WSADuplicateSocket(d, TARGET);
    let told = nextEvent();
    report(d, 'lapsed', first);
    await told;
    expect(seen).toEqual(['lapsed', 'lapsed']);
    offA();
    offA();
    const second = await s.WSADuplicateSocket(d, TARGET);
    told = nextEvent();
    report(d, 'claimed', second);
    await told;
    expect(seen).toEqual(['lapsed', 'lapsed', 'claimed']);
    expect(isWsaError(failure(() => s.onDuplicateSettled('nope' as never)), 'WSAEINVAL')).toBe(true);
    await s.WSACleanup();
    expect(isWsaError(failure(() => s.onDuplicateSettled(listener)), 'WSAENETDOWN')).toBe(true);
  });
});
