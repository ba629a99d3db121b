import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LineClient } from './support/line-client.js';
import { ServerProcess, until } from './support/server-process.js';

const POOL = fileURLToPath(new URL('./fixtures/echo-pool.ts', import.meta.url));

interface Info {
  id: number;
  pid: number;
  state: string;
  connections: number;
}

describe('createWorkerPool', () => {
  let dir: string;
  const servers: ServerProcess[] = [];
  const clients: LineClient[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-pool-'));
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) s.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startPool(workers: number): Promise<{ pool: ServerProcess; port: number; infos: Info[] }> {
    const pool = new ServerProcess(POOL, { RUNTIME_DIR: join(dir, 'run'), WORKERS: String(workers) });
    servers.push(pool);
    const ready = await pool.waitFor('the pool is ready', (e) => e.ev === 'pool-ready');
    return { pool, port: ready['port'] as number, infos: ready['workers'] as Info[] };
  }

  async function command(pool: ServerProcess, line: string): Promise<Record<string, unknown>> {
    const from = pool.events.length;
    pool.command(line);
    const done = await pool.waitFor(`'${line}' done`, (e) => (e.ev === 'done' || e.ev === 'failed') && e['command'] === line, 60_000, from);
    if (done.ev === 'failed') throw new Error(`${line}: ${String(done['message'])}`);
    return done;
  }

  it('should hand each connection to a worker, which serves it as a connection of its own', async () => {
    const { port, infos } = await startPool(2);
    for (let i = 0; i < 20; i++) clients.push(new LineClient(port));
    await until('every client answered', () => clients.every((c) => c.answered >= 3));
    const pids = new Set(infos.map((w) => String(w.pid)));
    for (const c of clients) {
      expect(c.tags).toHaveLength(1);
      expect(pids.has(c.tags[0] as string)).toBe(true);
    }
    // Least connections first: both workers serve.
    expect(new Set(clients.map((c) => c.tags[0])).size).toBe(2);
  });

  it('should replace a worker that dies, and hand new connections to the living', async () => {
    const { pool, port, infos } = await startPool(2);
    const [first] = infos as [Info, Info];
    const from = pool.events.length;
    process.kill(first.pid, 'SIGKILL');
    const warned = await pool.waitFor('the pool says the worker exited', (e) => e.ev === 'warning' && String(e['message']).startsWith(`worker ${first.id} (pid ${first.pid}) exited`), 30_000, from);
    expect(String(warned['message'])).toBe(`worker ${first.id} (pid ${first.pid}) exited (SIGKILL)`);
    let listed: Info[] = [];
    while (!(listed.length === 2 && listed.every((w) => w.state === 'ready') && !listed.some((w) => w.pid === first.pid))) {
      listed = (await command(pool, 'workers'))['result'] as Info[];
    }
    for (let i = 0; i < 10; i++) clients.push(new LineClient(port));
    await until('every new client answered', () => clients.every((c) => c.answered >= 2));
    const pids = new Set(listed.map((w) => String(w.pid)));
    for (const c of clients) expect(pids.has(c.tags[0] as string)).toBe(true);
  });

  it('should drain a worker while its clients stream, and rebalance back, the clients noticing nothing', async () => {
    const { pool, port, infos } = await startPool(2);
    for (let i = 0; i < 24; i++) clients.push(new LineClient(port));
    await until('every client answered', () => clients.every((c) => c.answered >= 3));
    const [first, second] = infos as [Info, Info];

    const drained = await command(pool, `drain ${first.id}`);
    expect(drained['result']).toMatchObject({ refused: 0, fallback: 0, remaining: 0 });
    const movedOut = clients.filter((c) => c.tags[0] === String(first.pid)).length;
    expect((drained['result'] as { moved: number }).moved).toBe(movedOut);
    await until('every client answered by the second worker', () => clients.every((c) => c.tags.at(-1) === String(second.pid) && c.answered >= 6));

    await command(pool, `undrain ${first.id}`);
    // Rebalance plans on the counts the workers report (within 250 ms of a change): wait for them.
    for (let reported = false; !reported; ) {
      const listed = (await command(pool, 'workers'))['result'] as Info[];
      reported = listed.some((w) => w.pid === first.pid && w.connections === 0) && listed.some((w) => w.pid === second.pid && w.connections === 24);
    }
    const rebalanced = await command(pool, 'rebalance');
    expect((rebalanced['result'] as { moved: number }).moved).toBe(12);
    const marks = clients.map((c) => c.answered);
    await until('every client answered again', () => clients.every((c, i) => c.answered >= (marks[i] as number) + 3));

    await Promise.all(clients.map((c) => c.stop()));
    for (const c of clients) {
      expect(c.errors).toEqual([]);
      expect(c.closed).toBe(false);
    }
    const back = clients.filter((c) => c.tags.at(-1) === String(first.pid)).length;
    expect(back).toBe(12);
  });
});
