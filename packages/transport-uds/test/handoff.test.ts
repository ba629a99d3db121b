import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killAll, spawnFixture, tempDir } from './support/harness.js';

/** The numbered byte sequence: big-endian u32 counters 0, 1, 2... */
function sequence(fromCounter: number, counters: number): Buffer {
  const buf = Buffer.alloc(counters * 4);
  for (let i = 0; i < counters; i++) buf.writeUInt32BE((fromCounter + i) >>> 0, i * 4);
  return buf;
}

describe('descriptor hand-off between two processes', () => {
  let dir: string;
  let cleanup: () => void;

  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
  });

  afterEach(async () => {
    await killAll();
    cleanup();
  });

  it('should move a live TCP connection back and forth with no gap and no duplicate', async () => {
    const TURNS = 40; // A plays 20 turns, B 20, then A ends
    const PER_TURN = 24 * 1024;
    // The remote peer: streams the sequence as fast as it is read, and records what comes back.
    const server = createServer();
    let written = 0;
    let received = '';
    let stop = false;
    const ended = new Promise<void>((resolve) => {
      server.on('connection', (socket: Socket) => {
        socket.setEncoding('utf8');
        socket.on('data', (text: string) => {
          received += text;
          if (received.includes('end pid') && !stop) {
            stop = true;
            socket.end();
          }
        });
        socket.on('close', () => {
          stop = true;
          resolve();
        });
        socket.on('error', () => {
          stop = true;
          resolve();
        });
        // Yields to the event loop every few chunks: while the kernel takes every write at once
        // (a fast reader), write() keeps returning true, and a loop that never yields would never
        // let the 'data' handler above see the goodbye and set `stop` (the test would spin for ever).
        const pump = (): void => {
          for (let burst = 0; burst < 16 && !stop; burst++) {
            const chunk = sequence(written, 4096);
            written += 4096;
            if (!socket.write(chunk)) {
              socket.once('drain', pump);
              return;
            }
          }
          if (!stop) setImmediate(pump);
        };
        pump();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const udsPath = join(dir, 'b.sock');

    const b = spawnFixture('tcp-holder.mjs', ['b', udsPath, String(PER_TURN)]);
    await b.line((v) => v.ready === true);
    const a = spawnFixture('tcp-holder.mjs', ['a', udsPath, String(PER_TURN), String(port), String(TURNS)]);

    const [aResult, bResult] = await Promise.all([a.exited, b.exited]);
    expect(aResult.stderr).toBe('');
    expect(bResult.stderr).toBe('');
    expect(aResult.code).toBe(0);
    expect(bResult.code).toBe(0);
    await ended;
    server.close();

    const aDone = await a.line((v) => v.done === true);
    const bDone = await b.line((v) => v.done === true);
    // The kernel-reported pids are the real ones.
    expect(bDone.peerPid).toBe(a.process.pid);
    expect(aDone.peerPid).toBe(b.process.pid);
    expect(bDone.turns).toBe(TURNS / 2);
    expect(aDone.offset as number).toBeGreaterThanOrEqual((TURNS + 1) * PER_TURN);
    // The peer got one line per turn, in order, alternating between the two processes, then A's goodbye.
    const lines = received.trim().split('\n');
    expect(lines).toHaveLength(TURNS + 1);
    lines.slice(0, TURNS).forEach((line, hop) => {
      expect(line).toBe(`hop ${hop} pid ${hop % 2 === 0 ? a.process.pid : b.process.pid}`);
    });
    expect(lines[TURNS]).toBe(`end pid ${a.process.pid}`);
  });
});
