/**
 * The server's benchmark (`pnpm bench`): prints tables and writes bench/results/server.json.
 *
 * For each size in BENCH_CONNECTIONS (default 1,000 and 10,000 live connections, half HTTP/1.1
 * keep-alive clients, half WebSocket clients, in separate client processes, each sending one request
 * or numbered message every BENCH_INTERVAL_MS), side by side in one run:
 * - sanshare: an end-to-end restart of an http.Server with a ws server on it (`createRestarter`), timed
 *   until the successor has answered every client: connections moved per second, the time from the
 *   restart request to the last client served, the connects of a steady connector (refused,
 *   unserved, worst latency), and what the clients lost (must be nothing);
 * - a Node `cluster` rolling restart, pm2 style, of the same application with the same clients:
 *   the same times, its closed WebSockets, failed requests and reconnects.
 * Then once: a listener hand-off with `child_process` `send(server)` under the steady connector.
 * Numbers, never assertions; the target (10,000 connections moved per second at 10,000) is printed
 * with whether it is met. BENCH_* variables scale it down (the README's "Benchmark" section).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { count, log } from './bench-log.js';
import { hardOpenFileLimit, killAll } from './bench-process.js';
import type { ProbeReport } from './bench-protocol.js';
import { runClusterRestart, type ClusterResult } from './run-cluster-restart.js';
import { runListenerHandoff, type ListenerHandoffResult } from './run-listener-handoff.js';
import { runNodeFloor, type FloorResult } from './run-node-floor.js';
import type { LoadSettings } from './run-load.js';
import { runSanshareRestart, type SanshareResult } from './run-sanshare-restart.js';

const RESULTS = fileURLToPath(new URL('./results/server.json', import.meta.url));
/** The issue's target: 10,000 connections moved per second with 10,000 live connections. */
const TARGET = { connections: 10_000, movedPerSecond: 10_000 } as const;
/** Descriptors a server process needs besides two per connection (a connection may be held twice while it moves). */
const SERVER_SPARE_FILES = 2_048;

const env = process.env;
const intOf = (key: string, fallback: number): number => {
  const text = env[key];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${key}=${text} is not a positive integer`);
  return value;
};
const sizes = (env['BENCH_CONNECTIONS'] ?? '1000,10000').split(',').map((s) => {
  const n = Number(s.trim());
  if (!Number.isInteger(n) || n < 2) throw new Error(`BENCH_CONNECTIONS=${env['BENCH_CONNECTIONS']}: each size must be an integer >= 2`);
  return n;
});
const only = new Set((env['BENCH_ONLY'] ?? 'sanshare,cluster,floor,handoff').split(',').map((s) => s.trim()));
const probeIntervalMs = intOf('BENCH_PROBE_INTERVAL_MS', 10);
const probeTimeoutMs = intOf('BENCH_PROBE_TIMEOUT_MS', 10_000);
const steadyMs = intOf('BENCH_STEADY_MS', 2_000);
const timeoutMs = intOf('BENCH_TIMEOUT_MS', 300_000);
/** The restarter's drainTimeoutMs; unset: the package's default (30 s), what users get. */
const drainTimeoutMs = env['BENCH_DRAIN_TIMEOUT_MS'] === undefined || env['BENCH_DRAIN_TIMEOUT_MS'] === '' ? undefined : intOf('BENCH_DRAIN_TIMEOUT_MS', 1);

/** The load at `connections`: a client's pause grows past 2,000 connections so that the total stays near 5,000 requests and messages per second. */
function loadAt(connections: number): LoadSettings {
  return {
    connections,
    clientProcesses: intOf('BENCH_CLIENT_PROCESSES', Math.max(2, Math.ceil(connections / 2_500))),
    intervalMs: intOf('BENCH_INTERVAL_MS', Math.max(1_000, Math.round(connections / 5))),
    probeIntervalMs,
    probeTimeoutMs,
    steadyMs,
    timeoutMs,
  };
}

interface SizeRun {
  readonly connections: number;
  readonly load: LoadSettings;
  sanshare?: SanshareResult | { error: string };
  cluster?: ClusterResult | { error: string };
  floor?: FloorResult | { error: string };
  /** The floor weighed against this run's load: set when both the restart and the floor ran. */
  budget?: CoreBudget;
}

/**
 * What the target leaves for the IPC layers on this machine, from one run's own measurements: the cores
 * that serving and the clients do not take, spent on the floor's steps (Node and the adapters, cold),
 * and what remains per connection at the target's rate. Assumes perfect use of every core, so it is
 * generous: two single-threaded servers never reach it.
 */
interface CoreBudget {
  readonly cores: number;
  /** Cores left per second once serving and the clients have theirs (before the restart). */
  readonly coresLeft: number;
  /** Connections per second those cores could move if the IPC layers cost nothing. */
  readonly ceilingWithLoadPerSecond: number;
  /** CPU per connection left for the IPC layers (provider, switch, transport, claims, mover, their GC) at the target's rate. */
  readonly ipcBudgetUsAtTarget: number;
  /** What the restart spent on them: its CPU per connection net of serving, minus the floor's cold steps. */
  readonly ipcSpentUs: number;
}

function coreBudget(run: SizeRun): CoreBudget | undefined {
  const s = run.sanshare;
  const f = run.floor;
  if (s === undefined || failed(s) || f === undefined || failed(f)) return undefined;
  const cores = availableParallelism();
  const coresLeft = cores - (s.servingCpuMsPerSecond + s.clientsCpuMsPerSecond) / 1000;
  const floorUs = f.cold.oldCpuUsPerConnection + f.cold.successorCpuUsPerConnection;
  return {
    cores,
    coresLeft,
    ceilingWithLoadPerSecond: Math.max(0, (coresLeft * 1e6) / floorUs),
    ipcBudgetUsAtTarget: (coresLeft * 1e6) / TARGET.movedPerSecond - floorUs,
    ipcSpentUs: s.netCpuMsPerMove * 1000 - floorUs,
  };
}

const failed = (r: object | undefined): r is { error: string } => r !== undefined && 'error' in r;

async function main(): Promise<number> {
  const hard = hardOpenFileLimit();
  const loadavgAtStart = loadavg();
  const runs: SizeRun[] = [];
  let handoff: ListenerHandoffResult | { error: string } | undefined;
  let failures = 0;
  const attempt = async <T>(what: string, run: () => Promise<T>): Promise<T | { error: string }> => {
    try {
      return await run();
    } catch (error) {
      failures++;
      const message = (error as Error).message;
      log(`${what} FAILED: ${message}`);
      return { error: message.split('\n')[0] ?? message };
    }
  };
  for (const connections of sizes) {
    const load = loadAt(connections);
    const serverOpenFiles = Math.min(hard, 2 * connections + SERVER_SPARE_FILES);
    if (connections + SERVER_SPARE_FILES > hard) {
      throw new Error(`BENCH_CONNECTIONS=${connections} needs an RLIMIT_NOFILE of at least ${connections + SERVER_SPARE_FILES} in the server processes, and the hard limit is ${hard}; lower BENCH_CONNECTIONS or raise the hard limit`);
    }
    const run: SizeRun = { connections, load };
    runs.push(run);
    log(`${count(connections)} live connections: ${load.clientProcesses} client processes, one request or message per client every ${count(load.intervalMs)} ms (${count((connections * 1000) / load.intervalMs)}/s in all), a connect every ${probeIntervalMs} ms`);
    if (only.has('sanshare')) run.sanshare = await attempt(`sanshare at ${count(connections)}`, () => runSanshareRestart(load, serverOpenFiles, drainTimeoutMs));
    if (only.has('cluster')) run.cluster = await attempt(`cluster at ${count(connections)}`, () => runClusterRestart(load, serverOpenFiles));
    if (only.has('floor')) run.floor = await attempt(`floor at ${count(connections)}`, () => runNodeFloor(load, serverOpenFiles));
    const budget = coreBudget(run);
    if (budget !== undefined) run.budget = budget;
  }
  if (only.has('handoff')) handoff = await attempt('send(server)', () => runListenerHandoff({ probeIntervalMs, probeTimeoutMs, steadyMs, timeoutMs }));

  for (const run of runs) {
    printSize(run);
    printFloor(run);
  }
  if (handoff !== undefined) printHandoff(handoff, runs);
  mkdirSync(join(RESULTS, '..'), { recursive: true });
  writeFileSync(
    RESULTS,
    `${JSON.stringify(
      {
        package: '@sanshare/server',
        date: new Date().toISOString(),
        node: process.version,
        cpus: availableParallelism(),
        loadavgAtStart,
        loadavgAtEnd: loadavg(),
        commit: gitCommit(),
        settings: { sizes, probeIntervalMs, probeTimeoutMs, steadyMs, timeoutMs, drainTimeoutMs: drainTimeoutMs ?? 'default (30,000)', openFileHardLimit: hard },
        target: { ...TARGET, measuredPerSecond: targetRun(runs)?.movedPerSecond, met: targetMet(runs) },
        runs,
        handoff,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwritten to ${RESULTS}`);
  return failures;
}

function gitCommit(): string | undefined {
  const run = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

function targetRun(runs: readonly SizeRun[]): SanshareResult | undefined {
  const run = runs.find((r) => r.connections === TARGET.connections)?.sanshare;
  return run === undefined || failed(run) ? undefined : run;
}

function targetMet(runs: readonly SizeRun[]): boolean | undefined {
  const run = targetRun(runs);
  return run === undefined ? undefined : run.movedPerSecond >= TARGET.movedPerSecond && run.complete;
}

const ms = (v: number): string => `${count(v)} ms`;
const perSecond = (v: number): string => `${count(v)}/s`;
const connectsOf = (c: ProbeReport): string => `${count(c.attempted)}`;

function table(title: string, header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  console.log(`\n${title}`);
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

function printSize(run: SizeRun): void {
  const s = run.sanshare;
  const c = run.cluster;
  const ok = <T extends object>(r: T | { error: string } | undefined): T | undefined => (r === undefined || failed(r) ? undefined : (r as T));
  const S = ok<SanshareResult>(s);
  const C = ok<ClusterResult>(c);
  const cell = <T>(r: T | undefined, f: (r: T) => string, none = 'n/a'): string => (r === undefined ? none : f(r));
  const rows: string[][] = [
    ['connections moved per second', cell(S, (r) => perSecond(r.movedPerSecond)), 'none move', "successor's Ready -> last connection in its hands"],
    ['  by quarter of the move', cell(S, (r) => r.movedPerSecondByQuarter.map((v) => count(v)).join(' / ')), 'n/a', 'moved per second over each quarter of the connections, in order'],
    ['CPU per connection moved, net of serving', cell(S, (r) => `${r.netCpuMsPerMove.toFixed(2)} ms`), 'n/a', cell(S, (r) => `both server processes over the move (gross ${r.cpuMsPerMove.toFixed(2)} ms) minus serving at its rate before it (${count(r.servingCpuMsPerSecond)} CPU-ms/s); steadier than the rates on a loaded machine`, '')],
    ['  gross, old process / successor', cell(S, (r) => `${r.cpuMsPerMoveBySide.old.toFixed(2)} / ${r.cpuMsPerMoveBySide.successor.toFixed(2)} ms`), 'n/a', 'each process on its own, serving included'],
    ['CPU of serving / of the clients, before the restart', cell(S, (r) => `${count(r.servingCpuMsPerSecond)} / ${count(r.clientsCpuMsPerSecond)} ms/s`), 'n/a', 'the old process serving the load, and every client process, per second of the steady window: what the load takes of the 2 cores before anything moves'],
    ['event-loop delay, old / successor (p99, max)', cell(S, (r) => `${count(r.loopDelay.old.p99Ms)}, ${count(r.loopDelay.old.maxMs)} / ${count(r.loopDelay.successor.p99Ms)}, ${count(r.loopDelay.successor.maxMs)} ms`), 'n/a', "old process over its restart, successor from its Ready to taking over"],
    ['connections served per second', cell(S, (r) => perSecond(r.servedPerSecond)), 'n/a', `successor's Ready -> last client answered by it (includes up to one client pause, ${count(run.load.intervalMs)} ms)`],
    ['clients answered by the new process', cell(S, (r) => `${count(r.clientsServed)} of ${count(r.connections)}`), cell(C, (r) => `${count(r.clientsServed)} of ${count(r.connections)}`), 'sanshare: over the connection each had before, unless reconnects says otherwise'],
    ['restart request -> new process listening', cell(S, (r) => ms(r.requestToListeningMs)), cell(C, (r) => ms(r.requestToListeningMs)), 'sanshare: the successor listens on the inherited socket'],
    ['restart request -> new process ready', cell(S, (r) => ms(r.requestToReadyMs)), cell(C, (r) => ms(r.requestToListeningMs)), ''],
    ['restart request -> last client served', cell(S, (r) => ms(r.requestToLastServedMs)), cell(C, (r) => ms(r.requestToLastServedMs)), 'each client answered once by the new process'],
    ['restart request -> old process gone', cell(S, (r) => ms(r.requestToOldExitMs)), cell(C, (r) => ms(r.requestToOldExitMs)), cell(C, (r) => (r.killed ? `cluster: old worker SIGKILLed at ${count(r.killTimeoutMs)} ms (pm2 kill_timeout)` : 'cluster: old worker exited by itself'), '')],
    ['connections moved / arrived', cell(S, (r) => `${count(r.moved)} / ${count(r.received)}`), '0', 'sanshare: includes connector connections the old process held'],
    ['refused moves / fallback / unserved connections', cell(S, (r) => `${count(r.report.refused)} / ${count(r.report.fallback)} / ${count(r.report.unserved)}`), 'n/a', "the old process's report: moves the successor refused (tried again) / Connection: close or close 1012 at the drain deadline / dropped"],
    ['connects during the restart', cell(S, (r) => connectsOf(r.connects)), cell(C, (r) => connectsOf(r.connects)), `a new connection every ${probeIntervalMs} ms, from the request to the last client served`],
    ['refused connects', cell(S, (r) => count(r.connects.refused)), cell(C, (r) => count(r.connects.refused)), 'ECONNREFUSED (must be 0)'],
    ['unserved connects', cell(S, (r) => count(r.connects.unserved + r.connects.pending)), cell(C, (r) => count(r.connects.unserved + r.connects.pending)), `connected but reset, closed or unanswered within ${count(probeTimeoutMs)} ms (must be 0)`],
    ['worst connect latency', cell(S, (r) => ms(r.connects.worstLatencyMs)), cell(C, (r) => ms(r.connects.worstLatencyMs)), `connect -> whole answer; p99 ${[S === undefined ? '' : `sanshare ${ms(S.connects.p99LatencyMs)}`, C === undefined ? '' : `cluster ${ms(C.connects.p99LatencyMs)}`].filter((t) => t !== '').join(', ')}`],
    ['connects during the move', cell(S, (r) => connectsOf(r.connectsDuringMove)), 'n/a', "sanshare: from the successor's Ready to the last connection's arrival"],
    ['refused / unserved connects during the move', cell(S, (r) => `${count(r.connectsDuringMove.refused)} / ${count(r.connectsDuringMove.unserved + r.connectsDuringMove.pending)}`), 'n/a', ''],
    ['worst connect latency during the move', cell(S, (r) => ms(r.connectsDuringMove.worstLatencyMs)), 'n/a', cell(S, (r) => `p99 ${ms(r.connectsDuringMove.p99LatencyMs)}`, '')],
    ['failed HTTP requests', cell(S, (r) => count(r.clients.failedRequests)), cell(C, (r) => count(r.clients.failedRequests)), `of ${count(Math.floor(run.connections / 2))} keep-alive clients`],
    ['closed WebSockets', cell(S, (r) => count(r.clients.wsCloses)), cell(C, (r) => count(r.clients.wsCloses)), `of ${count(Math.ceil(run.connections / 2))} WebSocket clients`],
    ['reconnects', cell(S, (r) => count(r.clients.reconnects)), cell(C, (r) => count(r.clients.reconnects)), cell(C, (r) => `new TCP connections of clients that had one; cluster: ${count(r.clients.clientsReconnected)} clients`, '')],
    ['ratio: request -> last client served, sanshare / cluster', S !== undefined && C !== undefined ? `${(S.requestToLastServedMs / C.requestToLastServedMs).toFixed(2)}x` : 'n/a', '', 'same run, same clients'],
    ['messages out of order or lost', cell(S, (r) => count(r.clients.orderErrors + r.serverOrderErrors)), cell(C, (r) => count(r.clients.orderErrors)), 'per WebSocket connection, both directions'],
  ];
  const load = run.load;
  table(
    `${count(run.connections)} live connections (${count(Math.floor(run.connections / 2))} HTTP keep-alive + ${count(Math.ceil(run.connections / 2))} WebSocket, ${load.clientProcesses} client processes, a request or message per client every ${count(load.intervalMs)} ms)`,
    ['metric', 'sanshare restart', 'cluster rolling restart', 'note'],
    rows,
  );
  if (failed(s)) console.log(`sanshare: FAILED: ${s.error}`);
  if (failed(c)) console.log(`cluster: FAILED: ${c.error}`);
  if (S !== undefined) {
    console.log(`sanshare old process phases: ${Object.entries(S.report.timings).map(([phase, t]) => `${phase} ${count(t ?? 0)} ms`).join(', ')}`);
    if (S.clients.failures.length > 0) console.log(`sanshare client failures: ${S.clients.failures.join('; ')}`);
    const atTarget = run.connections === TARGET.connections;
    const met = S.movedPerSecond >= TARGET.movedPerSecond && S.complete;
    if (!S.complete) {
      console.log(
        `sanshare INCOMPLETE: ${count(S.report.fallback)} connections given the fallback, ${count(S.report.unserved)} unserved, ${count(S.clients.gone)} WebSocket clients lost, ${count(S.clients.reconnects)} reconnects, ${count(S.connections - S.clientsServed)} clients never answered by the successor (drain deadline ${drainTimeoutMs === undefined ? 'default' : `${count(drainTimeoutMs)} ms`})`,
      );
    }
    if (S.warningCount > 0) console.log(`sanshare warnings (${count(S.warningCount)}): ${S.warnings.join('; ')}`);
    if (S.report.unmovable.length > 0) console.log(`sanshare could not move: ${S.report.unmovable.slice(0, 5).join('; ')}`);
    console.log(
      atTarget
        ? `target: >= ${count(TARGET.movedPerSecond)} connections moved per second at ${count(TARGET.connections)} live connections: ${met ? 'MET' : 'NOT MET'} (${perSecond(S.movedPerSecond)}, ${((100 * S.movedPerSecond) / TARGET.movedPerSecond).toFixed(0)} % of it)`
        : `target: >= ${count(TARGET.movedPerSecond)} connections moved per second, set at ${count(TARGET.connections)} live connections (this size: ${perSecond(S.movedPerSecond)})`,
    );
  }
}

/** The floor next to the restart: what Node and the adapters cost each side, and what the IPC layers add. */
function printFloor(run: SizeRun): void {
  const f = run.floor;
  if (f === undefined) return;
  if (failed(f)) {
    console.log(`floor: FAILED: ${f.error}`);
    return;
  }
  const s = run.sanshare !== undefined && !failed(run.sanshare) ? run.sanshare : undefined;
  const us = (v: number): string => `${v.toFixed(0)} us`;
  table(
    `the floor at ${count(run.connections)}: every connection out of one server and into another inside one process: the adapters and Node, no IPC (same clients, idle)`,
    ['metric', 'cold (as in a restart)', 'warm (the pass back)', 'note'],
    [
      ['taking a connection out, CPU each', us(f.cold.oldCpuUsPerConnection), us(f.warm.oldCpuUsPerConnection), "freeze at the safe point, detach from its server, read-ahead out, dup, Node's socket destroyed"],
      ['adopting a connection, CPU each', us(f.cold.successorCpuUsPerConnection), us(f.warm.successorCpuUsPerConnection), "net.Socket over the descriptor, Node's HTTP connection or ws's WebSocket"],
      ['both sides, CPU each', us(f.cold.oldCpuUsPerConnection + f.cold.successorCpuUsPerConnection), us(f.warm.oldCpuUsPerConnection + f.warm.successorCpuUsPerConnection), s === undefined ? '' : `the restart: ${us(s.netCpuMsPerMove * 1000)} net of serving over both processes; the rest is the IPC layers' (provider, switch, transport, claims, mover)`],
      ['ceiling with no IPC cost', perSecond(f.ceilingPerSecond), perSecond(1e6 / Math.max(f.warm.oldCpuUsPerConnection, f.warm.successorCpuUsPerConnection)), 'one connection per the slower side\'s CPU time, each side on a core of its own, no serving'],
    ],
  );
  const b = run.budget;
  if (b === undefined) return;
  table(
    `what the target leaves for the IPC layers, from this run's own figures (${b.cores} cores)`,
    ['metric', 'value', 'note'],
    [
      ['cores left by serving and the clients', b.coresLeft.toFixed(2), 'the cores, minus the CPU per second of serving and of the client processes before the restart'],
      ['ceiling with no IPC cost, on those cores', perSecond(b.ceilingWithLoadPerSecond), "the cores left, spent only on the floor's cold steps, every core used to the full (generous: each server has one thread)"],
      [`IPC budget per connection at ${perSecond(TARGET.movedPerSecond)}`, `${b.ipcBudgetUsAtTarget.toFixed(0)} us`, "the cores left per connection at the target's rate, minus the floor's cold steps: for provider, switch, transport, claims, mover and their GC together"],
      ['IPC spent per connection by the restart', `${b.ipcSpentUs.toFixed(0)} us`, "the restart's CPU per connection net of serving, minus the floor's cold steps"],
    ],
  );
}

function printHandoff(h: ListenerHandoffResult | { error: string }, runs: readonly SizeRun[]): void {
  if (failed(h)) {
    console.log(`\nsend(server) listener hand-off: FAILED: ${h.error}`);
    return;
  }
  const sanshare = runs.map((r) => r.sanshare).find((s): s is SanshareResult => s !== undefined && !failed(s));
  table(
    'listener hand-off (no client connections; the steady connector runs)',
    ['metric', 'send(server)', sanshare === undefined ? 'sanshare' : `sanshare (${count(sanshare.connections)} run)`, 'note'],
    [
      ['request -> new process serving the listener', ms(h.requestToListeningMs), sanshare === undefined ? 'n/a' : ms(sanshare.requestToListeningMs), 'send(server): fork included; sanshare: the successor spawned with the listener inherited'],
      ['fork -> child up', ms(h.forkMs), 'n/a', 'Node and tsx start in the child'],
      ['send(server) -> child serving', ms(h.sendToListeningMs), 'n/a', 'the listener itself moving'],
      ['connects during the hand-off', count(h.connects.attempted), sanshare === undefined ? 'n/a' : count(sanshare.connects.attempted), `until ${count(steadyMs)} ms after the parent closed its listener`],
      ['refused connects', count(h.connects.refused), sanshare === undefined ? 'n/a' : count(sanshare.connects.refused), ''],
      ['unserved connects', count(h.connects.unserved + h.connects.pending), sanshare === undefined ? 'n/a' : count(sanshare.connects.unserved + sanshare.connects.pending), ''],
      ['worst connect latency', ms(h.connects.worstLatencyMs), sanshare === undefined ? 'n/a' : ms(sanshare.connects.worstLatencyMs), `p99 ${ms(h.connects.p99LatencyMs)}`],
    ],
  );
}

const onSignal = (): void => {
  killAll();
  process.exit(130);
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
try {
  const failures = await main();
  if (failures > 0) process.exitCode = 1;
} finally {
  killAll();
}
