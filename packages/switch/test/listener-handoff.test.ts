/**
 * A listening socket moves between two unrelated processes (two switch agents, neither the other's
 * parent) while a client connects in a tight loop from a third (this test process). Every connect
 * must get a reply from a server process: none refused, none left unanswered in the backlog, none
 * dropped by the source after it had accepted it. A duplication nobody imports lapses and the source
 * serves again. No descriptor is left behind in either process.
 */
import net from 'node:net';
import { tightConnectLoop } from '@sanshare/internal/testing';
import { describe, expect, it } from 'vitest';
import { SANSHARE_PROVIDER } from './helpers/providers.js';
import { useTwoAgents } from './helpers/two-agents.js';

/** What one connect ended with: the pid that answered, or the error code. */
type Outcome = { pid: number } | { error: string };

/** Connects to `port`, reads the whole reply (a pid and a newline) until the server closes. */
function connectOnce(port: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    socket.on('end', () => {
      socket.destroy();
      const pid = Number.parseInt(text, 10);
      resolve(Number.isInteger(pid) && text.endsWith('\n') ? { pid } : { error: `bad reply ${JSON.stringify(text)}` });
    });
  });
}

/** Resolves once `predicate` holds, polling between event-loop turns (the test's timeout bounds it). */
async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 5));
}

const answeredBy = (outcomes: Outcome[], pid: number): number => outcomes.filter((o) => 'pid' in o && o.pid === pid).length;

describe('a listening socket moving between processes', () => {
  const fx = useTwoAgents('sanshare-listener-', SANSHARE_PROVIDER);

  it('should answer every connect of a tight loop while the listener moves, refusing none', { timeout: 60_000 }, async () => {
    const a = fx.source;
    const b = fx.destination;
    await a.call('startup', { catalogFile: fx.catalogFile });
    await b.call('startup', { catalogFile: fx.catalogFile });
    const baselineA = await a.call<number>('tcpFds');
    const baselineB = await b.call<number>('tcpFds');
    const { s, port } = await a.call<{ s: number; port: number }>('listenServe');
    const load = tightConnectLoop(() => connectOnce(port), 4);
    await until(() => answeredBy(load.outcomes, a.pid) >= 50);

    const [handOff, taken] = await Promise.all([
      a.call<{ ended: string; handedOff: boolean }>('handOffListener', { s, pid: b.pid }),
      b.call<{ s: number; port: number; message: string }>('takeListener'),
    ]);
    // A stopped accepting, served everything it had accepted, and its accept says why it is done.
    expect(handOff).toEqual({ ended: 'WSAEACCES', handedOff: true });
    expect(taken).toMatchObject({ port, message: 'listener' });
    const movedAt = load.outcomes.length;
    await until(() => answeredBy(load.outcomes.slice(movedAt), b.pid) >= 50);
    await load.stop();

    const failures = load.outcomes.filter((o) => 'error' in o);
    expect(failures).toEqual([]);
    // After the move only B answers; A answered none it did not take before.
    expect(load.outcomes.slice(movedAt).every((o) => 'pid' in o && o.pid === b.pid)).toBe(true);
    expect(answeredBy(load.outcomes, a.pid) + answeredBy(load.outcomes, b.pid)).toBe(load.outcomes.length);
    const servedByA = await a.call<number>('served', { s });
    expect(servedByA).toBe(answeredBy(load.outcomes, a.pid));

    // A holds the listener's descriptor (handed off) until closesocket; then nothing TCP is left in A.
    await a.call('closesocket', { s });
    await until(() => true);
    expect(await a.call<number>('tcpFds')).toBe(baselineA);
    // B's listener: closed once nothing is queued (its serve loop took everything), and nothing left either.
    await b.call('closesocket', { s: taken.s });
    expect(await b.call<number>('tcpFds')).toBe(baselineB);
    // The port is free again: nobody listens on it any more.
    expect(await connectOnce(port)).toEqual({ error: 'ECONNREFUSED' });
  });
});

describe('a listener duplicated and never imported', () => {
  const fx = useTwoAgents('sanshare-listener-lapse-', SANSHARE_PROVIDER, { importTimeoutMs: 500 });

  it('should come back to its source, which accepts again; connects made meanwhile wait and are answered', { timeout: 30_000 }, async () => {
    const a = fx.source;
    const b = fx.destination;
    await a.call('startup', { catalogFile: fx.catalogFile });
    await b.call('startup', { catalogFile: fx.catalogFile });
    const { s, port } = await a.call<{ s: number; port: number }>('listenServe');
    expect(await connectOnce(port)).toEqual({ pid: a.pid });

    expect(await a.call('handOffListener', { s, pid: b.pid })).toEqual({ ended: 'WSAEACCES', handedOff: true });
    // Handed off: nobody accepts, so this connect waits in the kernel's backlog (not refused).
    const waiting = connectOnce(port);
    const settled = await a.call<{ outcome: string }>('nextSettlement');
    expect(settled.outcome).toBe('lapsed');
    expect(await a.call('isHandedOff', { s })).toBe(false);
    await a.call('serveAgain', { s });
    expect(await waiting).toEqual({ pid: a.pid });
    expect(await connectOnce(port)).toEqual({ pid: a.pid });
  });
});
