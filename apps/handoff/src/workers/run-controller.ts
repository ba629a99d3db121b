import { parseArgs } from 'node:util';
import { createWorkerPool, type WorkerInfo } from '@sanshare/server';
import { DRAIN_TIMEOUT_MS, LOAD_HOST } from '../constants.js';
import { isProtocol } from '../load/protocol.js';
import { MAIN_SCRIPT } from '../orchestrate/spawn-role.js';
import { RoleContext } from '../roles/role-context.js';

/**
 * The controller of `workers` mode: a `@sanshare/server` worker pool. It listens, starts `--workers`
 * worker processes (this app's `worker` role) and hands each connection it accepts to one of them.
 * The app steers it with words on stdin: `drain <id>` moves every connection of worker `<id>` to the
 * others while their clients stream (`pool.drain`), `close` stops the pool and its workers.
 */
export async function runController(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: { workers: { type: 'string' }, protocol: { type: 'string' }, 'runtime-dir': { type: 'string' }, connections: { type: 'string' } },
  });
  const ctx = new RoleContext('controller', null);
  const { trace } = ctx;
  // The app is gone: so is the pool (its workers see their control channel close and exit too).
  ctx.control.onClose(() => process.exit(3));
  const protocol = values.protocol;
  if (!isProtocol(protocol)) throw new Error(`--protocol must be http, ws or tcp, got ${String(protocol)}`);
  const pool = await createWorkerPool({
    workers: Number(values.workers ?? '2'),
    listen: { port: 0, host: LOAD_HOST },
    // Each worker is this app run with the `worker` role, as `cluster` runs the same program.
    module: MAIN_SCRIPT,
    args: ['worker', '--protocol', protocol, '--connections', values.connections ?? '0'],
    execArgv: [],
    respawn: false,
    drainTimeoutMs: DRAIN_TIMEOUT_MS,
    ...(values['runtime-dir'] === undefined ? {} : { runtimeDir: values['runtime-dir'] }),
  });
  pool.on('warning', (error) => trace.failure(undefined, error, 'the worker pool warns'));
  pool.on('worker', (worker: WorkerInfo, event) => trace.info(`worker ${worker.id} (pid ${worker.pid}) ${event}`, { worker: { ...worker }, event }));
  await pool.ready();
  const workers = pool.workers.map((w) => ({ ...w }));
  trace.emit({ kind: 'info', call: 'listen', detail: `the pool accepts ${protocol} on ${LOAD_HOST}:${pool.address.port} for ${workers.length} workers (pids ${workers.map((w) => w.pid).join(', ')})`, data: { port: pool.address.port, workers } });

  ctx.control.on('drain', ([id = '0']) => {
    const before = pool.workers.map((w) => ({ ...w }));
    const started = Date.now();
    trace.info(`draining worker ${id} while its clients stream (the pool counts ${before.find((w) => w.id === Number(id))?.connections ?? '?'} connections on it, as the worker last reported)`);
    pool.drain(Number(id)).then(
      (report) =>
        trace.emit({
          kind: 'info',
          call: 'drained',
          detail: `worker ${id}: moved ${report.moved} connection(s) to the others in ${Date.now() - started} ms (refused ${report.refused}, fallback ${report.fallback}, remaining ${report.remaining})`,
          data: { id: Number(id), report: { ...report }, drainMs: Date.now() - started, before, after: pool.workers.map((w) => ({ ...w })) },
        }),
      (error: unknown) => trace.failure(undefined, error, `draining worker ${id} failed`),
    );
  });
  await ctx.control.waitFor('close');
  await pool.close();
  return ctx.finish(0);
}
