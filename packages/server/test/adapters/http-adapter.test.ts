import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentStatus, MoveReport } from './helpers/agent.js';
import { HttpLoadClient } from './helpers/http-load.js';
import { get, RawHttp } from './helpers/raw-http.js';
import { until, useTwoServers } from './helpers/two-servers.js';

interface Started {
  pid: number;
  port: number | null;
}

// Every test: an http.Server in one process (it listens), another in a second process (it never
// listens), a real switch and provider in each; connections move between them only through the switch.
describe('createHttpAdapter', () => {
  const fx = useTwoServers('server-http-');
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function startBoth(nextArgs: Record<string, unknown> = {}): Promise<{ old: Started & { port: number }; next: Started }> {
    const [old, next] = await Promise.all([
      fx.old.call<Started>('start', { catalogFile: fx.catalogFile, kind: 'http', listen: true }),
      fx.next.call<Started>('start', { catalogFile: fx.catalogFile, kind: 'http', listen: false, ...nextArgs }),
    ]);
    await fx.next.call('receive');
    return { old: old as Started & { port: number }, next };
  }

  async function raw(port: number): Promise<RawHttp> {
    const client = await RawHttp.connect(port);
    cleanups.push(() => client.close());
    return client;
  }

  it('should move keep-alive and pipelined undici clients mid-load, with no failed request and one TCP connection each', async () => {
    const { old, next } = await startBoth();
    const clients = [1, 1, 1, 8, 8, 8].map((pipelining, i) => new HttpLoadClient(`http://127.0.0.1:${old.port}`, pipelining, i));
    cleanups.push(() => Promise.all(clients.map((c) => c.stop())));
    for (const c of clients) c.run();
    await until(() => clients.every((c) => c.served(old.pid) >= 5), 'every client was served by the old process');

    const report = await fx.old.call<MoveReport>('move', { pid: next.pid, deadlineMs: 15_000 });
    expect(report).toMatchObject({ moved: 6, refused: [], failures: [] });
    await until(() => clients.every((c) => c.served(next.pid) >= 10), 'every client was served by the receiving process');
    await Promise.all(clients.map((c) => c.stop()));

    for (const c of clients) {
      expect(c.failures, `client ${c.index} (pipelining ${c.pipelining})`).toEqual([]);
      expect(c.connects, `client ${c.index} opened one TCP connection`).toBe(1);
    }
    const status = await fx.next.call<AgentStatus>('status');
    expect(status).toMatchObject({ adopted: 6, adoptFailures: [] });
    expect((await fx.old.call<AgentStatus>('status')).connections).toBe(0);
  });

  it('should wait while the parser holds part of a next request, then stop reading at the boundary so that later requests travel in the kernel', async () => {
    const { old, next } = await startBoth();
    const client = await raw(old.port);
    // /1 whole, /2 cut inside a header line: after /1 is answered, /2's bytes are inside llhttp.
    client.write(`${get('/1')}GET /2 HTTP/1.1\r\nHost: localhost\r\nX-Pa`);
    expect((await client.response(1)).body).toBe(`${old.pid} GET /1 0`);
    await fx.old.call('startFreeze', { deadlineMs: 15_000 });
    // No response in flight, but a request half-parsed: not a safe point.
    expect((await fx.old.call<AgentStatus>('status')).frozen).toBe(0);

    // The rest of /2 and the whole of /3 in one write: the parser reads on to the end of /3, then stops.
    client.write(`rtial: yes\r\n\r\n${get('/3')}`);
    await until(async () => (await fx.old.call<AgentStatus>('status')).frozen === 1, 'the connection froze at the boundary after /3');
    expect((await client.response(2)).body).toBe(`${old.pid} GET /2 0`);
    expect((await client.response(3)).body).toBe(`${old.pid} GET /3 0`);

    // Sent while frozen: stays in the kernel, travels with the socket, answered by the receiving process.
    client.write(get('/4'));
    const report = await fx.old.call<MoveReport>('moveFrozen', { pid: next.pid });
    expect(report).toMatchObject({ moved: 1, refused: [], failures: [] });
    expect((await client.response(4)).body).toBe(`${next.pid} GET /4 0`);
    client.write(get('/5'));
    expect((await client.response(5)).body).toBe(`${next.pid} GET /5 0`);
    expect(client.responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(client.closed).toBe(false);
  });

  it('should give up on a long response at the deadline, and close that connection after its next response as the fallback', async () => {
    const { old, next } = await startBoth();
    const socket = net.connect(old.port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    let received = '';
    let ended = false;
    socket.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
    socket.on('end', () => (ended = true));
    socket.write(get('/stream?chunks=30'));
    await until(() => received.includes('chunk 0'), 'the stream began');

    const report = await fx.old.call<MoveReport>('move', { pid: next.pid, deadlineMs: 150 });
    expect(report.moved).toBe(0);
    expect(report.refused).toHaveLength(1);
    expect(report.refused[0]).toMatch(/^long-response: /);
    expect(await fx.old.call<number>('fallbackAll')).toBe(1);
    // The stream's header was sent before the fallback: it ends whole (the chunked terminator), and
    // the connection stays for the next response, which says Connection: close; then the server closes.
    await until(() => /0\r\n\r\n$/.test(received), 'the stream ended');
    expect(received).toContain('chunk 29\n');
    expect(ended).toBe(false);
    received = '';
    socket.write(get('/after'));
    await until(() => ended, 'the server closed the connection after the next response');
    expect(received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(received).toMatch(/\r\nConnection: close\r\n/i);
    expect(received).toContain(`${old.pid} GET /after 0`);
  });

  it('should answer Connection: close on the next response of each connection as the fallback, and undici reconnects with no failed request', async () => {
    const { old } = await startBoth();
    const clients = [1, 8].map((pipelining, i) => new HttpLoadClient(`http://127.0.0.1:${old.port}`, pipelining, i));
    cleanups.push(() => Promise.all(clients.map((c) => c.stop())));
    for (const c of clients) c.run();
    await until(() => clients.every((c) => c.served(old.pid) >= 5), 'every client was served');
    expect(await fx.old.call<number>('fallbackAll')).toBe(2);
    await until(() => clients.every((c) => c.connects === 2), 'every client reconnected once');
    const before = clients.map((c) => c.served(old.pid));
    await until(() => clients.every((c, i) => c.served(old.pid) >= (before[i] as number) + 5), 'every client was served on its new connection');
    await Promise.all(clients.map((c) => c.stop()));
    for (const c of clients) {
      expect(c.failures, `client ${c.index} (pipelining ${c.pipelining})`).toEqual([]);
      expect(c.connects).toBe(2);
      // The response that carried it (none if the connection was idle when the fallback came).
      expect(c.closeHeaders).toBeLessThanOrEqual(1);
    }
  });

  it('should keep headersTimeout, requestTimeout (408) and keepAliveTimeout on a server that never listened, for moved-in connections', async () => {
    const { old, next } = await startBoth({
      http: { headersTimeout: 3000, requestTimeout: 3500, connectionsCheckingInterval: 50 },
      keepAliveTimeout: 1000,
    });
    const [a, b, c] = await Promise.all([raw(old.port), raw(old.port), raw(old.port)]);
    for (const client of [a, b, c]) client.write(get('/warm'));
    for (const client of [a, b, c]) expect((await client.response(1)).body).toBe(`${old.pid} GET /warm 0`);
    expect(await fx.old.call<MoveReport>('move', { pid: next.pid, deadlineMs: 15_000 })).toMatchObject({ moved: 3, failures: [] });
    await until(async () => (await fx.next.call<AgentStatus>('status')).adopted === 3, 'the three connections were adopted');

    a.write('GET /a HTTP/1.1\r\nHost: localhost\r\n'); // headers never finish
    b.write('POST /b HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nab'); // body never finishes
    // c stays idle: its keep-alive timer (keepAliveTimeout + 1 s) closes it, before headersTimeout could.
    expect((await a.response(2)).status).toBe(408);
    expect((await b.response(2)).status).toBe(408);
    await until(() => a.closed && b.closed && c.closed, 'all three were closed by the server');
    expect(c.responses).toHaveLength(1);
  });

  it('should make closeIdleConnections() and close() of a never-listened server see moved-in connections', async () => {
    const { old, next } = await startBoth({ keepAliveTimeout: 60_000 });
    const [x, y, z] = await Promise.all([raw(old.port), raw(old.port), raw(old.port)]);
    for (const client of [x, y, z]) client.write(get('/warm'));
    for (const client of [x, y, z]) await client.response(1);
    expect(await fx.old.call<MoveReport>('move', { pid: next.pid, deadlineMs: 15_000 })).toMatchObject({ moved: 3, failures: [] });
    await until(async () => (await fx.next.call<AgentStatus>('status')).adopted === 3, 'the three connections were adopted');
    expect((await fx.next.call<AgentStatus>('status')).serverConnections).toBe(3);

    x.write('POST /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\n\r\nab'); // a request in progress
    await until(async () => (await fx.next.call<AgentStatus>('status')).requests === 1, 'the receiving server saw the request');
    await fx.next.call('closeIdle');
    await until(() => y.closed && z.closed, 'the idle connections were closed');
    expect(x.closed).toBe(false);

    const closing = fx.next.call<string | null>('closeServer');
    x.write('cd');
    expect((await x.response(2)).body).toBe(`${next.pid} POST /x 4`);
    // close() waits for the connection it did not accept itself.
    expect((await fx.next.call<AgentStatus>('status')).serverClosed).toBe(false);
    x.close();
    // A server that never listened reports ERR_SERVER_NOT_RUNNING to close()'s callback, at 'close'.
    expect(await closing).toBe('ERR_SERVER_NOT_RUNNING');
  });
});
