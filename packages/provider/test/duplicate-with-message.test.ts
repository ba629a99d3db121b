import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { DuplicateDelivery, ProtocolInfo } from '@sanshare/protocol-info';
import { afterEach, describe, expect, it } from 'vitest';
import { expectCode, startAgent, warmUp, type Agent } from './helpers/agent-runner.js';
import { useRuntimeDirAndEchoPeer } from './helpers/runtime-dir-and-peer.js';
import { fdCount } from './helpers/temp-dir.js';
import { waitUntil } from './helpers/wait-until.js';
import { fromJson } from './helpers/wire-json.js';

/** The contract's limit (spi.ts `WspExtensions`, the provider's MAX_APP_MESSAGE_BYTES): 64 KiB. */
const MESSAGE_LIMIT = 64 * 1024;
/** Bound on a receive that must succeed: a broken delivery fails with WSAETIMEDOUT, not at the test timeout. */
const DELIVERY_BOUND_MS = 20_000;
const RECEIVE_ONE = fileURLToPath(new URL('./helpers/receive-one.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => Buffer.from(b).toString();
/** `n` bytes that differ from their neighbours, so a shifted or truncated copy shows. */
const patterned = (n: number, seed = 1): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));


/** A protocol info without its expiry: the source learns it from the target's reply or its credit, the target from its own clock. */
function withoutExpiry(info: ProtocolInfo): ProtocolInfo {
  const context = info.exportContext;
  expect(context).toBeDefined();
  expect(typeof context?.expiresAtMs).toBe('number');
  return { ...info, exportContext: { ...(context as NonNullable<ProtocolInfo['exportContext']>), expiresAtMs: 0 } };
}

function duplicateWithMessage(agent: Agent, s: number, pid: number, message: unknown, extra: Record<string, unknown> = {}): Promise<ProtocolInfo> {
  return agent.call<ProtocolInfo>('duplicateWithMessage', { s, pid, message, ...extra });
}

function receive(agent: Agent, args: Record<string, unknown> = { timeoutMs: DELIVERY_BOUND_MS }): Promise<DuplicateDelivery> {
  return agent.call<DuplicateDelivery>('receiveDuplicate', args);
}

async function roundTrip(agent: Agent, s: number, message: string): Promise<string> {
  await agent.call('send', { s, data: text(message) });
  return str(await agent.call<Uint8Array>('recvExactly', { s, bytes: message.length }));
}

async function stillWorks(agent: Agent, s: number, message: string): Promise<void> {
  expect(await roundTrip(agent, s, message)).toBe(message);
}

/** Children spawned by this file (not agents): SIGKILLed after each test, even a failed one. */
const children = new Set<ChildProcess>();

function spawnReceiveOne(dir: string, mode: 'receive' | 'idle'): { child: ChildProcess; lines: AsyncIterator<string>; exited: Promise<number | string | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', RECEIVE_ONE, dir, mode], { cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const exited = new Promise<number | string | null>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve(signal ?? code);
    });
  });
  const lines = createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> })[Symbol.asyncIterator]();
  return { child, lines, exited };
}

async function nextLine<T>(lines: AsyncIterator<string>): Promise<T> {
  const { value, done } = await lines.next();
  if (done === true) throw new Error('the child closed its stdout');
  return fromJson(value) as T;
}

describe('WSPDuplicateSocketWithMessage and WSPReceiveDuplicate between processes', () => {
  const fx = useRuntimeDirAndEchoPeer();
  // Registered after the fixture's hook, so it runs first: children die before their runtime directory goes.
  afterEach(async () => {
    await Promise.all(
      [...children].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
  });

  it('should run the spec cycle with the providers carrying the protocol info and a message both ways', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const accepted = fx.peer.nextConnection();
    const s1 = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    const conn = await accepted;
    await stillWorks(a, s1, 'before');
    const toB = patterned(1000, 7);
    const info = await duplicateWithMessage(a, s1, b.pid, toB);
    expect(info.exportContext).toMatchObject({ sourcePid: a.pid, targetPid: b.pid });
    // 7) B gets the socket's protocol info from its provider, with A's message and A's pid.
    const delivery = await receive(b);
    expect(delivery.message).toEqual(toB);
    expect(delivery.sourcePid).toBe(a.pid);
    expect(withoutExpiry(delivery.protocolInfo)).toEqual(withoutExpiry(info));
    // Not imported by the receive: the socket still waits for WSPSocket (the switch saw nothing yet).
    expect((await b.call<{ log: string[] }>('upcalls')).log).toEqual([]);
    // 8-9) import and talk to the peer from B.
    const d = await b.call<number>('import', { info: delivery.protocolInfo });
    expect(await b.call('cookie', { s: d })).toBe(await a.call('cookie', { s: s1 }));
    await stillWorks(b, d, 'in the destination');
    // 10-12) back to A with a message, then B closes its descriptor (not the socket).
    const toA = text('yours again');
    const back = await duplicateWithMessage(b, d, a.pid, toA);
    await b.call('close', { s: d });
    // 13-15) A receives, regains the socket with a new descriptor and closes the old one.
    const backDelivery = await receive(a);
    expect(backDelivery.message).toEqual(toA);
    expect(backDelivery.sourcePid).toBe(b.pid);
    expect(withoutExpiry(backDelivery.protocolInfo)).toEqual(withoutExpiry(back));
    const s2 = await a.call<number>('import', { info: backDelivery.protocolInfo });
    expect(s2).not.toBe(s1);
    await a.call('close', { s: s1 });
    // A FIN from either close would reach the peer before these bytes: their echo proves there was none.
    await stillWorks(a, s2, 'back home');
    expect(conn.gotFin).toBe(false);
    expect(conn.closed).toBe(false);
    // 16-17) the last close ends the connection gracefully: a FIN, no reset.
    await a.call('close', { s: s2 });
    await conn.fin;
    expect(conn.gotFin).toBe(true);
    expect(conn.hadError).toBe(false);
  });

  it('should make a delivered protocol info single use, and useless in any other process', async () => {
    const [a, b, c] = (await Promise.all([1, 2, 3].map(() => startAgent({ runtimeDir: fx.dir })))) as [Agent, Agent, Agent];
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    await duplicateWithMessage(a, s, b.pid, text('for B only'));
    const { protocolInfo } = await receive(b);
    await expectCode(c.call('import', { info: protocolInfo }), 'WSAEINVAL');
    await expectCode(a.call('import', { info: protocolInfo }), 'WSAEINVAL');
    const d = await b.call<number>('import', { info: protocolInfo });
    await expectCode(b.call('import', { info: protocolInfo }), 'WSAEINVAL');
    await expectCode(c.call('import', { info: protocolInfo }), 'WSAEINVAL');
    await stillWorks(b, d, 'imported once');
    // Handed out once: the import is claimed, and even unclaimed it would not come again.
    await expectCode(receive(b, { timeoutMs: 200 }), 'WSAETIMEDOUT');
  });

  it('should hand out each delivery once, oldest first, an empty message included, to a receive waiting or not', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    // Waiting before anything was sent.
    const early = receive(b, {});
    const messages = [text('first'), new Uint8Array(0), patterned(3000), text('fourth'), text('fifth')];
    const infos: ProtocolInfo[] = [];
    for (const message of messages) infos.push(await duplicateWithMessage(a, s, b.pid, message));
    const deliveries = [await early];
    for (let i = 1; i < messages.length; i++) deliveries.push(await receive(b));
    expect(deliveries.map((d) => d.message)).toEqual(messages);
    expect(deliveries[1]?.message).toHaveLength(0);
    expect(deliveries.map((d) => withoutExpiry(d.protocolInfo))).toEqual(infos.map(withoutExpiry));
    await expectCode(receive(b, { timeoutMs: 200 }), 'WSAETIMEDOUT');
    // Every one is a live duplicate of the socket, in any order of import.
    const imported: number[] = [];
    for (const d of [...deliveries].reverse()) imported.push(await b.call<number>('import', { info: d.protocolInfo }));
    await stillWorks(b, imported[2] as number, 'any duplicate works');
    for (const t of imported) await b.call('close', { s: t });
    await stillWorks(a, s, 'the source still holds it');
  });

  it('should never deliver an import claimed with the protocol info the source returned', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    const claimed = await duplicateWithMessage(a, s, b.pid, text('claimed another way'));
    await duplicateWithMessage(a, s, b.pid, text('delivered'));
    // The info reached B by the application's own IPC (here: the test), perhaps before the frame did.
    const d = await b.call<number>('import', { info: claimed });
    expect(str((await receive(b)).message)).toBe('delivered');
    await expectCode(receive(b, { timeoutMs: 200 }), 'WSAETIMEDOUT');
    await stillWorks(b, d, 'claimed');
  });

  it('should never deliver an expired import, and close its descriptor whether it was delivered or not', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir, importTimeoutMs: 1500 })]);
    await warmUp(a, b, fx.peer.port);
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    const fdsBefore = fdCount(b.pid);
    const delivered = await duplicateWithMessage(a, s, b.pid, text('delivered, never imported'));
    const { protocolInfo } = await receive(b);
    const undelivered = await duplicateWithMessage(a, s, b.pid, text('never received'));
    await waitUntil(() => fdCount(b.pid) === fdsBefore + 2);
    const expiresAt = Math.max(delivered.exportContext?.expiresAtMs ?? 0, undelivered.exportContext?.expiresAtMs ?? 0, protocolInfo.exportContext?.expiresAtMs ?? 0);
    await waitUntil(() => Date.now() > expiresAt && fdCount(b.pid) === fdsBefore);
    await expectCode(receive(b, { timeoutMs: 0 }), 'WSAETIMEDOUT');
    await expectCode(receive(b, { timeoutMs: 200 }), 'WSAETIMEDOUT');
    await expectCode(b.call('import', { info: protocolInfo }), 'WSAEINVAL');
    await expectCode(b.call('import', { info: undelivered }), 'WSAEINVAL');
    expect(fdCount(b.pid)).toBe(fdsBefore);
    await stillWorks(a, s, 'the source kept its descriptor');
  });

  it('should deliver a socket whose source exited right after duplicating it', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const accepted = fx.peer.nextConnection();
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    const conn = await accepted;
    await stillWorks(a, s, 'before');
    const info = await a.call<ProtocolInfo>('duplicateWithMessageAndExit', { s, pid: b.pid, message: text('goodbye') });
    expect(await a.exited).toBe(0);
    const delivery = await receive(b);
    expect(str(delivery.message)).toBe('goodbye');
    expect(delivery.sourcePid).toBe(a.pid);
    expect(withoutExpiry(delivery.protocolInfo)).toEqual(withoutExpiry(info));
    const d = await b.call<number>('import', { info: delivery.protocolInfo });
    await stillWorks(b, d, 'outlived its source');
    expect(conn.gotFin).toBe(false);
    await b.call('close', { s: d });
    await conn.fin;
    expect(conn.gotFin).toBe(true);
    expect(conn.hadError).toBe(false);
  });

  it('should refuse a message of 64 KiB + 1 with WSAEMSGSIZE, handing nothing off, and carry exactly 64 KiB', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    await warmUp(a, b, fx.peer.port);
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    const fdsA = fdCount(a.pid);
    const fdsB = fdCount(b.pid);
    await expectCode(duplicateWithMessage(a, s, b.pid, patterned(MESSAGE_LIMIT + 1)), 'WSAEMSGSIZE');
    expect(fdCount(a.pid)).toBe(fdsA);
    expect(fdCount(b.pid)).toBe(fdsB);
    await stillWorks(a, s, 'nothing was handed off');
    const exact = patterned(MESSAGE_LIMIT, 3);
    const info = await duplicateWithMessage(a, s, b.pid, exact);
    // First in line: had the refused one been handed off, it would come first.
    const delivery = await receive(b);
    expect(delivery.message).toHaveLength(MESSAGE_LIMIT);
    expect(delivery.message).toEqual(exact);
    expect(withoutExpiry(delivery.protocolInfo)).toEqual(withoutExpiry(info));
    const d = await b.call<number>('import', { info: delivery.protocolInfo });
    await stillWorks(b, d, 'after 64 KiB');
    await expectCode(receive(b, { timeoutMs: 200 }), 'WSAETIMEDOUT');
  });

  it('should refuse a message that is not a Uint8Array with WSAEFAULT, and a bad socket or pid as WSPDuplicateSocket does', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    const fdsA = fdCount(a.pid);
    for (const message of ['a string', null, [1, 2, 3], 42, {}]) await expectCode(duplicateWithMessage(a, s, b.pid, message), 'WSAEFAULT');
    await expectCode(duplicateWithMessage(a, 4242, b.pid, text('m')), 'WSAENOTSOCK');
    for (const pid of [-1, 0, 1.5, process.pid]) await expectCode(duplicateWithMessage(a, s, pid, text('m')), 'WSAEINVAL');
    expect(fdCount(a.pid)).toBe(fdsA);
    await stillWorks(a, s, 'nothing lost');
    await expectCode(receive(b, { timeoutMs: 200 }), 'WSAETIMEDOUT');
  });

  it('should carry only the bytes of a view into a larger buffer, and the bytes read ahead beside a full message', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const accepted = fx.peer.nextConnection();
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    const conn = await accepted;
    const view = patterned(500, 9);
    await duplicateWithMessage(a, s, b.pid, view, { viewOffset: 13 });
    const first = await receive(b);
    expect(first.message).toEqual(view);
    await b.call('close', { s: await b.call<number>('import', { info: first.protocolInfo }) });
    // 200 KB echoed back that A never read: whatever A's provider read ahead travels with a 64 KiB message.
    const sent = patterned(200_000, 5);
    await a.call('send', { s, data: sent });
    await waitUntil(() => conn.received === sent.length);
    const message = patterned(MESSAGE_LIMIT, 11);
    await duplicateWithMessage(a, s, b.pid, message);
    await a.call('close', { s });
    const second = await receive(b);
    expect(second.message).toEqual(message);
    const d = await b.call<number>('import', { info: second.protocolInfo });
    expect(await b.call<Uint8Array>('recvExactly', { s: d, bytes: sent.length })).toEqual(sent);
    await stillWorks(b, d, 'after the read-ahead');
  });

  it('should produce no delivery for a plain WSPDuplicateSocket', async () => {
    // No export credits: each hand-off returns only once B stored it, so "nothing delivered" is not "not arrived yet".
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir, exportCredits: 0 })]);
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    const plain = await a.call<ProtocolInfo>('duplicate', { s, pid: b.pid });
    await expectCode(receive(b, { timeoutMs: 0 }), 'WSAETIMEDOUT');
    await expectCode(receive(b, { timeoutMs: 200 }), 'WSAETIMEDOUT');
    // The plain one is skipped, not queued: the next delivery is the next message's.
    await duplicateWithMessage(a, s, b.pid, text('with a message'));
    expect(str((await receive(b, { timeoutMs: 0 })).message)).toBe('with a message');
    const d = await b.call<number>('import', { info: plain });
    await stillWorks(b, d, 'the plain one imports as ever');
  });

  it('should end a waiting receive with WSAETIMEDOUT, refuse a bad timeoutMs with WSAEINVAL, and lose no delivery to a timeout', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir, exportCredits: 0 })]);
    for (const timeoutMs of [-1, 1.5, '100', null]) await expectCode(receive(b, { timeoutMs }), 'WSAEINVAL');
    await expectCode(receive(b, { timeoutMs: 0 }), 'WSAETIMEDOUT');
    await expectCode(receive(b, { timeoutMs: 300 }), 'WSAETIMEDOUT');
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    await duplicateWithMessage(a, s, b.pid, text('after the timeouts'));
    // Stored before the call returned (no credits): a zero timeout still finds it.
    expect(str((await receive(b, { timeoutMs: 0 })).message)).toBe('after the timeouts');
  });

  it('should wait with a timeout longer than the longest Node timer without spinning or warning', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    // 2^31 ms: more than a Node timer takes (it would fire after 1 ms with a TimeoutOverflowWarning).
    const waiting = receive(b, { timeoutMs: 2 ** 31 });
    const waitingLong = receive(b, { timeoutMs: Number.MAX_SAFE_INTEGER });
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    await duplicateWithMessage(a, s, b.pid, text('one'));
    await duplicateWithMessage(a, s, b.pid, text('two'));
    expect([str((await waiting).message), str((await waitingLong).message)].sort()).toEqual(['one', 'two']);
    expect(await b.call('warnings')).toEqual([]);
  });

  it('should end a waiting receive with AbortError, and an aborted one leaves the delivery for the next receive', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir, exportCredits: 0 })]);
    const waiting = receive(b, { abortKey: 'w' });
    await b.call('abort', { key: 'w' });
    await expectCode(waiting, 'AbortError');
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    await duplicateWithMessage(a, s, b.pid, text('kept'));
    await expectCode(receive(b, { abortKey: 'x', preAborted: true }), 'AbortError');
    await expectCode(receive(b, { abortKey: 'y', preAborted: true, timeoutMs: 0 }), 'AbortError');
    const delivery = await receive(b, { noOptions: true });
    expect(str(delivery.message)).toBe('kept');
    await stillWorks(b, await b.call<number>('import', { info: delivery.protocolInfo }), 'after the aborts');
  });

  it('should end a waiting receive, and every later one, with WSAENETDOWN at WSPCleanup', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir, exportCredits: 0 })]);
    await warmUp(a, b, fx.peer.port);
    const fdsBefore = fdCount(b.pid);
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    // Three imports pending in B: one delivered, two not yet (no credits: each stored when the call returns).
    await duplicateWithMessage(a, s, b.pid, text('delivered, never imported'));
    expect(str((await receive(b)).message)).toBe('delivered, never imported');
    await duplicateWithMessage(a, s, b.pid, text('waiting'));
    const info = await duplicateWithMessage(a, s, b.pid, text('waiting too'));
    expect(fdCount(b.pid)).toBe(fdsBefore + 3);
    // Then two receives waiting, one with a timeout, once the queue is empty.
    expect(str((await receive(b)).message)).toBe('waiting');
    expect(str((await receive(b)).message)).toBe('waiting too');
    const waiting = receive(b, {});
    const waitingWithTimeout = receive(b, { timeoutMs: DELIVERY_BOUND_MS });
    await b.call('cleanup');
    await expectCode(waiting, 'WSAENETDOWN');
    await expectCode(waitingWithTimeout, 'WSAENETDOWN');
    await expectCode(receive(b, { timeoutMs: 0 }), 'WSAENETDOWN');
    await expectCode(b.call('import', { info }), 'WSAENETDOWN');
    // Every pending import's descriptor was closed by the cleanup, and so were the three descriptors
    // open since the warm-up: the endpoint's listener, the channel it accepted from A, and B's own
    // channel to A.
    expect(fdCount(b.pid)).toBe(fdsBefore - 3);
    await expectCode(duplicateWithMessage(a, s, b.pid, text('too late')), 'WSAEINVAL');
    await stillWorks(a, s, 'the source is fine');
  });

  it('should keep a process alive while it awaits WSPReceiveDuplicate without a timeout, and let it end after', async () => {
    // Control: the provider alone (endpoint, channels) does not keep a process alive.
    const idle = spawnReceiveOne(fx.dir, 'idle');
    await nextLine<{ pid: number }>(idle.lines);
    expect(await idle.exited).toBe(0);
    const waiter = spawnReceiveOne(fx.dir, 'receive');
    const { pid } = await nextLine<{ pid: number }>(waiter.lines);
    // Without something holding the loop it would be gone in milliseconds (exit code 13: unsettled top-level await).
    expect(await Promise.race([waiter.exited.then((how) => `exited (${String(how)})`), sleep(1500).then(() => 'alive')])).toBe('alive');
    const a = await startAgent({ runtimeDir: fx.dir });
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    await duplicateWithMessage(a, s, pid, text('wake up'));
    const got = await nextLine<{ message: Uint8Array; sourcePid: number }>(waiter.lines);
    expect(str(got.message)).toBe('wake up');
    expect(got.sourcePid).toBe(a.pid);
    expect(await waiter.exited).toBe(0);
    await stillWorks(a, s, 'the source keeps its own');
  });
});
