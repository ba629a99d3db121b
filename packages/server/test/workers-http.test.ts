import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpLoadClient } from './adapters/helpers/http-load.js';
import { ServerProcess, until } from './support/server-process.js';

const POOL = fileURLToPath(new URL('./fixtures/http-pool.ts', import.meta.url));

describe('createWorkerPool with http.Server workers', () => {
  let dir: string;
  const servers: ServerProcess[] = [];
  const clients: HttpLoadClient[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-hpool-'));
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop()));
    for (const s of servers.splice(0)) s.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should drain a worker while its keep-alive clients send requests (pipelining 1 and 4), the clients noticing nothing', async () => {
    const pool = new ServerProcess(POOL, { RUNTIME_DIR: join(dir, 'run') });
    servers.push(pool);
    const ready = await pool.waitFor('the pool is ready', (e) => e.ev === 'pool-ready');
    const [first, second] = ready['workers'] as [{ id: number; pid: number }, { id: number; pid: number }];
    for (let i = 0; i < 24; i++) clients.push(new HttpLoadClient(`http://127.0.0.1:${ready['port'] as number}`, i % 2 === 0 ? 1 : 4, i));
    for (const c of clients) c.run();
    await until('every client was answered', () => clients.every((c) => c.served(first.pid) + c.served(second.pid) >= 3));
    const onFirst = clients.filter((c) => c.served(first.pid) > 0);
    expect(onFirst.length).toBeGreaterThan(0);

    pool.command(`drain ${first.id}`);
    const drained = await pool.waitFor('the drain ends', (e) => e.ev === 'done' || e.ev === 'failed', 60_000);
    expect(drained.ev).toBe('done');
    expect(drained['result']).toMatchObject({ moved: onFirst.length, refused: 0, fallback: 0, remaining: 0 });
    const marks = onFirst.map((c) => c.served(second.pid));
    await until('the drained clients are answered by the other worker', () => onFirst.every((c, i) => c.served(second.pid) >= (marks[i] as number) + 3));
    await Promise.all(clients.map((c) => c.stop()));
    for (const c of clients) {
      expect(c.failures).toEqual([]);
      expect(c.connects).toBe(1);
      expect(c.closeHeaders).toBe(0);
    }
  });
});
