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
}

describe('workerPool.drain() of a worker whose server has no adapter (a plain net.Server: its connections cannot move)', () => {
  let dir: string;
  let pool: ServerProcess | undefined;
  const clients: Socket[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-poolnoad-'));
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
    pool?.kill();
    pool = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('should report the connections that stay in the worker as remaining, not 0', async () => {
    const p = new ServerProcess(POOL, { RUNTIME_DIR: join(dir, 'run'), NO_ADAPTER: '1' });
    pool = p;
    const ready = await p.waitFor('the pool is ready', (e) => e.ev === 'pool-ready');
    const c = connect(ready['port'] as number, '127.0.0.1');
    clients.push(c);
    let received = '';
    c.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
    c.on('error', () => {});
    c.write('a\n');
    await until('the line answered', () => received.includes('a\n'));
    const [owner] = received.split(':');
    const busy = (ready['workers'] as Info[]).find((w) => String(w.pid) === owner) as Info;
    const from = p.events.length;
    p.command(`drain ${busy.id}`);
    const done = await p.waitFor('drain done', (e) => (e.ev === 'done' || e.ev === 'failed') && e['command'] === `drain ${busy.id}`, 30_000, from);
    expect(done.ev).toBe('done');
    expect(done['result']).toMatchObject({ moved: 0, remaining: 1 });
    // Still served there.
    c.write('b\n');
    await until('the second line answered', () => received.includes('b\n'));
    expect(received).toBe(`${busy.pid}:a\n${busy.pid}:b\n`);
  }, 60_000);
});
