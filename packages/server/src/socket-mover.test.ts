import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Switch } from '@sanshare/switch';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isServerError, type ServerError } from './errors.js';
import { SEND_BATCH_SIZE, TAKEN_PER_TURN, createSocketMover, type ArrivedSocket, type SocketMover } from './socket-mover.js';
import { startSwitch } from './start-switch.js';

/** Reads from `socket` until `count` bytes came. */
async function readBytes(socket: Socket, count: number): Promise<string> {
  let text = '';
  while (text.length < count) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    text += chunk.toString('latin1');
  }
  return text;
}

describe('createSocketMover', () => {
  let dir: string;
  let sw: Switch;
  let mover: SocketMover;
  let listener: Server;
  const sockets: Socket[] = [];

  /** A connected pair: the server side (paused: it reads nothing) and the client. */
  async function pair(): Promise<{ server: Socket; client: Socket }> {
    const accepted = once(listener, 'connection') as Promise<[Socket]>;
    const client = connect((listener.address() as AddressInfo).port, '127.0.0.1');
    const [server] = await accepted;
    sockets.push(client, server);
    return { server, client };
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'srv-mover-'));
    // A short import timeout: a socket left unclaimed lapses back to this process in a few seconds.
    sw = await startSwitch(join(dir, 'run'), { importTimeoutMs: 3_000 });
    mover = createSocketMover(sw);
    listener = createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    listener.close();
    await sw.WSACleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should move a connection with its unread bytes and its message, and the connection works there', async () => {
    const { server, client } = await pair();
    // Unread by this process (pauseOnConnect): they travel with the socket, in its kernel queue or as read-ahead.
    client.write('early');
    const controller = new AbortController();
    const arrivals = mover.receive({ acceptFrom: (pid) => pid === process.pid, signal: controller.signal })[Symbol.asyncIterator]();
    // Receiving first: the mover confirms claims, so `send` resolves once the socket was imported.
    const arrival = arrivals.next();
    const [outcome] = await mover.send(process.pid, [{ socket: server, moved: { server: 'echo', state: Uint8Array.of(1, 2, 3), listener: false, fresh: false } }]);
    expect(outcome).toEqual({ outcome: 'moved' });
    const { value } = (await arrival) as { value: ArrivedSocket };
    controller.abort();
    sockets.push(value.socket);
    expect(value.sourcePid).toBe(process.pid);
    expect(value.moved).toEqual({ server: 'echo', state: Uint8Array.of(1, 2, 3), listener: false, fresh: false });
    client.write('-late');
    expect(await readBytes(value.socket, 10)).toBe('early-late');
    value.socket.write('back');
    expect(await readBytes(client, 4)).toBe('back');
  });

  it('should move more connections than one batch holds in one send, each with its own unread bytes, state and outcome', async () => {
    const count = SEND_BATCH_SIZE + 50;
    const pairs = [];
    for (let i = 0; i < count; i++) pairs.push(await pair());
    pairs.forEach(({ client }, i) => client.write(`c${i};`));
    const closed = pairs[7] as { server: Socket; client: Socket };
    closed.client.destroy();
    closed.server.resume();
    await once(closed.server, 'close');
    const controller = new AbortController();
    const arrived = new Map<number, ArrivedSocket>();
    const loop = (async () => {
      for await (const a of mover.receive({ acceptFrom: (pid) => pid === process.pid, signal: controller.signal })) {
        sockets.push(a.socket);
        arrived.set((a.moved.state[0] as number) * 256 + (a.moved.state[1] as number), a);
        // Every connection but the closed one.
        if (arrived.size === count - 1) controller.abort();
      }
    })();
    // The real call, its batch sizes recorded: none over SEND_BATCH_SIZE.
    const sizes: number[] = [];
    const duplicateBatch = sw.WSADuplicateSocketBatch.bind(sw);
    sw.WSADuplicateSocketBatch = (items, ...rest) => {
      sizes.push(items.length);
      return duplicateBatch(items, ...rest);
    };
    const outcomes = await mover.send(
      process.pid,
      pairs.map(({ server }, i) => ({ socket: server, moved: { server: 'echo', state: Uint8Array.of(i >> 8, i & 255), listener: false, fresh: false } })),
    );
    await loop;
    expect(outcomes.map((o) => o.outcome)).toEqual(pairs.map((_, i) => (i === 7 ? 'closed' : 'moved')));
    // The first SEND_BATCH_SIZE items but the closed one, then the rest.
    expect(sizes).toEqual([SEND_BATCH_SIZE - 1, count - SEND_BATCH_SIZE]);
    for (let i = 0; i < count; i++) {
      if (i === 7) continue;
      const a = arrived.get(i) as ArrivedSocket;
      expect(await readBytes(a.socket, `c${i};`.length)).toBe(`c${i};`);
    }
  });

  it('should take a batch a few sockets per event-loop turn, so that the turns stay short while a batch arrives', async () => {
    // Node accepts one new connection per listener per turn, and serves the connections taken in a
    // turn in the next one: a whole batch taken in one turn stalled new connects for seconds.
    const count = 100;
    const pairs = [];
    for (let i = 0; i < count; i++) pairs.push(await pair());
    let turn = 0;
    let ticking = true;
    const tick = (): void => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const perTurn = new Map<number, number>();
    const controller = new AbortController();
    let received = 0;
    const loop = (async () => {
      for await (const a of mover.receive({ acceptFrom: (pid) => pid === process.pid, signal: controller.signal })) {
        sockets.push(a.socket);
        perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1);
        if (++received === count) controller.abort();
      }
    })();
    const outcomes = await mover.send(
      process.pid,
      pairs.map(({ server }) => ({ socket: server, moved: { server: 'echo', state: new Uint8Array(0), listener: false, fresh: false } })),
    );
    await loop;
    ticking = false;
    expect(outcomes.every((o) => o.outcome === 'moved')).toBe(true);
    expect([...perTurn.values()].reduce((a, b) => a + b, 0)).toBe(count);
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(TAKEN_PER_TURN);
    expect(perTurn.size).toBeGreaterThanOrEqual(Math.ceil(count / TAKEN_PER_TURN));
  });

  it('should move the ready connections of a batch at once, and one with unsent writes once they reached its client', async () => {
    const slow = await pair();
    const fast = await pair();
    slow.client.pause();
    const big = Buffer.alloc(32 * 1024 * 1024, 0x62);
    slow.server.write(big);
    expect(slow.server.writableLength).toBeGreaterThan(0);
    const controller = new AbortController();
    const arrived: ArrivedSocket[] = [];
    const loop = (async () => {
      for await (const a of mover.receive({ acceptFrom: (pid) => pid === process.pid, signal: controller.signal })) {
        sockets.push(a.socket);
        arrived.push(a);
        if (arrived.length === 2) controller.abort();
      }
    })();
    const told = new Map<number, string>();
    mover.sendEach(
      process.pid,
      [slow, fast].map(({ server }, i) => ({ socket: server, moved: { server: 'echo', state: Uint8Array.of(i), listener: false, fresh: false } })),
      (index, outcome) => told.set(index, outcome.outcome),
    );
    // The ready one moves (claimed by the receiver) while the other's client reads nothing yet.
    for (let i = 0; i < 2_000 && !told.has(1); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect([...told]).toEqual([[1, 'moved']]);
    let received = 0;
    slow.client.on('data', (chunk: Buffer) => (received += chunk.length));
    slow.client.resume();
    await loop;
    for (let i = 0; i < 2_000 && !told.has(0); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(told.get(0)).toBe('moved');
    while (received < big.length) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(received).toBe(big.length);
    const moved = arrived.find((a) => a.moved.state[0] === 0) as ArrivedSocket;
    moved.socket.write('after');
    expect(await readBytes(slow.client, 5)).toBe('after');
  });

  it('should give the connection back, unread bytes first, when the target cannot take it', async () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
    const { server, client } = await pair();
    client.write('kept');
    const [outcome] = await mover.send(gone, [{ socket: server, moved: { server: 'echo', state: new Uint8Array(0), listener: false, fresh: false } }]);
    expect(outcome?.outcome).toBe('returned');
    if (outcome?.outcome !== 'returned') return;
    sockets.push(outcome.socket);
    expect(String(outcome.error)).toMatch(/WSAEINVAL/);
    client.write('+more');
    expect(await readBytes(outcome.socket, 9)).toBe('kept+more');
  });

  it('should give back, untouched, a connection whose state does not fit in the message', async () => {
    const { server } = await pair();
    const [outcome] = await mover.send(process.pid, [{ socket: server, moved: { server: 'echo', state: new Uint8Array(70_000), listener: false, fresh: false } }]);
    expect(outcome).toMatchObject({ outcome: 'returned', socket: server });
    expect(isServerError((outcome as { error: unknown }).error, 'ERR_STATE_TOO_LARGE')).toBe(true);
    expect(server.destroyed).toBe(false);
  });

  it('should report a connection its client closed as closed', async () => {
    const { server, client } = await pair();
    client.destroy();
    server.resume();
    await once(server, 'close');
    const [outcome] = await mover.send(process.pid, [{ socket: server, moved: { server: 'echo', state: new Uint8Array(0), listener: false, fresh: false } }]);
    expect(outcome?.outcome).toBe('closed');
  });

  it('should leave unclaimed a socket from a process it does not take sockets from, and say so', async () => {
    const { server, client } = await pair();
    client.write('before');
    const errors: ServerError[] = [];
    const controller = new AbortController();
    const loop = (async () => {
      const got: ArrivedSocket[] = [];
      for await (const arrived of mover.receive({
        acceptFrom: () => false,
        signal: controller.signal,
        onError: (error) => {
          errors.push(error);
          controller.abort();
        },
      })) {
        got.push(arrived);
      }
      return got;
    })();
    const [outcome] = await mover.send(process.pid, [{ socket: server, moved: { server: 'echo', state: new Uint8Array(0), listener: false, fresh: false } }]);
    expect(await loop).toEqual([]);
    // Claims are confirmed: the unclaimed socket lapsed and came back here, in service.
    expect(mover.confirmsClaims).toBe(true);
    expect(outcome?.outcome).toBe('returned');
    if (outcome?.outcome !== 'returned') return;
    sockets.push(outcome.socket);
    // With every byte: those sent before the move, and after it.
    client.write('+after');
    expect(await readBytes(outcome.socket, 12)).toBe('before+after');
    outcome.socket.write('back');
    expect(await readBytes(client, 4)).toBe('back');
    expect(errors[0]?.message).toMatch(new RegExp(`^a socket from pid ${process.pid}, which this process does not take sockets from, was left unclaimed`));
  });

  it('should hand a listener over through the switch: the sender stops accepting, the receiver listens on the same socket', async () => {
    const port = (listener.address() as AddressInfo).port;
    const controller = new AbortController();
    const arrived = new Promise<{ name: string; fd: number }>((resolve) => {
      void (async () => {
        for await (const _ of mover.receive({ acceptFrom: (pid) => pid === process.pid, signal: controller.signal, onListener: (name, fd) => resolve({ name, fd }) })) {
          // Only a listener is sent here.
        }
      })();
    });
    await mover.sendListener(process.pid, 'http', listener);
    expect(listener.listening).toBe(false);
    const { name, fd } = await arrived;
    controller.abort();
    expect(name).toBe('http');
    const taker = createServer((socket) => socket.end('taken'));
    await new Promise<void>((resolve) => taker.listen({ fd }, resolve));
    expect((taker.address() as AddressInfo).port).toBe(port);
    const client = connect(port, '127.0.0.1');
    sockets.push(client);
    expect(await readBytes(client, 5)).toBe('taken');
    await new Promise<void>((resolve) => taker.close(() => resolve()));
  });

  it('should refuse to hand over a listener that does not listen, with ERR_LISTENER', async () => {
    const idle = createServer();
    await expect(mover.sendListener(process.pid, 'http', idle)).rejects.toMatchObject({ code: 'ERR_LISTENER' });
  });
});
