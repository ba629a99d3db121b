import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordReader, encodeRecords } from '../src/stream/records.js';
import type { TraceEvent } from '../src/trace/trace-event.js';
import type { PeerConnectionReport } from '../src/peer/run-peer.js';
import { APP } from './run-app.js';

describe('peer (the remote TCP peer process)', () => {
  let dir: string;
  let peer: ChildProcessByStdio<Writable, Readable, null> | undefined;
  const events: TraceEvent[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'handoff-peer-test-'));
    events.length = 0;
  });
  afterEach(async () => {
    peer?.kill('SIGKILL');
    peer = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const startPeer = async (): Promise<number> => {
    const child = spawn(process.execPath, [APP, 'peer', '--dir', dir], { stdio: ['pipe', 'pipe', 'inherit'] });
    peer = child;
    const lines = createInterface({ input: child.stdout });
    return new Promise((resolve) => {
      lines.on('line', (line) => {
        const event = JSON.parse(line) as TraceEvent;
        events.push(event);
        if (event.call === 'listen') resolve(Number(event.data?.port));
      });
    });
  };
  const quit = async (): Promise<TraceEvent | undefined> => {
    const child = peer;
    if (!child) return undefined;
    const closed = new Promise((resolve) => child.on('close', resolve));
    child.stdin.write('quit\n');
    await closed;
    return events.find((e) => e.kind === 'exit');
  };

  it('should stream records, echo whole records, and report a graceful close (FIN, no RST)', async () => {
    const port = await startPeer();
    const reader = new RecordReader({ expectFirst: { S: 0, a: 0 } });
    const received: Buffer[] = [];
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    await new Promise((resolve) => socket.once('connect', resolve));
    // A record split across two writes must come back whole.
    const request = encodeRecords('a', 0, 5);
    socket.write(request.subarray(0, 7));
    setTimeout(() => socket.write(request.subarray(7)), 20);
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        reader.feed(chunk);
        if ((reader.range('a')?.count ?? 0) === 5 && (reader.range('S')?.count ?? 0) >= 10) resolve();
      });
    });
    socket.end();
    await new Promise((resolve) => socket.on('close', resolve));
    const exit = await quit();
    const connections = exit?.data?.connections as PeerConnectionReport[];
    expect(connections).toHaveLength(1);
    expect(connections[0]).toMatchObject({ fin: true, reset: false, error: null, open: false, recordsEchoed: 5 });
    expect(exit?.data?.leakedDescriptors).toEqual([]);
    // The peer's logs are exactly what crossed the wire.
    expect(await readFile(join(dir, 'peer-0-recv.bin'))).toEqual(request);
    expect(await readFile(join(dir, 'peer-0-sent.bin'))).toEqual(Buffer.concat(received));
  });

  it('should record every connection it accepts, and a reset as a reset', async () => {
    const port = await startPeer();
    for (let i = 0; i < 2; i += 1) {
      const socket = net.connect({ port, host: '127.0.0.1' });
      await new Promise((resolve) => socket.once('data', resolve));
      socket.resetAndDestroy();
      await new Promise((resolve) => socket.on('close', resolve));
    }
    while (events.filter((e) => e.call === 'close').length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    const exit = await quit();
    const connections = exit?.data?.connections as PeerConnectionReport[];
    expect(connections).toHaveLength(2);
    for (const c of connections) expect(c.reset || c.error !== null).toBe(true);
  });
});
