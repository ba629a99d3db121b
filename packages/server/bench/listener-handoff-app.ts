/**
 * The listener hand-off of the benchmark with Node's own handle passing: a parent serving the bench
 * application forks a child on SIGHUP and hands it the listening server with
 * `child.send('server', server)`; the child serves what the handle accepts; the parent then closes
 * its listener. Only the listener moves this way (Node passes no connection's read-ahead, and a
 * connection is a handle of its own). JSON lines on stdout: `ready` (the parent), `handed-over`
 * (the parent: when it forked, sent, saw the child listening, and closed its own listener).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import type { Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { benchNow } from './bench-clock.js';
import { createBenchApp } from './bench-app.js';

const say = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ pid: process.pid, ...event })}\n`);

if (process.argv[2] === 'child') {
  process.on('message', (message: unknown, handle: unknown) => {
    if (message !== 'server') return;
    // The handle arrives as a listening net.Server that accepts at once: hand each connection to
    // the application's http.Server in the same tick, before anything is accepted.
    const app = createBenchApp();
    (handle as Server).on('connection', (socket) => app.server.emit('connection', socket));
    process.send?.({ ev: 'listening', at: benchNow() });
  });
  process.send?.({ ev: 'up' });
} else {
  const app = createBenchApp();
  app.server.listen(0, '127.0.0.1');
  await once(app.server, 'listening');
  const { port } = app.server.address() as { port: number };
  say({ ev: 'ready', generation: 1, port, startedAt: performance.timeOrigin, readyAt: benchNow() });
  process.once('SIGHUP', () => {
    void (async () => {
      const requestAt = benchNow();
      const child = fork(fileURLToPath(import.meta.url), ['child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const next = (ev: string): Promise<{ ev: string; at?: number }> =>
        new Promise((resolve) => {
          const onMessage = (m: { ev: string; at?: number }): void => {
            if (m.ev !== ev) return;
            child.off('message', onMessage);
            resolve(m);
          };
          child.on('message', onMessage);
        });
      await next('up');
      const forkedAt = benchNow();
      const listening = next('listening');
      child.send('server', app.server);
      const sentAt = benchNow();
      const listeningAt = (await listening).at as number;
      // Stops accepting here at once; the kernel socket lives on in the child.
      app.server.close();
      const closedAt = benchNow();
      say({ ev: 'handed-over', childPid: child.pid, requestAt, forkedAt, sentAt, listeningAt, closedAt });
    })();
  });
}
