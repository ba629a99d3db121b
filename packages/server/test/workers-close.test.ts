import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isServerError } from '../src/errors.js';
import { createWorkerPool, type WorkerPool } from '../src/workers.js';
import { isAlive, until } from './support/server-process.js';

/** Sockets of this process (the client's end, and the controller's accepted end, both live here). */
const tcpSockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

describe('workerPool: closing, and failing to start', () => {
  let dir: string;
  let pool: WorkerPool | undefined;
  let client: Socket | undefined;
  let pids: number[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-poolclose-'));
  });

  afterEach(() => {
    client?.destroy();
    client = undefined;
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    pids = [];
    pool = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('should end a connection that waits for a worker, and resolve, when no worker ever becomes ready', async () => {
    // A worker program that never calls serveWorker(): the pool never has a ready worker.
    const worker = join(dir, 'never-ready.mjs');
    writeFileSync(worker, 'setInterval(() => {}, 1_000);\n');
    pool = await createWorkerPool({ workers: 1, listen: { port: 0, host: '127.0.0.1' }, module: worker, args: [], execArgv: [], runtimeDir: join(dir, 'run') });
    pids = pool.workers.map((w) => w.pid);
    const baseline = tcpSockets();
    const c = connect(pool.address.port, '127.0.0.1');
    client = c;
    const clientClosed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.on('error', () => {});
    // Accepted by the controller (its end is a socket of this process too), waiting for a worker.
    await until('the controller accepted the connection', () => tcpSockets() >= baseline + 2);
    await pool.close();
    await clientClosed;
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  }, 30_000);

  it('should reject with ERR_INVALID_ARGUMENT when Node refuses the worker command at once (a NUL byte in the environment)', async () => {
    const worker = join(dir, 'never-ready.mjs');
    writeFileSync(worker, 'setInterval(() => {}, 1_000);\n');
    await expect(
      createWorkerPool({ workers: 1, listen: { port: 0, host: '127.0.0.1' }, module: worker, args: [], execArgv: [], env: { BAD: 'a\0b' }, runtimeDir: join(dir, 'run') }),
    ).rejects.toSatisfy((error: unknown) => isServerError(error, 'ERR_INVALID_ARGUMENT'));
  });
});
