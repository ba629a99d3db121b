/**
 * The `cluster` side of the benchmark: a primary with one worker running the bench application, and
 * on SIGHUP a rolling restart the way pm2 reloads a cluster app: fork the new worker, wait for it to
 * listen, disconnect the old one (its servers close: idle keep-alive connections end, upgraded
 * WebSockets stay open and keep it alive), and kill it at pm2's default kill_timeout if it has not
 * exited by then. Workers listen on one port chosen by the primary (the same listen() arguments in
 * every worker, so that they share the primary's round-robin handle). JSON lines on stdout:
 * `ready` (a worker), `restarted` (the primary), `app-errors` (a worker, on SIGUSR2).
 */
import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { benchNow } from './bench-clock.js';
import { createBenchApp } from './bench-app.js';

/** pm2's default `kill_timeout`: how long a reload waits for the old worker before SIGKILL. */
const PM2_KILL_TIMEOUT_MS = 1_600;
const env = process.env;
const say = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ pid: process.pid, ...event })}\n`);

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

if (cluster.isPrimary) {
  const port = await freePort();
  const killTimeoutMs = Number(env['KILL_TIMEOUT_MS'] ?? PM2_KILL_TIMEOUT_MS);
  let generation = 1;
  let current: Worker = cluster.fork({ PORT: String(port), GENERATION: '1' });
  let restarting = false;
  say({ ev: 'primary', port });
  process.on('SIGHUP', () => {
    if (restarting) return;
    restarting = true;
    void (async () => {
      const requestAt = benchNow();
      const old = current;
      const next = cluster.fork({ PORT: String(port), GENERATION: String(++generation) });
      await once(next, 'listening');
      const listeningAt = benchNow();
      current = next;
      const exited = once(old, 'exit');
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        old.process.kill('SIGKILL');
      }, killTimeoutMs);
      old.disconnect();
      await exited;
      clearTimeout(timer);
      say({ ev: 'restarted', requestAt, listeningAt, oldExitAt: benchNow(), killed, killTimeoutMs, oldPid: old.process.pid, newPid: next.process.pid });
      restarting = false;
    })();
  });
  process.on('SIGUSR2', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGUSR2');
  });
} else {
  const app = createBenchApp();
  app.server.listen(Number(env['PORT']), '127.0.0.1', () => {
    say({ ev: 'ready', generation: Number(env['GENERATION']), port: Number(env['PORT']), startedAt: performance.timeOrigin, readyAt: benchNow() });
  });
  process.on('SIGUSR2', () => say({ ev: 'app-errors', orderErrorCount: app.orderErrorCount, orderErrors: app.orderErrors }));
}
