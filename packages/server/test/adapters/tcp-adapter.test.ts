import { afterEach, describe, expect, it } from 'vitest';
import type { AgentStatus, MoveReport } from './helpers/agent.js';
import { LineClient } from './helpers/line-client.js';
import { until, useTwoServers } from './helpers/two-servers.js';

interface Started {
  pid: number;
  port: number | null;
}

// Every test: a net.Server speaking a line protocol in one process (it listens), the same in a second
// process (never listens), a real switch and provider in each. The app's state (the count of lines
// answered and the partial line it holds) moves with the connection.
describe('createTcpAdapter', () => {
  const fx = useTwoServers('server-tcp-');
  const clients: LineClient[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  async function startBoth(tcpMode: 'checkpoint' | 'movable'): Promise<{ old: Started & { port: number }; next: Started }> {
    const [old, next] = await Promise.all([
      fx.old.call<Started>('start', { catalogFile: fx.catalogFile, kind: 'tcp', listen: true, tcpMode }),
      fx.next.call<Started>('start', { catalogFile: fx.catalogFile, kind: 'tcp', listen: false, tcpMode }),
    ]);
    await fx.next.call('receive');
    return { old: old as Started & { port: number }, next };
  }

  async function connect(port: number): Promise<LineClient> {
    const client = await LineClient.connect(port);
    clients.push(client);
    return client;
  }

  it('should move streaming connections with the state the application gives at its checkpoint, every line answered once and in order', async () => {
    const { old, next } = await startBoth('checkpoint');
    const streaming = await Promise.all([1, 2, 3, 4].map(() => connect(old.port)));
    for (const c of streaming) c.run();
    await until(() => streaming.every((c) => c.served(old.pid) >= 20), 'every client was answered by the old process');
    expect(await fx.old.call<MoveReport>('move', { pid: next.pid, deadlineMs: 15_000 })).toMatchObject({ moved: 4, refused: [], failures: [] });
    await until(() => streaming.every((c) => c.served(next.pid) >= 20), 'every client was answered by the receiving process');
    await Promise.all(streaming.map((c) => c.stop()));
    for (const c of streaming) {
      expect(c.problems()).toEqual([]);
      expect(c.ended).toBe(false);
    }
    expect(await fx.next.call<AgentStatus>('status')).toMatchObject({ adopted: 4, adoptFailures: [], errors: [] });
  });

  it('should carry a partial line in the state, so that the receiving process completes it', async () => {
    const { old, next } = await startBoth('checkpoint');
    const client = await connect(old.port);
    client.write('l0-first\npar');
    await until(() => client.answers.length === 1, 'the first line was answered');
    await until(async () => (await fx.old.call<AgentStatus>('status')).tcpPartialBytes === 3, 'the server holds the partial line');
    expect(await fx.old.call<MoveReport>('move', { pid: next.pid, deadlineMs: 15_000 })).toMatchObject({ moved: 1, failures: [] });
    client.write('tial\n');
    await until(() => client.answers.length === 2, 'the completed line was answered');
    expect(client.answers).toEqual([
      { pid: old.pid, n: 0, line: 'l0-first' },
      { pid: next.pid, n: 1, line: 'partial' },
    ]);
  });

  it('should wait for movable() when the checkpoint says not now, and let later bytes travel unread', async () => {
    const { old, next } = await startBoth('movable');
    const client = await connect(old.port);
    client.write('l0-first\npar');
    await until(() => client.answers.length === 1, 'the first line was answered');
    await until(async () => (await fx.old.call<AgentStatus>('status')).tcpPartialBytes === 3, 'the server holds the partial line');
    await fx.old.call('startFreeze', { deadlineMs: 15_000 });
    expect((await fx.old.call<AgentStatus>('status')).frozen).toBe(0);
    client.write('tial\n'); // completes the line: the app answers it, then calls movable()
    await until(async () => (await fx.old.call<AgentStatus>('status')).frozen === 1, 'the application marked a safe point');
    client.write('after\n'); // not read by the old process
    expect(await fx.old.call<MoveReport>('moveFrozen', { pid: next.pid })).toMatchObject({ moved: 1, failures: [] });
    await until(() => client.answers.length === 3, 'every line was answered');
    expect(client.answers).toEqual([
      { pid: old.pid, n: 0, line: 'l0-first' },
      { pid: old.pid, n: 1, line: 'partial' },
      { pid: next.pid, n: 2, line: 'after' },
    ]);
  });

  it('should give up when the application never reaches a safe point, and end the connection as the fallback', async () => {
    const { old, next } = await startBoth('movable');
    const client = await connect(old.port);
    client.write('par');
    await until(async () => (await fx.old.call<AgentStatus>('status')).tcpPartialBytes === 3, 'the server holds the partial line');
    const report = await fx.old.call<MoveReport>('move', { pid: next.pid, deadlineMs: 200 });
    expect(report.moved).toBe(0);
    expect(report.refused).toHaveLength(1);
    expect(report.refused[0]).toMatch(/^no-safe-point: /);
    // Back in service after the failed freeze: the line completes in the old process.
    client.write('tial\n');
    await until(() => client.answers.length === 1, 'the line was answered');
    expect(client.answers[0]).toEqual({ pid: old.pid, n: 0, line: 'partial' });
    expect(await fx.old.call<number>('fallbackAll')).toBe(1);
    await until(() => client.ended, 'the server ended the connection');
  });
});
