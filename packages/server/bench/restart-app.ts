/**
 * The sanshare side of the benchmark: a restartable server process (every generation runs this
 * file). It listens with `createRestarter`, attaches the bench application's http.Server and ws
 * server, and restarts on SIGHUP. Everything it has to say is a JSON line on stdout (shared by every
 * generation): `ready`, `progress` (at most every PROGRESS_EVERY_MS), `upgraded` or `upgrade-failed`
 * (the old process), `taken-over` (the successor, with the times its connections arrived), `exited`,
 * and `app-errors` on SIGUSR2.
 */
import type { EventEmitter } from 'node:events';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import { benchNow, cpuMs } from './bench-clock.js';
import { createBenchApp, type WsNumbering } from './bench-app.js';
import { createRestarter, createWsAdapter, type RestartProgress } from './server-under-test.js';

const PROGRESS_EVERY_MS = 2_000;
const env = process.env;
const say = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ pid: process.pid, ...event })}\n`);
const numberOr = (text: string | undefined, fallback: number): number => (text === undefined || text === '' ? fallback : Number(text));

const restarter = await createRestarter({
  runtimeDir: env['RUNTIME_DIR'] as string,
  drainTimeoutMs: numberOr(env['DRAIN_TIMEOUT_MS'], 30_000),
  progressLine: false,
});
const app = createBenchApp();
// The restarter's warnings (a socket it could not take, a failed send...): counted, the first few
// kept. The restarter emits 'warning' though its type names only 'progress'.
const warnings: string[] = [];
let warningCount = 0;
(restarter as unknown as EventEmitter).on('warning', (error: unknown) => {
  warningCount++;
  if (warnings.length < 5) warnings.push((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '');
});

await restarter.listen('http', app.server, { port: 0, host: '127.0.0.1' });
const listenAt = benchNow();
restarter.attach(app.server, { name: 'http' });
restarter.attach(
  createWsAdapter<WebSocket>(app.wss, {
    serializeState: (ws) => Buffer.from(JSON.stringify(app.numbering.get(ws) ?? { inNext: 0, outNext: 0 })),
    restoreState: (ws, bytes) => void app.numbering.set(ws, JSON.parse(Buffer.from(bytes).toString()) as WsNumbering),
    movedOut: (ws) => void app.numbering.delete(ws),
  }),
  { name: 'ws' },
);

// The successor's arrivals (phase 'receiving', `moved` = received so far), and the old process's line.
let firstArrivalAt: number | undefined;
let lastArrivalAt: number | undefined;
let received = 0;
/** When every ARRIVAL_STEP-th connection arrived: the move's pace over its course. */
const ARRIVAL_STEP = 100;
const arrivals: number[] = [];
let lastLine = 0;
/**
 * Event-loop delay over a window (the old process's restart, the successor's taking over), in ms:
 * whether either process was kept from turning while connections moved.
 */
const loopDelay = (histogram: IntervalHistogram): { p99Ms: number; maxMs: number } => {
  histogram.disable();
  return { p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
};
const successorLoop = monitorEventLoopDelay({ resolution: 10 });
// The successor's CPU from its Ready to its last arrival; the old process's over its move.
let cpuAtReady = 0;
let cpuAtLastArrival = 0;
let lastCpuSampleAt = -Infinity;
/** How often the successor samples its CPU while connections arrive, in ms. */
const CPU_SAMPLE_MS = 20;
let cpuAtMoveStart: number | undefined;
restarter.on('progress', (p: RestartProgress) => {
  if (p.phase === 'receiving' && p.moved > received) {
    for (let n = received + 1; n <= p.moved; n++) if (n % ARRIVAL_STEP === 0) arrivals.push(benchNow());
    received = p.moved;
    lastArrivalAt = benchNow();
    // process.cpuUsage() costs ~0.1 ms: sampled once per CPU_SAMPLE_MS, not at each of 10,000
    // arrivals (that alone was 1.3 s of the successor's CPU in a profile). What follows the last
    // sample is at most CPU_SAMPLE_MS of CPU, uncounted.
    if (lastArrivalAt - lastCpuSampleAt >= CPU_SAMPLE_MS) {
      lastCpuSampleAt = lastArrivalAt;
      cpuAtLastArrival = cpuMs();
    }
    firstArrivalAt ??= lastArrivalAt;
  }
  if (p.phase === 'moving') cpuAtMoveStart ??= cpuMs();
  const old = p.phase === 'moving' || p.phase === 'fallback' || p.phase === 'exiting' || p.phase === 'starting';
  if (old && performance.now() - lastLine >= PROGRESS_EVERY_MS) {
    lastLine = performance.now();
    say({ ev: 'progress', phase: p.phase, moved: p.moved, remaining: p.remaining, refused: p.refused, unserved: p.unserved, fallback: p.fallback });
  }
});

const readyAt = benchNow();
cpuAtReady = cpuMs();
if (restarter.generation > 1) successorLoop.enable();
await restarter.ready();
const address = app.server.address();
say({
  ev: 'ready',
  generation: restarter.generation,
  port: typeof address === 'object' && address !== null ? address.port : 0,
  startedAt: performance.timeOrigin,
  listenAt,
  readyAt,
});
void restarter.takenOver.then((report) => say({ ev: 'taken-over', report, received, firstArrivalAt, lastArrivalAt, arrivals, arrivalStep: ARRIVAL_STEP, takenOverAt: benchNow(), moveCpuMs: cpuAtLastArrival - cpuAtReady, loopDelay: loopDelay(successorLoop), warningCount, warnings }));

// SIGUSR1 marks the start of a steady window: the CPU this process spends serving until SIGHUP.
let steadyMark: { at: number; cpu: number } | undefined;
process.on('SIGUSR1', () => void (steadyMark = { at: benchNow(), cpu: cpuMs() }));
process.on('SIGHUP', () => {
  const requestAt = benchNow();
  const cpu = cpuMs();
  const servingCpuMsPerSecond = steadyMark === undefined ? undefined : ((cpu - steadyMark.cpu) * 1000) / (requestAt - steadyMark.at);
  const oldLoop = monitorEventLoopDelay({ resolution: 10 });
  oldLoop.enable();
  restarter.upgrade().then(
    (report) => say({ ev: 'upgraded', report, requestAt, doneAt: benchNow(), moveCpuMs: cpuMs() - (cpuAtMoveStart ?? cpu), servingCpuMsPerSecond, loopDelay: loopDelay(oldLoop), warningCount, warnings }),
    (error: unknown) => say({ ev: 'upgrade-failed', message: String((error as Error).message) }),
  );
});
// SIGTERM ends a generation cleanly (its CPU profile, with BENCH_CPU_PROF, is written at exit).
process.once('SIGTERM', () => void restarter.close().finally(() => process.exit(0)));
process.on('SIGUSR2', () => say({ ev: 'app-errors', orderErrorCount: app.orderErrorCount, orderErrors: app.orderErrors }));
void restarter.exited.then(async () => {
  await restarter.close();
  say({ ev: 'exited', orderErrorCount: app.orderErrorCount, orderErrors: app.orderErrors });
  process.exit(0);
});
