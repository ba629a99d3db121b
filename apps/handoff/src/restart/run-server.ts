import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createRestarter, formatProgressLine, type RestartProgress, type RestartReport } from '@sanshare/server';
import { DESCRIPTOR_MARGIN, DRAIN_TIMEOUT_MS, LOAD_HOST, PROCESS_TIMEOUT_MS } from '../constants.js';
import { createAppServer } from '../load/app-server.js';
import { isProtocol } from '../load/protocol.js';
import { RoleContext } from '../roles/role-context.js';
import type { TraceWriter } from '../trace/trace-writer.js';
import { ensureDescriptors } from '../util/descriptor-limit.js';
import { isAlive } from '../util/is-alive.js';

/** A restart's progress is traced at each phase change and otherwise at most this often, in ms. */
const PROGRESS_TRACE_MS = 1_000;
/** How often a successor checks that the app is still there, in ms. */
const APP_WATCH_MS = 500;
/** Reasons of connections that could not move, traced at most. */
const KEPT_UNMOVABLE = 5;

/**
 * The server of `restart` mode, every generation of it: this same command line, started by the app
 * (generation 1) or by the previous generation's `restarter.upgrade()` (with `SANSHARE_SERVER_ROLE=successor`
 * in its environment, as `@sanshare/server` documents).
 *
 * Each generation builds the server of `--protocol` (`load/app-server.ts`), listens through the
 * restarter (a successor gets the previous generation's listening socket itself), attaches what moves,
 * and says it is ready. Generation 1 then waits for `restart` on stdin, upgrades (the package starts the
 * successor, which joins, listens, says ready; then every live connection moves to it at its safe point),
 * reports what the restart did and exits. The successor reports what it took over, says when its
 * predecessor is gone, and serves until SIGTERM.
 *
 * The successor cannot be steered through stdin: it inherits its predecessor's, but Node closes the
 * app's end of a child's stdin when that child exits, so the successor reads EOF the moment generation 1
 * is gone. It watches the app's pid (`--app-pid`) instead, and ends when the app is gone.
 */
export async function runServer(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: { protocol: { type: 'string' }, 'runtime-dir': { type: 'string' }, connections: { type: 'string' }, 'app-pid': { type: 'string' } },
  });
  const successor = process.env['SANSHARE_SERVER_ROLE'] === 'successor';
  const ctx = new RoleContext(successor ? 'successor' : 'server', null);
  const { trace } = ctx;
  const protocol = values.protocol;
  if (!isProtocol(protocol)) throw new Error(`--protocol must be http, ws or tcp, got ${String(protocol)}`);
  const connections = Number(values.connections ?? '0');
  const limit = ensureDescriptors(connections + DESCRIPTOR_MARGIN, `a server with ${connections} connections`);
  let restarting = false;
  // The app gone, there is no one to serve: generation 1 sees its stdin close (unless it is handing
  // over, which ends by itself); a successor watches the app's pid.
  if (!successor) {
    ctx.control.onClose(() => {
      if (!restarting) process.exit(3);
    });
  }
  // A successor serves until SIGTERM (generation 1 keeps SIGTERM's default: it ends the process).
  const stopped = successor ? new Promise<void>((resolve) => process.once('SIGTERM', () => resolve())) : undefined;
  if (successor) exitWithout(Number(values['app-pid'] ?? '0'));

  const restarter = await createRestarter({
    ...(values['runtime-dir'] === undefined ? {} : { runtimeDir: values['runtime-dir'] }),
    progressLine: false,
    drainTimeoutMs: DRAIN_TIMEOUT_MS,
  });
  const app = createAppServer(protocol);
  await restarter.listen(protocol, app.server, { port: 0, host: LOAD_HOST });
  for (const { name, target } of app.attachables) restarter.attach(target, { name });
  restarter.on('progress', progressTracer(trace));
  await restarter.ready();
  const { port } = app.server.address() as AddressInfo;
  const generation = restarter.generation;

  if (!successor) {
    trace.emit({ kind: 'info', call: 'listen', detail: `generation ${generation} serves ${protocol} on ${LOAD_HOST}:${port} (open-file limit ${limit.soft})`, data: { port, generation } });
    await ctx.control.waitFor('restart');
    restarting = true;
    trace.emit({ kind: 'info', call: 'restart requested', detail: 'restarter.upgrade(): starting the successor', data: { generation } });
    let report: RestartReport;
    try {
      report = await restarter.upgrade();
    } catch (error) {
      trace.failure(undefined, error, 'the restart failed');
      await app.close();
      await restarter.close();
      return ctx.finish(1, { served: app.served() });
    }
    const moving = (report.timings.moving ?? 0) + (report.timings.fallback ?? 0) + (report.timings.exiting ?? 0);
    trace.emit({
      kind: 'info',
      call: 'handed over',
      detail: `moved ${report.moved} connection(s) to pid ${report.successorPid} in ${Math.round(moving)} ms (refused ${report.refused}, fallback ${report.fallback}, unserved ${report.unserved}, closed by their clients ${report.closed})`,
      data: { report: { ...report, unmovable: report.unmovable.slice(0, KEPT_UNMOVABLE) }, moveMs: Math.round(moving) },
    });
    const left = await app.close();
    await restarter.close();
    return ctx.finish(0, { served: app.served(), moved: report.moved, leftOpen: left });
  }

  trace.emit({ kind: 'info', call: 'ready', detail: `generation ${generation} ready: it accepts on its predecessor's listening socket, and takes its connections`, data: { port, generation } });
  const taken = await restarter.takenOver;
  trace.emit({
    kind: 'info',
    call: 'taken over',
    detail: `took ${taken.received} connection(s) from pid ${taken.predecessorPid ?? '?'}${taken.predecessorDied ? ' (it died before it was done)' : ''}; ${app.open()} open here`,
    data: { ...taken, open: app.open() },
  });
  const predecessor = taken.predecessorPid;
  const until = Date.now() + PROCESS_TIMEOUT_MS;
  while (predecessor !== undefined && isAlive(predecessor) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  trace.emit({ kind: 'info', call: 'serving alone', detail: `pid ${predecessor ?? '?'} has exited; serving ${app.open()} connection(s) until SIGTERM`, data: { open: app.open() } });
  await stopped;
  const left = await app.close();
  await restarter.close();
  return ctx.finish(0, { served: app.served(), leftOpen: left });
}

/** Exits (code 3) once process `pid` (the app) is gone: a successor has no stdin of the app's to watch. */
function exitWithout(pid: number): void {
  if (!(pid > 0)) return;
  const timer = setInterval(() => {
    if (!isAlive(pid)) process.exit(3);
  }, APP_WATCH_MS);
  timer.unref();
}

/** Traces a restart's progress: each phase as it begins, and the counts at most every second meanwhile. */
function progressTracer(trace: TraceWriter): (p: RestartProgress) => void {
  let phase: string | undefined;
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (p.phase === phase && now - last < PROGRESS_TRACE_MS) return;
    phase = p.phase;
    last = now;
    trace.emit({ kind: 'info', call: `restart: ${p.phase}`, detail: formatProgressLine(p), data: { phase: p.phase, moved: p.moved, remaining: p.remaining, refused: p.refused, unserved: p.unserved, fallback: p.fallback } });
  };
}
