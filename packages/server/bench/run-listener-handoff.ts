/**
 * The listener hand-off with Node's `child_process` `send(server)` (listener-handoff-app.ts), with the
 * steady connector running: how long the listener takes to move, and whether any connect is refused
 * or left unanswered meanwhile. Only the listener moves; no client connection is involved.
 */
import { fileURLToPath } from 'node:url';
import { BenchProcess } from './bench-process.js';
import type { ProbeReport } from './bench-protocol.js';
import { benchNow } from './bench-clock.js';
import { log } from './bench-log.js';
import { settledProbes } from './run-load.js';

const APP = fileURLToPath(new URL('./listener-handoff-app.ts', import.meta.url));
const PROBER = fileURLToPath(new URL('./connect-prober.ts', import.meta.url));

/** What the hand-off measured. */
export interface ListenerHandoffResult {
  /** From the request to the child being up (fork, Node's start, tsx). */
  readonly forkMs: number;
  /** From `send('server', server)` to the child serving the listener. */
  readonly sendToListeningMs: number;
  /** From the request to the child serving the listener (fork included). */
  readonly requestToListeningMs: number;
  /** Connects the steady connector started from the request until `steadyMs` after the parent closed its listener. */
  readonly connects: ProbeReport;
  readonly childPid: number;
}

/** Runs the hand-off; every process it started is killed when it returns or throws. */
export async function runListenerHandoff(settings: { probeIntervalMs: number; probeTimeoutMs: number; steadyMs: number; timeoutMs: number }): Promise<ListenerHandoffResult> {
  const parent = new BenchProcess('send(server) parent', APP, { openFiles: 4_096 });
  const prober = new BenchProcess('send(server) connector', PROBER, { openFiles: 4_096 });
  try {
    const ready = await parent.waitFor('the parent listening', (e) => e.ev === 'ready', settings.timeoutMs);
    await prober.waitFor('its start', (e) => e.ev === 'up', settings.timeoutMs);
    await prober.request({ cmd: 'start', port: Number(ready['port']), intervalMs: settings.probeIntervalMs, timeoutMs: settings.probeTimeoutMs }, settings.timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, settings.steadyMs));
    const requestAt = benchNow();
    log(`send(server): hand-off requested (SIGHUP to pid ${ready.pid})`);
    process.kill(ready.pid as number, 'SIGHUP');
    const handed = await parent.waitFor('the listener handed over', (e) => e.ev === 'handed-over', settings.timeoutMs);
    // Connects after the parent closed its listener reach the child alone: let the connector try it.
    await new Promise((resolve) => setTimeout(resolve, settings.steadyMs));
    const closedAt = Number(handed['closedAt']);
    const connects = await settledProbes(prober, requestAt, closedAt + settings.steadyMs, settings);
    log(`send(server): the child (pid ${String(handed['childPid'])}) serves the listener`);
    return {
      forkMs: Number(handed['forkedAt']) - requestAt,
      sendToListeningMs: Number(handed['listeningAt']) - Number(handed['sentAt']),
      requestToListeningMs: Number(handed['listeningAt']) - requestAt,
      connects,
      childPid: Number(handed['childPid']),
    };
  } finally {
    prober.kill();
    parent.kill();
  }
}
