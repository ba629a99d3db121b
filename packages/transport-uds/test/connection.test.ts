import { getEventListeners, once } from 'node:events';
import { connect as connectTcp, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { closeFd, connect, detachNetSocket, toNetSocket, getSocketCookie, isFdOpen, isUdsError, listen, seqpacketPair, fromDescriptor, type UdsConnection, type UdsListener } from '../src/index.js';
import { countFds, tempDir } from './support/harness.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('UdsConnection', () => {
  let dir: string;
  let cleanup: () => void;
  let listener: UdsListener | undefined;
  const opened: UdsConnection[] = [];
  let fdsBefore: number;

  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    fdsBefore = countFds();
  });

  afterEach(async () => {
    for (const c of opened.splice(0)) await c.close();
    await listener?.close();
    listener = undefined;
    cleanup();
  });

  async function pair(options: Parameters<typeof listen>[1] = {}): Promise<[UdsConnection, UdsConnection]> {
    listener = await listen(`${dir}/s.sock`, options);
    const client = await connect(`${dir}/s.sock`, options);
    const server = await listener.accept({ timeoutMs: 5000 });
    opened.push(client, server);
    return [client, server];
  }

  it('should carry bytes and descriptors together, in order, with kernel credentials', async () => {
    const [client, server] = await pair();
    expect(client.peer.pid).toBe(process.pid);
    expect(server.peer).toEqual({ pid: process.pid, uid: process.getuid?.(), gid: process.getgid?.() });
    const [a, b] = seqpacketPair();
    await client.send(enc('one'), [a]);
    await client.send(enc('two'));
    const first = await server.receive();
    const second = await server.receive();
    expect(dec(first!.data)).toBe('one');
    expect(first!.fds).toHaveLength(1);
    expect(dec(second!.data)).toBe('two');
    expect(second!.fds).toEqual([]);
    // The received descriptor is the same kernel socket: the cookie matches and data flows through it.
    const received = first!.fds[0]!;
    expect(getSocketCookie(received)).toBe(getSocketCookie(a));
    const viaReceived = fromDescriptor(received);
    const other = fromDescriptor(b);
    await viaReceived.send(enc('through the passed fd'));
    expect(dec((await other.receive())!.data)).toBe('through the passed fd');
    await viaReceived.close();
    await other.close();
    closeFd(a);
    await client.close();
    await server.close();
    await listener!.close();
    expect(countFds()).toBe(fdsBefore);
  });

  it('should fragment and reassemble a message larger than one record', async () => {
    const [client, server] = await pair();
    const big = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const sent = client.send(big, [0]);
    const got = await server.receive({ timeoutMs: 10_000 });
    await sent;
    expect(got!.data.length).toBe(big.length);
    expect(Buffer.compare(Buffer.from(got!.data), big)).toBe(0);
    expect(got!.fds).toHaveLength(1);
    closeFd(got!.fds[0]!);
  });

  it('should refuse an oversized message and too many descriptors before sending', async () => {
    const [client] = await pair({ maxMessageBytes: 10, maxFdsPerMessage: 1 });
    await expect(client.send(new Uint8Array(11))).rejects.toMatchObject({ code: 'UDS_FRAME_TOO_LARGE' });
    await expect(client.send(new Uint8Array(1), [0, 1])).rejects.toMatchObject({ code: 'UDS_TOO_MANY_FDS' });
    await expect(client.send(new Uint8Array(1), [987654])).rejects.toMatchObject({ code: 'UDS_BAD_DESCRIPTOR' });
    await expect(client.send('x' as unknown as Uint8Array)).rejects.toMatchObject({ code: 'UDS_INVALID_ARGUMENT' });
    expect(client.closed).toBe(false);
  });

  it('should make a sender wait while its reader does not read, and lose nothing', async () => {
    const [client, server] = await pair({ maxQueuedMessages: 4 });
    const payload = new Uint8Array(100);
    let sent = 0;
    let stalled = false;
    // Keep sending until a send stays pending (the kernel buffer and the bounded queue are full).
    for (let i = 0; i < 10_000; i++) {
      payload[0] = i & 0xff;
      const p = client.send(payload.slice());
      const settled = await Promise.race([p.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);
      if (!settled) {
        stalled = true;
        // Drain everything; the pending send completes once there is room.
        let received = 0;
        const total = sent + 1;
        while (received < total) {
          const m = await server.receive({ timeoutMs: 10_000 });
          expect(m!.data[0]).toBe(received & 0xff);
          received++;
        }
        await p;
        break;
      }
      sent++;
    }
    expect(stalled).toBe(true);
    // Bounded: the sender stalled after the kernel queue and the 4-message queue filled.
    expect(sent).toBeGreaterThanOrEqual(4);
    expect(sent).toBeLessThan(10_000);
  });

  it('should abort a send still waiting for room without disturbing the others', async () => {
    const [client, server] = await pair({ maxQueuedMessages: 1 });
    const small = new Uint8Array(100);
    // Fill everything until a send waits.
    let n = 0;
    let waiting: Promise<void> | undefined;
    for (; n < 100_000; n++) {
      small[0] = n & 0xff;
      const p = client.send(small.slice());
      const done = await Promise.race([p.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);
      if (!done) {
        waiting = p;
        break;
      }
    }
    expect(waiting).toBeDefined();
    const ac = new AbortController();
    const aborted = client.send(new Uint8Array([0xee]), [], { signal: ac.signal });
    const timedOut = client.send(new Uint8Array([0xdd]), [], { timeoutMs: 1 });
    const after = client.send(new Uint8Array([(n + 1) & 0xff]));
    ac.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'UDS_ABORTED' });
    await expect(timedOut).rejects.toMatchObject({ code: 'UDS_TIMEOUT' });
    // Drain: every message but the two cancelled ones arrives, in order.
    const seen: number[] = [];
    for (let i = 0; i <= n + 1; i++) seen.push((await server.receive({ timeoutMs: 10_000 }))!.data[0]!);
    await waiting;
    await after;
    expect(seen).toEqual(Array.from({ length: n + 2 }, (_, i) => i & 0xff));
    expect(client.closed).toBe(false);
  });

  it('should close the connection when a half-sent large message times out', async () => {
    const [client, server] = await pair({ maxQueuedMessages: 1 });
    const big = new Uint8Array(1024 * 1024);
    const closed = once(client, 'close') as Promise<[unknown]>;
    // The reader never calls receive(): its queue (1) fills, it stops reading, the kernel queue
    // fills, and only the first records of the large message get in.
    await client.send(enc('first'));
    await client.send(enc('second'));
    await expect(client.send(big, [], { timeoutMs: 200 })).rejects.toMatchObject({ code: 'UDS_TIMEOUT', message: expect.stringContaining('half sent') });
    const [reason] = await closed;
    expect(reason).toMatchObject({ code: 'UDS_TIMEOUT' });
    expect(client.closed).toBe(true);
    // The reader gets what was complete, then sees the peer die mid-message.
    expect(dec((await server.receive())!.data)).toBe('first');
    expect(dec((await server.receive())!.data)).toBe('second');
    await expect(server.receive({ timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'UDS_PEER_DIED' });
  });

  it('should time out and abort receive without losing the next message', async () => {
    const [client, server] = await pair();
    await expect(server.receive({ timeoutMs: 20 })).rejects.toMatchObject({ code: 'UDS_TIMEOUT' });
    const ac = new AbortController();
    const pending = server.receive({ signal: ac.signal });
    const stop = new Error('stop');
    ac.abort(stop);
    await expect(pending).rejects.toMatchObject({ code: 'UDS_ABORTED', cause: stop });
    await expect(server.receive({ signal: AbortSignal.abort('early') })).rejects.toMatchObject({ code: 'UDS_ABORTED', cause: 'early' });
    for (const bad of [-1, Number.NaN, '5' as unknown as number]) {
      await expect(server.receive({ timeoutMs: bad })).rejects.toMatchObject({ code: 'UDS_INVALID_ARGUMENT', message: expect.stringContaining('timeoutMs') });
    }
    // Infinity is no timeout, as everywhere in sanshare.
    const unbounded = server.receive({ timeoutMs: Infinity });
    await client.send(enc('after'));
    expect(dec((await unbounded)!.data)).toBe('after');
  });

  it('should leave no abort listener on a long-lived signal once each call settles', async () => {
    const [client, server] = await pair();
    const longLived = new AbortController().signal;
    for (let i = 0; i < 50; i++) {
      const next = server.receive({ signal: longLived, timeoutMs: 10_000 });
      await client.send(enc(String(i)), [], { signal: longLived });
      expect(dec((await next)!.data)).toBe(String(i));
    }
    await expect(server.receive({ signal: longLived, timeoutMs: 1 })).rejects.toMatchObject({ code: 'UDS_TIMEOUT' });
    expect(getEventListeners(longLived, 'abort')).toHaveLength(0);
  });

  it('should end with null after the peer closes, and deliver what it sent before', async () => {
    const [client, server] = await pair();
    await client.send(enc('last words'));
    const closing = once(server, 'close');
    await client.close();
    expect(client.closed).toBe(true);
    expect(dec((await server.receive())!.data)).toBe('last words');
    expect(await server.receive()).toBeNull();
    const [err] = (await closing) as [unknown];
    expect(err).toBeUndefined();
    await expect(server.send(enc('x'))).rejects.toMatchObject({ code: 'UDS_PEER_CLOSED' });
    await expect(client.send(enc('x'))).rejects.toMatchObject({ code: 'UDS_CLOSED' });
    await expect(client.receive()).rejects.toMatchObject({ code: 'UDS_CLOSED' });
  });

  it('should deliver what a peer sent before it closed without reading ours, then report the reset', async () => {
    const [client, server] = await pair();
    // All in one tick, so the server never gets to read what the client sent.
    const sends = [server.send(enc('from server')), client.send(enc('never read'))];
    const closing = server.close();
    await Promise.all([...sends, closing]);
    expect(dec((await client.receive({ timeoutMs: 5000 }))!.data)).toBe('from server');
    await expect(client.receive({ timeoutMs: 5000 })).rejects.toMatchObject({ code: 'UDS_PEER_DIED', errno: 104 });
  });

  it('should keep reading what a peer sent before it closed when a send to it fails for the reset', async () => {
    const [client, server] = await pair();
    // The client closes with a message of the server's unread, right after sending its own two.
    await server.send(enc('never read'));
    await client.send(enc('first'));
    await client.send(enc('second'));
    await client.close();
    // Sending is over (the peer is gone) but the connection is not: both messages are still read.
    await expect(server.send(enc('reply'))).rejects.toMatchObject({ code: 'UDS_PEER_CLOSED' });
    expect(dec((await server.receive({ timeoutMs: 5000 }))!.data)).toBe('first');
    expect(dec((await server.receive({ timeoutMs: 5000 }))!.data)).toBe('second');
  });

  it('should close the descriptors of unread messages on close', async () => {
    const [client, server] = await pair();
    const before = countFds();
    await client.send(enc('a'), [0, 1, 2]);
    await client.send(enc('b'), [0]);
    // Wait until the server has read both messages into its queue: their 4 descriptors are then
    // open in this process (before that, they are in the kernel's queue, where close() has nothing to do).
    await vi.waitFor(() => expect(countFds()).toBe(before + 4), { timeout: 10_000, interval: 5 });
    await server.close();
    await server.close();
    // The 4 received descriptors and the server's own socket are closed.
    expect(countFds()).toBe(before - 1);
  });

  it('should iterate messages until the peer closes', async () => {
    const [client, server] = await pair();
    for (const s of ['x', 'y', 'z']) await client.send(enc(s));
    await client.close();
    const seen: string[] = [];
    for await (const m of server) seen.push(dec(m.data));
    expect(seen).toEqual(['x', 'y', 'z']);
  });

  it('should hand a live TCP socket to another connection and keep its stream', async () => {
    const server: Server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const { port } = server.address() as AddressInfo;
    const tcp = connectTcp({ port, host: '127.0.0.1' });
    await once(tcp, 'connect');
    const [remote] = await accepted;
    const [client, srv] = await pair();
    remote.write('before ');
    await once(tcp, 'readable');
    // The local net.Socket has read ahead; detaching hands those bytes over with the descriptor.
    const { fd, readAhead } = detachNetSocket(tcp);
    expect(Buffer.from(readAhead).toString()).toBe('before ');
    await client.send(readAhead, [fd]);
    closeFd(fd);
    const m = await srv.receive();
    expect(isFdOpen(m!.fds[0]!)).toBe(true);
    const adopted = toNetSocket(m!.fds[0]!, { readAhead: m!.data });
    remote.write('hello');
    let text = '';
    adopted.setEncoding('utf8');
    while (text !== 'before hello') {
      const [chunk] = (await once(adopted, 'data')) as [string];
      text += chunk;
    }
    adopted.write('back');
    const [reply] = (await once(remote, 'data')) as [Buffer];
    expect(reply.toString()).toBe('back');
    adopted.destroy();
    remote.destroy();
    server.close();
  });

  it('should fail on a bad wrapped descriptor with a typed error', () => {
    expect(() => fromDescriptor(999_999)).toThrow(expect.objectContaining({ code: 'UDS_BAD_DESCRIPTOR' }));
    try {
      fromDescriptor(0);
    } catch (error) {
      expect(isUdsError(error)).toBe(true);
    }
  });
});
