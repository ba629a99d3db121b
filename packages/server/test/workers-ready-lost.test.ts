import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isServerError } from '../src/errors.js';
import { createWorkerPool, type WorkerPool } from '../src/workers.js';

describe('workerPool.ready() with respawn: false', () => {
  let dir: string;
  let pool: WorkerPool | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-poolready-'));
  });

  afterEach(async () => {
    await pool?.close();
    pool = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('should reject with ERR_WORKER_FAILED once a worker exited before it was ready (none replaces it), instead of never settling', async () => {
    // A worker program that fails at once (a broken build, say).
    const worker = join(dir, 'fails.mjs');
    writeFileSync(worker, 'process.exit(3);\n');
    pool = await createWorkerPool({ workers: 1, respawn: false, listen: { port: 0, host: '127.0.0.1' }, module: worker, args: [], execArgv: [], runtimeDir: join(dir, 'run') });
    pool.on('warning', () => {});
    const settled = await pool.ready().then(
      () => 'resolved',
      (error: unknown) => error,
    );
    expect(isServerError(settled, 'ERR_WORKER_FAILED')).toBe(true);
    expect((settled as Error).message).toMatch(/^worker 1 \(pid \d+\) exited \(code 3\) and respawn is off/);
  }, 30_000);
});
