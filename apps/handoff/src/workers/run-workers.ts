import type { WorkerInfo, WorkerMoveReport } from '@sanshare/server';
import type { WorkersCommand } from '../cli/parse-cli.js';
import { ANSWERS_AFTER_MOVE } from '../constants.js';
import { startClientFleet, type ClientFleet } from '../load/client-fleet.js';
import type { ClientSummary } from '../load/run-clients.js';
import { answersCarryPid, describeServer } from '../load/protocol.js';
import { finishRun } from '../orchestrate/finish-run.js';
import { startHeartbeat } from '../orchestrate/heartbeat.js';
import { RunScope } from '../orchestrate/run-scope.js';
import type { Verdict } from '../orchestrate/verdict.js';
import type { TraceEvent } from '../trace/trace-event.js';
import { describeTraceError } from '../trace/trace-error.js';
import type { TracePrinter } from '../trace/trace-printer.js';
import { openDescriptors } from '../util/open-descriptors.js';

/**
 * `workers` mode: a controller (a `@sanshare/server` worker pool) accepts `--clients` connections from
 * client processes and hands each to one of `--workers` worker processes, where an ordinary server of
 * `--protocol` serves it. While every client streams, the first worker is drained: its live connections
 * move to the other workers at their safe points. No client may notice.
 */
export async function runWorkers(command: WorkersCommand, printer: TracePrinter): Promise<number> {
  const baseline = openDescriptors();
  const scope = new RunScope(printer, 'workers');
  const events: TraceEvent[] = [];
  const heartbeat = startHeartbeat(printer);
  const { protocol, clients: connections } = command;
  let failure: string | undefined;
  let fleet: ClientFleet | undefined;
  let clients: ClientSummary | undefined;
  let target: WorkerInfo | undefined;
  let before: Record<string, number> = {};
  let after: Record<string, number> = {};
  let answeredAfter = false;
  const onEvent = (event: TraceEvent): void => {
    events.push(event);
    // The first thing that went wrong is the run's reason (a process failing to start, a client noticing).
    if (event.kind === 'failure') failure ??= `${event.role} pid ${event.pid}: ${describeTraceError(event.error)}`;
    // Workers are the controller's children, not the app's: remember them so the cleanup reaches them.
    if (event.role === 'worker') scope.extraPids.add(event.pid);
  };
  printer.text(`sanshare workers: ${connections} ${protocol} connections handed by a controller to ${command.workers} worker processes, each running ${describeServer(protocol)}, on @sanshare/server; one worker is drained while they stream (temp dir ${scope.dir})`);
  try {
    scope.armTimeout(command.timeoutMs, () => {
      failure = `timed out after ${command.timeoutMs} ms waiting for ${heartbeat.current} (--timeout-ms)`;
      scope.killAll();
    });
    heartbeat.stage('the pool and its workers to be ready');
    const controller = scope.spawn(
      'controller',
      ['controller', '--workers', String(command.workers), '--protocol', protocol, '--runtime-dir', scope.runtimeDir, '--connections', String(connections)],
      onEvent,
    );
    const listening = await controller.waitForEvent((e) => e.role === 'controller' && e.call === 'listen');
    const workers = (listening.data?.workers ?? []) as WorkerInfo[];
    for (const w of workers) scope.extraPids.add(w.pid);
    heartbeat.stage(`${connections} client connections to open`);
    fleet = startClientFleet(scope, { protocol, port: Number(listening.data?.port), connections, onEvent });
    await fleet.streaming();
    before = await fleet.countByPid();
    target = workers[0];
    if (target === undefined) throw new Error('the pool reported no worker');
    printer.app.info(`${connections} connections streaming from ${fleet.processes.length} client processes; draining worker ${target.id} (pid ${target.pid}) while they do`);
    heartbeat.stage(`worker ${target.id} to be drained`);
    controller.control(`drain ${target.id}`);
    const drainedId = target.id;
    await controller.waitForEvent((e) => e.call === 'drained' && e.data?.id === drainedId);
    heartbeat.stage(`every connection to be answered by a worker other than pid ${target.pid}`);
    await fleet.awaitAnswers(ANSWERS_AFTER_MOVE, target.pid, 0);
    answeredAfter = true;
    after = await fleet.countByPid();
    heartbeat.stage('the clients to close their connections');
    clients = await fleet.stop();
    heartbeat.stage('the pool to close');
    controller.control('close');
    await Promise.all([controller.exited, ...fleet.processes.map((p) => p.exited)]);
  } catch (error) {
    failure ??= error instanceof Error ? error.message : String(error);
  }
  heartbeat.stop();

  const drained = events.find((e) => e.role === 'controller' && e.call === 'drained');
  const report = drained?.data?.report as WorkerMoveReport | undefined;
  // What the drained worker served (the pool handed it those connections; none moved in) and still
  // held at its end, by its own count at its exit.
  const targetExit = target === undefined ? undefined : events.find((e) => e.role === 'worker' && e.pid === target?.pid && e.kind === 'exit');
  const targetServed = typeof targetExit?.data?.served === 'number' ? targetExit.data.served : undefined;
  const targetLeft = typeof targetExit?.data?.leftOpen === 'number' ? targetExit.data.leftOpen : undefined;
  // Who held the drained worker's connections: the clients know where answers come from; a raw echo
  // cannot say, and then the worker's own count is the reference.
  const carriesPid = answersCarryPid(protocol);
  const onTarget = target === undefined ? 0 : carriesPid ? (before[target.pid] ?? 0) : (targetServed ?? 0);
  const stillOnTarget = target === undefined ? 0 : (after[target.pid] ?? 0);
  const verdicts: Verdict[] = [
    {
      name: 'worker-drained',
      ok:
        report !== undefined &&
        onTarget > 0 &&
        report.moved === onTarget &&
        report.moved === targetServed &&
        report.remaining === 0 &&
        report.refused === 0 &&
        report.fallback === 0 &&
        stillOnTarget === 0 &&
        targetLeft === 0,
      detail: report
        ? `worker ${target?.id ?? '?'} (pid ${target?.pid ?? '?'}) held ${onTarget} connection(s) (${carriesPid ? "by its clients' count" : 'by its own count'}; it served ${targetServed ?? '?'}); ${report.moved} moved to the other workers in ${String(drained?.data?.drainMs ?? '?')} ms, ${report.remaining} remaining, refused ${report.refused}, fallback ${report.fallback}; it held ${targetLeft ?? '?'} at its end`
        : 'the drain did not complete',
    },
    {
      name: 'clients-noticed-nothing',
      ok: clients !== undefined && clients.opened === connections && clients.failures === 0 && answeredAfter,
      detail: !clients
        ? 'the clients did not report'
        : clients.failures === 0 && clients.opened === connections
          ? `every one of ${connections} connections was answered ${ANSWERS_AFTER_MOVE} more time(s) after the drain${carriesPid ? `, none by pid ${target?.pid ?? '?'} (${JSON.stringify(after)} after, ${JSON.stringify(before)} before)` : ''}; ${clients.answers} answers checked, none wrong or missing, no close; slowest answer ${clients.worstAnswerMs} ms`
          : `${clients.failedConnections} connection(s) noticed (${clients.failures} failure(s)), ${clients.opened}/${connections} opened: ${clients.firstFailures.join('; ')}`,
    },
    {
      name: 'no-reconnect',
      ok: clients !== undefined && clients.reconnects === 0,
      detail: clients ? `${clients.reconnects} new TCP connection(s) opened by clients that had one` : 'the clients did not report',
    },
  ];
  const data = {
    protocol,
    clients: connections,
    workers: command.workers,
    drainedWorker: target === undefined ? null : { id: target.id, pid: target.pid },
    connectionsOnDrained: onTarget,
    moved: report?.moved ?? 0,
    drainMs: typeof drained?.data?.drainMs === 'number' ? drained.data.drainMs : null,
    byPidBefore: before,
    byPidAfter: after,
    reconnects: clients?.reconnects ?? null,
    answersChecked: clients?.answers ?? 0,
    clientFailures: clients?.failures ?? null,
    worstAnswerMs: clients?.worstAnswerMs ?? null,
  };
  return finishRun({ scope, printer, events, baseline, verdicts, failure, mode: 'workers', data });
}
