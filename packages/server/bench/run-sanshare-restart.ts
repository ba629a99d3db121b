/**
 * The sanshare scenario: a restartable server (restart-app.ts) with its clients active, restarted
 * once; timed from the restart request until the successor has answered every client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchProcess, type BenchEvent } from './bench-process.js';
import type { ClientSummary, ProbeReport } from './bench-protocol.js';
import { benchNow } from './bench-clock.js';
import { count, log, ticker } from './bench-log.js';
import { startLoad, steady, type LoadSettings } from './run-load.js';
import type { RestartReport, TakeoverReport } from './server-under-test.js';

const APP = fileURLToPath(new URL('./restart-app.ts', import.meta.url));

/** What the sanshare scenario measured. */
export interface SanshareResult {
  readonly connections: number;
  /** Connections the old process handed over (the clients', and connector connections it held at the time). */
  readonly moved: number;
  /** Connections that arrived in the successor. */
  readonly received: number;
  /** From the successor's Ready (the old process starts moving) to the last connection in the successor's hands. */
  readonly moveMs: number;
  readonly movedPerSecond: number;
  /** Connections moved per second over each quarter of the arrivals (the first from the successor's Ready). */
  readonly movedPerSecondByQuarter: readonly number[];
  /**
   * CPU time (user + system) of the old process over its move and of the successor from its Ready to
   * its last arrival, per connection moved: far less sensitive than the rates to what else the
   * machine runs. Serving the clients meanwhile is included (see servingCpuMsPerSecond).
   */
  readonly cpuMsPerMove: number;
  /**
   * The same with the serving taken out: (CPU over the move - servingCpuMsPerSecond x the move's
   * seconds) / moved. The load is served by one process or the other throughout, at about the rate
   * measured before the restart. The measure to compare runs made under different machine load.
   */
  readonly netCpuMsPerMove: number;
  /** The gross CPU per connection moved of each process on its own (serving included), in ms: the old process over its move, the successor from its Ready to its last arrival. */
  readonly cpuMsPerMoveBySide: { readonly old: number; readonly successor: number };
  /** CPU time the client processes (all of them) spent per second over the steady window before the restart (ms/s): what the machine's cores give the load's other side. */
  readonly clientsCpuMsPerSecond: number;
  /** CPU time the old process spent serving the load before the restart, per second (ms/s): the share of the above that is serving. */
  readonly servingCpuMsPerSecond: number;
  /** From the successor's Ready to the last client's first answer from the successor. */
  readonly readyToLastServedMs: number;
  readonly servedPerSecond: number;
  readonly requestToListeningMs: number;
  readonly requestToReadyMs: number;
  readonly requestToLastServedMs: number;
  readonly requestToOldExitMs: number;
  /** The old process's own account (moved, refused, unserved, fallback, timings per phase). */
  readonly report: RestartReport;
  readonly takeover: TakeoverReport;
  /** Connects the steady connector started from the restart request to the end (last served, old exit). */
  readonly connects: ProbeReport;
  /** Those started during the move itself: from the successor's Ready to the last connection's arrival. */
  readonly connectsDuringMove: ProbeReport;
  readonly clients: ClientSummary;
  /** Clients the successor answered (over their first connection, or a new one: see clients.reconnects). */
  readonly clientsServed: number;
  /** Every client was answered by the successor over the connection it had before the restart. */
  readonly complete: boolean;
  /** Event-loop delay (p99, max, in ms) of the old process over its restart and of the successor from its Ready to taking over. */
  readonly loopDelay: { readonly old: { p99Ms: number; maxMs: number }; readonly successor: { p99Ms: number; maxMs: number } };
  /** The restarter's warnings in the old process and the successor: how many, and the first few. */
  readonly warningCount: number;
  readonly warnings: readonly string[];
  /** Messages out of order or twice, as the servers saw them (old and new process). */
  readonly serverOrderErrors: number;
}

const num = (e: BenchEvent, key: string): number => Number(e[key]);

/** Runs the scenario; every process it started is killed when it returns or throws. */
export async function runSanshareRestart(settings: LoadSettings, serverOpenFiles: number, drainTimeoutMs: number | undefined): Promise<SanshareResult> {
  const label = `sanshare ${count(settings.connections)}`;
  const dir = mkdtempSync(join(tmpdir(), 'sanshare-server-bench-'));
  // BENCH_CPU_PROF=<dir>: V8 CPU profiles of both generations (a successor is started with the same flags).
  const profiles = process.env['BENCH_CPU_PROF'];
  // BENCH_CPU_PROF_INTERVAL_US: a coarser sampling interval (V8's default is 1,000 us) disturbs the timing less.
  const interval = process.env['BENCH_CPU_PROF_INTERVAL_US'];
  // BENCH_SERVER_NODE_ARGS: Node options of the server processes (both generations), space-separated.
  const extraArgs = (process.env['BENCH_SERVER_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const nodeArgs =
    profiles === undefined || profiles === ''
      ? extraArgs
      : [...extraArgs, '--cpu-prof', `--cpu-prof-dir=${profiles}`, ...(interval === undefined || interval === '' ? [] : [`--cpu-prof-interval=${interval}`])];
  const server = new BenchProcess(`${label} server`, APP, { env: { RUNTIME_DIR: join(dir, 'run'), DRAIN_TIMEOUT_MS: drainTimeoutMs === undefined ? '' : String(drainTimeoutMs) }, openFiles: serverOpenFiles, nodeArgs });
  let load: Awaited<ReturnType<typeof startLoad>> | undefined;
  let successorPid: number | undefined;
  try {
    const first = await server.waitFor('generation 1 ready', (e) => e.ev === 'ready' && e['generation'] === 1, settings.timeoutMs);
    const oldPid = first.pid as number;
    load = await startLoad(label, num(first, 'port'), settings, { reconnect: false });
    await load.allServedBy(oldPid, 'generation 1');
    process.kill(oldPid, 'SIGUSR1');
    const steadyFrom = { at: benchNow(), cpuMs: (await load.status()).cpuMs };
    await steady(settings);
    const steadyTo = { at: benchNow(), cpuMs: (await load.status()).cpuMs };

    const from = server.events.length;
    const requestAt = benchNow();
    log(`${label}: restart requested (SIGHUP to pid ${oldPid})`);
    process.kill(oldPid, 'SIGHUP');
    const stopTicker = ticker(() => {
      const p = server.events.slice(from).filter((e) => e.ev === 'progress').at(-1);
      return p === undefined ? `${label}: starting the successor` : `${label}: ${String(p['phase'])}: moved ${count(num(p, 'moved'))}, remaining ${count(num(p, 'remaining'))}`;
    });
    let next: BenchEvent;
    let upgraded: BenchEvent;
    let takenOver: BenchEvent;
    let exited: BenchEvent;
    try {
      next = await server.waitFor('generation 2 ready', (e) => e.ev === 'ready' && e['generation'] === 2, settings.timeoutMs, from);
      upgraded = await server.waitFor('the old process to hand over', (e) => e.pid === oldPid && (e.ev === 'upgraded' || e.ev === 'upgrade-failed'), settings.timeoutMs, from);
      if (upgraded.ev === 'upgrade-failed') throw new Error(`${label}: the restart failed: ${String(upgraded['message'])}`);
      takenOver = await server.waitFor('the successor to take over', (e) => e.ev === 'taken-over' && e.pid === next.pid, settings.timeoutMs, from);
      exited = await server.waitFor('the old process to exit', (e) => e.ev === 'exited' && e.pid === oldPid, settings.timeoutMs, from);
    } finally {
      stopTicker();
    }
    const newPid = next.pid as number;
    successorPid = newPid;
    const report = upgraded['report'] as RestartReport;
    const lost = report.fallback + report.unserved;
    log(`${label}: pid ${oldPid} handed ${count(report.moved)} connections to pid ${newPid} and exited${lost > 0 ? ` (${count(report.fallback)} given the fallback, ${count(report.unserved)} unserved)` : ''}; waiting for every client to be answered by pid ${newPid}`);
    const served = await load.allServedBy(newPid, 'the successor');
    const lastServedAt = served.servedBy[newPid]?.firstAtMax ?? Number.NaN;
    const endAt = Math.max(lastServedAt, num(upgraded, 'doneAt'));
    const connects = await load.probes(requestAt, endAt);
    const readyAt = num(next, 'readyAt');
    const lastArrivalAt = num(takenOver, 'lastArrivalAt');
    const connectsDuringMove = await load.probes(readyAt, lastArrivalAt);
    const errorsFrom = server.events.length;
    process.kill(newPid, 'SIGUSR2');
    const appErrors = await server.waitFor('the successor to report its errors', (e) => e.ev === 'app-errors' && e.pid === newPid, settings.timeoutMs, errorsFrom);
    const clients = await load.stop();
    const clientsServed = served.servedBy[newPid]?.clients ?? 0;
    const moveMs = lastArrivalAt - readyAt;
    const readyToLastServedMs = lastServedAt - readyAt;
    return {
      connections: settings.connections,
      moved: report.moved,
      received: num(takenOver, 'received'),
      moveMs,
      movedPerSecond: report.moved / (moveMs / 1000),
      cpuMsPerMove: (num(upgraded, 'moveCpuMs') + num(takenOver, 'moveCpuMs')) / report.moved,
      netCpuMsPerMove: (num(upgraded, 'moveCpuMs') + num(takenOver, 'moveCpuMs') - (num(upgraded, 'servingCpuMsPerSecond') * moveMs) / 1000) / report.moved,
      cpuMsPerMoveBySide: { old: num(upgraded, 'moveCpuMs') / report.moved, successor: num(takenOver, 'moveCpuMs') / report.moved },
      servingCpuMsPerSecond: num(upgraded, 'servingCpuMsPerSecond'),
      clientsCpuMsPerSecond: ((steadyTo.cpuMs - steadyFrom.cpuMs) * 1000) / (steadyTo.at - steadyFrom.at),
      movedPerSecondByQuarter: quarterRates(readyAt, takenOver['arrivals'] as number[], num(takenOver, 'arrivalStep'), num(takenOver, 'received'), lastArrivalAt),
      readyToLastServedMs,
      servedPerSecond: clientsServed / (readyToLastServedMs / 1000),
      requestToListeningMs: num(next, 'listenAt') - requestAt,
      requestToReadyMs: readyAt - requestAt,
      requestToLastServedMs: lastServedAt - requestAt,
      requestToOldExitMs: num(upgraded, 'doneAt') - requestAt,
      report,
      takeover: takenOver['report'] as TakeoverReport,
      connects,
      connectsDuringMove,
      clients,
      clientsServed,
      complete: clientsServed === clients.connections && clients.reconnects === 0 && clients.gone === 0 && lost === 0,
      loopDelay: { old: upgraded['loopDelay'] as { p99Ms: number; maxMs: number }, successor: takenOver['loopDelay'] as { p99Ms: number; maxMs: number } },
      warningCount: num(upgraded, 'warningCount') + num(takenOver, 'warningCount'),
      warnings: [...(upgraded['warnings'] as string[]), ...(takenOver['warnings'] as string[])].slice(0, 5),
      serverOrderErrors: num(exited, 'orderErrorCount') + num(appErrors, 'orderErrorCount'),
    };
  } finally {
    load?.kill();
    if (nodeArgs.length > 0 && successorPid !== undefined) {
      // Let the successor write its profile; killed below whatever happens.
      try {
        process.kill(successorPid, 'SIGTERM');
        await server.silence(10_000);
      } catch {
        // Already gone.
      }
    }
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Moves per second over each quarter of the `received` arrivals, from `arrivals` (the time of every
 * `step`-th one) and the last; the first quarter counts from `readyAt`.
 */
function quarterRates(readyAt: number, arrivals: readonly number[], step: number, received: number, lastArrivalAt: number): number[] {
  const at = (n: number): number => (n >= received ? lastArrivalAt : n < step ? readyAt : (arrivals[Math.floor(n / step) - 1] ?? lastArrivalAt));
  const rates: number[] = [];
  for (let q = 0; q < 4; q++) {
    const from = Math.round((received * q) / 4);
    const to = Math.round((received * (q + 1)) / 4);
    // Counted at the step marks nearest below; the first quarter starts at the Ready.
    const fromMark = q === 0 ? 0 : Math.floor(from / step) * step;
    const toMark = q === 3 ? received : Math.floor(to / step) * step;
    const ms = at(toMark) - (q === 0 ? readyAt : at(fromMark));
    rates.push(ms > 0 ? ((toMark - fromMark) * 1000) / ms : Number.NaN);
  }
  return rates;
}
