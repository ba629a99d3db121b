import { copyFileSync, linkSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LineClient } from './support/line-client.js';
import { ServerProcess, isAlive, until } from './support/server-process.js';

const POOL = fileURLToPath(new URL('./fixtures/echo-pool.ts', import.meta.url));

interface Info {
  id: number;
  pid: number;
  state: string;
}

/** A node binary at `path` (a hard link when it can be: no 100 MB copy). */
function placeNode(path: string): void {
  try {
    linkSync(process.execPath, path);
  } catch {
    copyFileSync(process.execPath, path);
  }
}

describe('createWorkerPool: a worker Node cannot start (asynchronous spawn failure)', () => {
  let dir: string;
  let pool: ServerProcess | undefined;
  let client: LineClient | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-poolspawn-'));
  });

  afterEach(() => {
    client?.close();
    client = undefined;
    pool?.kill();
    pool = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('should warn and keep serving when the node binary is gone at a respawn (ENOENT), and start the worker once it is back', async () => {
    // The controller runs a node binary of its own, which the test removes, as a package manager's
    // upgrade removes the old version's binary under a running process (process.execPath names it).
    const node = join(dir, 'node');
    placeNode(node);
    const p = new ServerProcess(POOL, { RUNTIME_DIR: join(dir, 'run'), WORKERS: '2' }, node);
    pool = p;
    const ready = await p.waitFor('the pool is ready', (e) => e.ev === 'pool-ready');
    const [first, second] = ready['workers'] as [Info, Info];
    unlinkSync(node);
    const from = p.events.length;
    process.kill(first.pid, 'SIGKILL');
    const warned = await p.waitFor('the pool says the new worker could not be started', (e) => e.ev === 'warning' && String(e['message']).includes('could not be started'), 30_000, from);
    expect(String(warned['message'])).toMatch(/^worker \d+ could not be started: .*ENOENT/);
    expect(isAlive(p.child.pid as number)).toBe(true);
    // The living worker still serves.
    client = new LineClient(ready['port'] as number);
    await until('the client answered', () => (client as LineClient).answered >= 2);
    expect(client.tags).toEqual([String(second.pid)]);
    // The binary is back: the pool starts the missing worker.
    placeNode(node);
    let listed: Info[] = [];
    while (!(listed.length === 2 && listed.every((w) => w.state === 'ready'))) {
      const at = p.events.length;
      p.command('workers');
      const done = await p.waitFor("'workers' done", (e) => e.ev === 'done' && e['command'] === 'workers', 30_000, at);
      listed = done['result'] as Info[];
    }
    expect(listed.map((w) => w.pid)).not.toContain(first.pid);
  }, 60_000);
});
