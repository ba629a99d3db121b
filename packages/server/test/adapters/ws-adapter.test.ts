import { afterEach, describe, expect, it } from 'vitest';
import type { AgentStatus, MoveReport } from './helpers/agent.js';
import { until, useTwoServers } from './helpers/two-servers.js';
import { wsMessage, WsLoadClient } from './helpers/ws-load.js';

interface Started {
  pid: number;
  port: number | null;
}

// Every test: a ws WebSocketServer on an http.Server in one process (it listens), the same in a
// second process (never listens), a real switch and provider in each; connections move only through
// the switch. The app checks every client message's number and carries its counters as its state.
describe('createWsAdapter', () => {
  const fx = useTwoServers('server-ws-');
  const clients: WsLoadClient[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  async function startBoth(deflate: 'none' | 'nocontext' | 'context' = 'none'): Promise<{ old: Started & { port: number }; next: Started }> {
    const [old, next] = await Promise.all([
      fx.old.call<Started>('start', { catalogFile: fx.catalogFile, kind: 'ws', listen: true, deflate }),
      fx.next.call<Started>('start', { catalogFile: fx.catalogFile, kind: 'ws', listen: false, deflate }),
    ]);
    await fx.next.call('receive');
    return { old: old as Started & { port: number }, next };
  }

  function connect(port: number, n: number, options: { deflate?: boolean } = {}): WsLoadClient[] {
    const made = Array.from({ length: n }, (_, i) => new WsLoadClient(`ws://127.0.0.1:${port}/chat?client=${i}`, `c${i}`, options));
    clients.push(...made);
    return made;
  }

  it('should move clients streaming bursts, frames over 64 KiB and fragmented messages: every message once and in order, no close, the request and subprotocol rebuilt', async () => {
    const { old, next } = await startBoth();
    const streaming = connect(old.port, 6);
    await Promise.all(streaming.map((c) => c.opened));
    for (const c of streaming) c.run();
    await until(() => streaming.every((c) => c.served(old.pid) >= 30), 'every client was answered by the old process');

    const report = await fx.old.call<MoveReport>('move', { pid: next.pid, deadlineMs: 15_000 });
    expect(report).toMatchObject({ moved: 6, refused: [], failures: [] });
    await until(() => streaming.every((c) => c.served(next.pid) >= 30), 'every client was answered by the receiving process');
    await Promise.all(streaming.map((c) => c.stop()));
    const sent = streaming.map((c) => c.sent);
    await until(() => streaming.every((c, i) => c.echoedBy.length === sent[i]), 'every message was answered');

    for (const c of streaming) {
      expect(c.failures, `client ${c.id}`).toEqual([]);
      expect(c.closeCode, `client ${c.id} was not closed`).toBeUndefined();
      expect(c.opens).toBe(1);
    }
    const [oldStatus, nextStatus] = await Promise.all([fx.old.call<AgentStatus>('status'), fx.next.call<AgentStatus>('status')]);
    expect(oldStatus.errors).toEqual([]);
    expect(oldStatus.wsClients).toBe(0);
    expect(nextStatus).toMatchObject({ errors: [], adoptFailures: [], adopted: 6, wsClients: 6 });
    const moved = nextStatus.wsConnections.filter((w) => w.moved).sort((a, b) => a.clientId.localeCompare(b.clientId));
    expect(moved).toEqual(
      streaming.map((c, i) => ({ clientId: c.id, url: `/chat?client=${i}`, protocol: 'chat.v1', extensions: '', header: 'chat.v1', moved: true })),
    );
  });

  it("should carry the frames ws's receiver had buffered behind the message it froze in, ahead of the socket's bytes", async () => {
    const { old, next } = await startBoth();
    const [client] = connect(old.port, 1) as [WsLoadClient];
    await client.opened;
    client.send();
    await until(() => client.echoedBy.length === 1, 'message 0 was answered');

    // Message 1 stays open (its first fragment only): no safe point.
    client.ws.send(wsMessage(1), { binary: true, fin: false });
    await until(async () => (await fx.old.call<AgentStatus>('status')).wsFragmented === 1, 'the server holds the open fragment');
    await fx.old.call('startFreeze', { deadlineMs: 15_000 });
    expect((await fx.old.call<AgentStatus>('status')).frozen).toBe(0);
    // Its last fragment and messages 2..21 in one write: one socket chunk, parsed by the receiver in
    // one loop; it freezes inside 'message' for 1, with 2..21 already in its own buffers.
    const socket = (client.ws as unknown as { _socket: import('node:net').Socket })._socket;
    socket.cork();
    client.ws.send(Buffer.from('end of 1'), { fin: true });
    for (let seq = 2; seq <= 21; seq++) client.ws.send(wsMessage(seq), { binary: true });
    socket.uncork();
    await until(async () => (await fx.old.call<AgentStatus>('status')).frozen === 1, 'the connection froze after message 1');

    const report = await fx.old.call<MoveReport>('moveFrozen', { pid: next.pid });
    expect(report).toMatchObject({ moved: 1, refused: [], failures: [] });
    expect(report.receiverBytes).toBeGreaterThan(0);
    expect(report.readAheadBytes).toBeGreaterThanOrEqual(report.receiverBytes);
    await until(() => client.echoedBy.length === 22, 'messages 0..21 were answered');
    expect(client.failures).toEqual([]);
    expect(client.echoedBy.slice(0, 2)).toEqual([old.pid, old.pid]);
    expect(client.echoedBy.slice(2)).toEqual(Array.from({ length: 20 }, () => next.pid));
    expect(client.closeCode).toBeUndefined();
    expect((await fx.next.call<AgentStatus>('status')).errors).toEqual([]);
  });

  it('should put a connection back into service when the move gives up on a slow reader, parsing the frames its frozen receiver held', async () => {
    const { old, next } = await startBoth();
    const [client] = connect(old.port, 1) as [WsLoadClient];
    await client.opened;
    client.send();
    await until(() => client.echoedBy.length === 1, 'message 0 was answered');
    client.ws.pause(); // the client reads nothing more: the server's big answer backs up

    client.ws.send(Buffer.concat([wsMessage(1, 0), Buffer.from('HUGE')]), { binary: true, fin: false });
    await until(async () => (await fx.old.call<AgentStatus>('status')).wsFragmented === 1, 'the server holds the open fragment');
    await fx.old.call('startFreeze', { deadlineMs: 1_000 });
    // Message 1 completes (its answer is 32 MiB) with messages 2 and 3 behind it in the same chunk:
    // the receiver freezes inside 'message' for 1, holding 2 and 3; the sender never drains.
    const socket = (client.ws as unknown as { _socket: import('node:net').Socket })._socket;
    socket.cork();
    client.ws.send(Buffer.from('!'), { fin: true });
    client.ws.send(wsMessage(2), { binary: true });
    client.ws.send(wsMessage(3), { binary: true });
    socket.uncork();

    const report = await fx.old.call<MoveReport>('moveFrozen', { pid: next.pid });
    expect(report.moved).toBe(0);
    expect(report.refused).toHaveLength(1);
    expect(report.refused[0]).toMatch(/^slow-reader: /);
    client.ws.resume();
    await until(() => client.echoedBy.length === 4, 'messages 1..3 were answered', 30_000);
    expect(client.echoedBy).toEqual([old.pid, old.pid, old.pid, old.pid]);
    client.ws.send(wsMessage(4), { binary: true });
    await until(() => client.echoedBy.length === 5, 'a later message was answered');
    expect(client.failures).toEqual([]);
    expect(client.closeCode).toBeUndefined();
    expect((await fx.old.call<AgentStatus>('status')).errors).toEqual([]);
  });

  it('should move permessage-deflate connections negotiated with no_context_takeover both ways', async () => {
    const { old, next } = await startBoth('nocontext');
    const streaming = connect(old.port, 3, { deflate: true });
    await Promise.all(streaming.map((c) => c.opened));
    // ws internals (client side): the parameters both ends agreed on.
    const params = (streaming[0]?.ws as unknown as { _extensions: Record<string, { params: object }> })._extensions['permessage-deflate']?.params;
    expect(params).toMatchObject({ server_no_context_takeover: true, client_no_context_takeover: true });
    for (const c of streaming) c.run();
    await until(() => streaming.every((c) => c.served(old.pid) >= 30), 'every client was answered by the old process');
    expect(await fx.old.call<MoveReport>('move', { pid: next.pid, deadlineMs: 15_000 })).toMatchObject({ moved: 3, refused: [], failures: [] });
    await until(() => streaming.every((c) => c.served(next.pid) >= 30), 'every client was answered by the receiving process');
    await Promise.all(streaming.map((c) => c.stop()));
    const sent = streaming.map((c) => c.sent);
    await until(() => streaming.every((c, i) => c.echoedBy.length === sent[i]), 'every message was answered');
    for (const c of streaming) {
      expect(c.failures, `client ${c.id}`).toEqual([]);
      expect(c.closeCode).toBeUndefined();
    }
    const status = await fx.next.call<AgentStatus>('status');
    expect(status).toMatchObject({ errors: [], adoptFailures: [], wsClients: 3 });
    expect(status.wsConnections.map((w) => w.extensions)).toEqual(['permessage-deflate', 'permessage-deflate', 'permessage-deflate']);
  });

  it('should refuse a connection with deflate context takeover, and close it with 1012 "service restart" as the fallback', async () => {
    const { old, next } = await startBoth('context');
    const streaming = connect(old.port, 2, { deflate: true });
    await Promise.all(streaming.map((c) => c.opened));
    for (const c of streaming) c.run();
    await until(() => streaming.every((c) => c.served(old.pid) >= 10), 'every client was answered');
    const report = await fx.old.call<MoveReport>('move', { pid: next.pid, deadlineMs: 5_000 });
    expect(report.moved).toBe(0);
    expect(report.refused).toHaveLength(2);
    for (const why of report.refused) expect(why).toMatch(/^deflate-context-takeover: /);
    expect(await fx.old.call<number>('fallbackAll')).toBe(2);
    await until(() => streaming.every((c) => c.closeCode !== undefined), 'every client was closed');
    for (const c of streaming) {
      expect(c.closeCode).toBe(1012);
      expect(c.closeReason).toBe('service restart');
      expect(c.failures).toEqual([]);
    }
  });
});
