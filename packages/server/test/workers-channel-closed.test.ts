import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ServerProcess, isAlive } from './support/server-process.js';

const POOL = fileURLToPath(new URL('./fixtures/echo-pool.ts', import.meta.url));

interface Info {
  id: number;
  pid: number;
  state: string;
  connections: number;
}

describe('workerPool.drain(): a worker that closes its control channel during the move', () => {
  let dir: string;
  let pool: ServerProcess | undefined;
  let client: Socket | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-poolchan-'));
  });

  afterEach(() => {
    client?.destroy();
    client = undefined;
    pool?.kill();
    pool = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function command(p: ServerProcess, line: string): Promise<Record<string, unknown>> {
    const from = p.events.length;
    p.command(line);
    return p.waitFor(`'${line}' done`, (e) => (e.ev === 'done' || e.ev === 'failed') && e['command'] === line, 30_000, from);
  }

  it('should settle once the channel closes, not when the worker exits (it stays up with its connections)', async () => {
    // A long drain deadline: the move cannot end by itself while the test looks.
    const p = new ServerProcess(POOL, { RUNTIME_DIR: join(dir, 'run'), WORKERS: '2', DRAIN_TIMEOUT_MS: '600000' });
    pool = p;
    const ready = await p.waitFor('the pool is ready', (e) => e.ev === 'pool-ready');
    // A client that sends and never reads: its worker's replies back up, so it cannot freeze (no safe point).
    const c = connect(ready['port'] as number, '127.0.0.1');
    client = c;
    c.on('error', () => {});
    c.pause();
    const lines = Buffer.from('1\n'.repeat(1 << 20));
    for (let i = 0; i < 7; i++) c.write(lines);
    // Once the last write is in the kernel, the worker has read megabytes more than the kernel holds
    // of its replies (each 2-byte line gets a longer reply): its writes wait.
    await new Promise<void>((resolve, reject) => c.write(lines, (error) => (error ? reject(error) : resolve())));
    let busy: Info | undefined;
    while (busy === undefined) busy = ((await command(p, 'workers'))['result'] as Info[]).find((w) => w.connections > 0);
    const from = p.events.length;
    p.command(`drain ${busy.id}`);
    await p.waitFor('the move freezes the connection', (e) => e.ev === 'freezing' && e.pid === busy.pid, 30_000, from);
    process.kill(busy.pid, 'SIGUSR2');
    await p.waitFor('the worker closed its channel', (e) => e.ev === 'worker-closed' && e.pid === busy.pid, 30_000, from);
    const done = await p.waitFor('drain settled', (e) => (e.ev === 'done' || e.ev === 'failed') && e['command'] === `drain ${busy.id}`, 20_000, from);
    expect(done.ev).toBe('failed');
    expect(String(done['message'])).toMatch(new RegExp(`^worker ${busy.id} \\(pid ${busy.pid}\\) closed its control channel`));
    // The worker lives on with its connection: the drain did not wait for its exit.
    expect(isAlive(busy.pid)).toBe(true);
  }, 90_000);
});
