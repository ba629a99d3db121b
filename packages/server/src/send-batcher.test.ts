import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Switch } from '@sanshare/switch';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSendBatcher, type SendBatcher } from './send-batcher.js';
import { SEND_BATCH_SIZE, createSocketMover, type ArrivedSocket, type MoveItem, type MoveOutcome, type SocketMover } from './socket-mover.js';
import { startSwitch } from './start-switch.js';

/** `item`'s outcome, as a promise. */
const sendOne = (batcher: SendBatcher, item: MoveItem): Promise<MoveOutcome> => new Promise((resolve) => batcher.send(item, resolve));

describe('createSendBatcher', () => {
  let dir: string;
  let sw: Switch;
  let listener: Server;
  const sockets: Socket[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'srv-batcher-'));
    sw = await startSwitch(join(dir, 'run'));
    listener = createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    listener.close();
    await sw.WSACleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  async function accepted(): Promise<Socket> {
    const next = once(listener, 'connection') as Promise<[Socket]>;
    sockets.push(connect((listener.address() as AddressInfo).port, '127.0.0.1'));
    const [server] = await next;
    sockets.push(server);
    return server;
  }

  it('should send what is queued in one turn of the event loop in batches of at most SEND_BATCH_SIZE, each item with its own outcome', async () => {
    const real = createSocketMover(sw);
    // The real mover, its calls recorded.
    const calls: number[] = [];
    const mover: SocketMover = { ...real, sendEach: (pid, items, tell) => (calls.push(items.length), real.sendEach(pid, items, tell)) };
    const count = SEND_BATCH_SIZE + 10;
    const servers: Socket[] = [];
    for (let i = 0; i < count; i++) servers.push(await accepted());
    const controller = new AbortController();
    const arrived: ArrivedSocket[] = [];
    const loop = (async () => {
      for await (const a of real.receive({ acceptFrom: (pid) => pid === process.pid, signal: controller.signal })) {
        sockets.push(a.socket);
        arrived.push(a);
        if (arrived.length === count) controller.abort();
      }
    })();
    const batcher = createSendBatcher(mover, process.pid);
    // All queued in the same turn: one full batch goes at once, the rest at the end of the turn.
    const outcomes = await Promise.all(servers.map((socket, i) => sendOne(batcher, { socket, moved: { server: 'echo', state: Uint8Array.of(i & 255), listener: false, fresh: false } })));
    await loop;
    expect(calls).toEqual([SEND_BATCH_SIZE, 10]);
    expect(outcomes.every((o) => o.outcome === 'moved')).toBe(true);
    expect(arrived).toHaveLength(count);
    // A lone item queued later is not held back waiting for company.
    const late = await accepted();
    const controller2 = new AbortController();
    const lateLoop = (async () => {
      for await (const a of real.receive({ acceptFrom: (pid) => pid === process.pid, signal: controller2.signal })) {
        sockets.push(a.socket);
        controller2.abort();
      }
    })();
    expect(await sendOne(batcher, { socket: late, moved: { server: 'echo', state: new Uint8Array(0), listener: false, fresh: false } })).toEqual({ outcome: 'moved' });
    await lateLoop;
    expect(calls).toEqual([SEND_BATCH_SIZE, 10, 1]);
  });
});
