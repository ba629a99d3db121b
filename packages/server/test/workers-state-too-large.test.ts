import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ServerProcess, until } from './support/server-process.js';

const POOL = fileURLToPath(new URL('./fixtures/tcp-state-pool.ts', import.meta.url));

interface Info {
  id: number;
  pid: number;
  connections: number;
}

describe('moving a connection whose state is just under 64 KiB (it does not fit in the move message with its envelope)', () => {
  let dir: string;
  let pool: ServerProcess | undefined;
  let client: Socket | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-poolstate-'));
  });

  afterEach(() => {
    client?.destroy();
    client = undefined;
    pool?.kill();
    pool = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it("should leave the connection in its server once: one 'connection', one answer per line, and a count that goes back to 0", async () => {
    const p = new ServerProcess(POOL, { RUNTIME_DIR: join(dir, 'run'), DRAIN_TIMEOUT_MS: '1000' });
    pool = p;
    const ready = await p.waitFor('the pool is ready', (e) => e.ev === 'pool-ready');
    const c = connect(ready['port'] as number, '127.0.0.1');
    client = c;
    let received = '';
    c.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
    c.on('error', () => {});
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.write('a\n');
    await until('the first line answered', () => received.includes('a\n'));
    const [owner] = received.split(':');
    const busy = (ready['workers'] as Info[]).find((w) => String(w.pid) === owner) as Info;
    const from = p.events.length;
    p.command(`drain ${busy.id}`);
    const done = await p.waitFor('drain done', (e) => (e.ev === 'done' || e.ev === 'failed') && e['command'] === `drain ${busy.id}`, 30_000, from);
    expect(done.ev).toBe('done');
    // Served once: a second 'connection' for the same socket would answer each line twice.
    expect(p.events.filter((e) => e.ev === 'connection' && e.pid === busy.pid)).toHaveLength(1);
    // It could not move: it stayed in service, and got the fallback at the deadline (the TCP adapter ends it).
    expect(done['result']).toMatchObject({ moved: 0, refused: 0, fallback: 1 });
    await closed;
    process.kill(busy.pid, 'SIGUSR2');
    const counted = await p.waitFor('the worker counted its connections', (e) => e.ev === 'getConnections' && e.pid === busy.pid, 30_000, from);
    expect(counted['n']).toBe(0);
  }, 60_000);
});
