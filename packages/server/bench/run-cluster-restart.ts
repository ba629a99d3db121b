/**
 * The `cluster` scenario: the same application and clients under a Node cluster (cluster-app.ts),
 * given a pm2-style rolling restart; timed from the restart request until the new worker has
 * answered every client, counting what the clients lost on the way.
 */
import { fileURLToPath } from 'node:url';
import { BenchProcess, type BenchEvent } from './bench-process.js';
import type { ClientSummary, ProbeReport } from './bench-protocol.js';
import { benchNow } from './bench-clock.js';
import { count, log, ticker } from './bench-log.js';
import { startLoad, steady, type LoadSettings } from './run-load.js';

const APP = fileURLToPath(new URL('./cluster-app.ts', import.meta.url));

/** What the cluster scenario measured. */
export interface ClusterResult {
  readonly connections: number;
  readonly requestToListeningMs: number;
  readonly requestToLastServedMs: number;
  readonly requestToOldExitMs: number;
  /** The old worker was still alive at the kill timeout (its WebSockets kept it) and was SIGKILLed. */
  readonly killed: boolean;
  readonly killTimeoutMs: number;
  readonly connects: ProbeReport;
  readonly clients: ClientSummary;
  /** Clients the new worker answered (every one of them over a new connection). */
  readonly clientsServed: number;
}

const num = (e: BenchEvent, key: string): number => Number(e[key]);

/** Runs the scenario; every process it started is killed when it returns or throws. */
export async function runClusterRestart(settings: LoadSettings, serverOpenFiles: number): Promise<ClusterResult> {
  const label = `cluster ${count(settings.connections)}`;
  const server = new BenchProcess(`${label} primary`, APP, { openFiles: serverOpenFiles });
  let load: Awaited<ReturnType<typeof startLoad>> | undefined;
  try {
    const first = await server.waitFor('worker 1 listening', (e) => e.ev === 'ready' && e['generation'] === 1, settings.timeoutMs);
    load = await startLoad(label, num(first, 'port'), settings, { reconnect: true });
    await load.allServedBy(first.pid as number, 'worker 1');
    await steady(settings);

    const from = server.events.length;
    const requestAt = benchNow();
    log(`${label}: rolling restart requested (SIGHUP to the primary, pid ${server.child.pid})`);
    process.kill(server.child.pid as number, 'SIGHUP');
    const stopTicker = ticker(() => `${label}: ${server.events.slice(from).some((e) => e.ev === 'ready') ? 'the new worker listens; the old one is disconnected' : 'forking the new worker'}`);
    let restarted: BenchEvent;
    let next: BenchEvent;
    try {
      next = await server.waitFor('worker 2 listening', (e) => e.ev === 'ready' && e['generation'] === 2, settings.timeoutMs, from);
      restarted = await server.waitFor('the old worker to exit', (e) => e.ev === 'restarted', settings.timeoutMs, from);
    } finally {
      stopTicker();
    }
    const newPid = next.pid as number;
    log(`${label}: worker ${String(restarted['oldPid'])} ${restarted['killed'] === true ? 'was killed at the kill timeout' : 'exited'}; waiting for every client to be answered by worker ${newPid}`);
    const served = await load.allServedBy(newPid, 'the new worker');
    const lastServedAt = served.servedBy[newPid]?.firstAtMax ?? Number.NaN;
    const connects = await load.probes(requestAt, Math.max(lastServedAt, num(restarted, 'oldExitAt')));
    const clients = await load.stop();
    return {
      connections: settings.connections,
      requestToListeningMs: num(restarted, 'listeningAt') - requestAt,
      requestToLastServedMs: lastServedAt - requestAt,
      requestToOldExitMs: num(restarted, 'oldExitAt') - requestAt,
      killed: restarted['killed'] === true,
      killTimeoutMs: num(restarted, 'killTimeoutMs'),
      connects,
      clients,
      clientsServed: served.servedBy[newPid]?.clients ?? 0,
    };
  } finally {
    load?.kill();
    server.kill();
  }
}
