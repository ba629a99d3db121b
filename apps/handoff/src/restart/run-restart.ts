import type { RestartReport, TakeoverReport } from '@sanshare/server';
import type { RestartCommand } from '../cli/parse-cli.js';
import { ANSWERS_AFTER_MOVE } from '../constants.js';
import { startClientFleet, type ClientFleet } from '../load/client-fleet.js';
import type { ClientSummary } from '../load/run-clients.js';
import type { ConnectorSummary } from '../load/run-connector.js';
import { answersCarryPid, describeServer } from '../load/protocol.js';
import { finishRun } from '../orchestrate/finish-run.js';
import { startHeartbeat } from '../orchestrate/heartbeat.js';
import { RunScope } from '../orchestrate/run-scope.js';
import type { RoleProcess } from '../orchestrate/spawn-role.js';
import type { Verdict } from '../orchestrate/verdict.js';
import type { TraceEvent } from '../trace/trace-event.js';
import { describeTraceError } from '../trace/trace-error.js';
import type { TracePrinter } from '../trace/trace-printer.js';
import { openDescriptors } from '../util/open-descriptors.js';

/**
 * `restart` mode: a server of `--protocol` (an `http.Server`, a `ws` server or a raw echo) restarts
 * through `@sanshare/server` while client processes hold `--connections` live connections to it, each
 * streaming requests, and a steady connector opens new connections in a loop. The listener and every
 * connection move to the successor; no client may notice, and every connect must be answered.
 */
export async function runRestart(command: RestartCommand, printer: TracePrinter): Promise<number> {
  const baseline = openDescriptors();
  const scope = new RunScope(printer, 'restart');
  const events: TraceEvent[] = [];
  const heartbeat = startHeartbeat(printer);
  const { protocol, connections } = command;
  let failure: string | undefined;
  let fleet: ClientFleet | undefined;
  let clients: ClientSummary | undefined;
  let connects: ConnectorSummary | undefined;
  let answeredAfter = false;
  const onEvent = (event: TraceEvent): void => {
    events.push(event);
    // The first thing that went wrong is the run's reason (a process failing to start, a client noticing).
    if (event.kind === 'failure') failure ??= `${event.role} pid ${event.pid}: ${describeTraceError(event.error)}`;
    // The successor is the server's child, not the app's: remember it so the cleanup reaches it.
    if (event.role === 'successor') scope.extraPids.add(event.pid);
  };
  printer.text(`sanshare restart: ${describeServer(protocol)} holding ${connections} live connections restarts on @sanshare/server, a connector connecting throughout (temp dir ${scope.dir})`);
  try {
    scope.armTimeout(command.timeoutMs, () => {
      failure = `timed out after ${command.timeoutMs} ms waiting for ${heartbeat.current} (--timeout-ms)`;
      scope.killAll();
    });
    heartbeat.stage('the server to listen');
    const server = scope.spawn('server', ['server', '--protocol', protocol, '--runtime-dir', scope.runtimeDir, '--connections', String(connections), '--app-pid', String(process.pid)], onEvent);
    const listening = await server.waitForEvent((e) => e.role === 'server' && e.call === 'listen');
    const port = Number(listening.data?.port);
    heartbeat.stage(`${connections} client connections to open`);
    fleet = startClientFleet(scope, { protocol, port, connections, onEvent });
    const connector: RoleProcess = scope.spawn('connector', ['connector', '--protocol', protocol, '--port', String(port)], onEvent);
    await fleet.streaming();
    await connector.waitForEvent((e) => e.call === 'connecting');
    printer.app.info(`${connections} connections streaming from ${fleet.processes.length} client processes (a request every ~${fleet.intervalMs} ms each), the connector connecting; asking pid ${listening.pid} to restart`);

    heartbeat.stage('the restart');
    server.control('restart');
    const handedOver = await server.waitForEvent((e) => e.role === 'server' && e.call === 'handed over');
    const alone = await server.waitForEvent((e) => e.role === 'successor' && e.call === 'serving alone');
    heartbeat.stage(`every connection to be answered by the successor (pid ${alone.pid})`);
    await fleet.awaitAnswers(ANSWERS_AFTER_MOVE, listening.pid, answersCarryPid(protocol) ? alone.pid : 0);
    answeredAfter = true;

    const requested = events.find((e) => e.role === 'server' && e.call === 'restart requested');
    connector.control(`stop ${requested?.at ?? handedOver.at} ${handedOver.at}`);
    connects = (await connector.waitForEvent((e) => e.call === 'summary')).data as unknown as ConnectorSummary;
    heartbeat.stage('the clients to close their connections');
    clients = await fleet.stop();
    heartbeat.stage('the processes to exit');
    // The successor's stdin closed when generation 1 exited (Node closes a child's stdin at its exit): a signal.
    process.kill(alone.pid, 'SIGTERM');
    await Promise.all([server.exited, connector.exited, ...fleet.processes.map((p) => p.exited)]);
  } catch (error) {
    failure ??= error instanceof Error ? error.message : String(error);
  }
  heartbeat.stop();

  const at = (role: string, call: string): TraceEvent | undefined => events.find((e) => e.role === role && e.call === call);
  const requested = at('server', 'restart requested');
  const handedOver = at('server', 'handed over');
  const takenOver = at('successor', 'taken over');
  const report = handedOver?.data?.report as RestartReport | undefined;
  const taken = takenOver?.data as TakeoverReport | undefined;
  const oldPid = at('server', 'listen')?.pid;
  const successorPid = takenOver?.pid;
  const moved = report?.moved ?? 0;
  const moveMs = typeof handedOver?.data?.moveMs === 'number' ? handedOver.data.moveMs : null;
  const restartMs = requested && handedOver ? handedOver.at - requested.at : null;
  const startupMs = report ? Math.round((report.timings.spawning ?? 0) + (report.timings.connecting ?? 0) + (report.timings.starting ?? 0)) : null;
  const w = connects?.window;
  const all = connects?.all;
  const byOld = w && oldPid !== undefined ? (w.byPid[oldPid] ?? 0) : 0;
  const bySuccessor = w && successorPid !== undefined ? (w.byPid[successorPid] ?? 0) : 0;

  const verdicts: Verdict[] = [
    {
      name: 'connections-moved',
      ok: report !== undefined && moved >= connections && report.refused === 0 && report.fallback === 0 && report.unserved === 0 && taken?.received === moved,
      detail: report
        ? `${moved} connection(s) moved from pid ${oldPid ?? '?'} to pid ${report.successorPid} in ${moveMs ?? '?'} ms (the ${connections} clients'${moved > connections ? ` and ${moved - connections} of the connector's` : ''}); the successor took ${taken?.received ?? '?'}; refused ${report.refused}, fallback ${report.fallback}, unserved ${report.unserved}${report.unmovable.length > 0 ? `; unmovable: ${report.unmovable.join('; ')}` : ''}`
        : 'no restart report: the restart did not complete',
    },
    {
      name: 'clients-noticed-nothing',
      ok: clients !== undefined && clients.opened === connections && clients.failures === 0 && answeredAfter,
      detail: !clients
        ? 'the clients did not report'
        : clients.failures === 0 && clients.opened === connections
          ? `every one of ${connections} connections was answered ${ANSWERS_AFTER_MOVE} more time(s) ${answersCarryPid(protocol) ? `by the successor (pid ${successorPid ?? '?'})` : 'after the old server exited'}; ${clients.answers} answers checked, none wrong or missing, no close; slowest answer ${clients.worstAnswerMs} ms`
          : `${clients.failedConnections} connection(s) noticed (${clients.failures} failure(s)), ${clients.opened}/${connections} opened: ${clients.firstFailures.join('; ')}`,
    },
    {
      name: 'no-reconnect',
      ok: clients !== undefined && clients.reconnects === 0,
      detail: clients ? `${clients.reconnects} new TCP connection(s) opened by clients that had one` : 'the clients did not report',
    },
    {
      name: 'every-connect-answered',
      ok: all !== undefined && w !== undefined && all.refused === 0 && all.unserved === 0 && w.answered > 0,
      detail:
        all && w
          ? `${all.answered}/${all.attempted} connects answered, ${w.answered} of them begun during the restart (${answersCarryPid(protocol) ? `answered by the old server ${byOld}, by the successor ${bySuccessor}; ` : ''}slowest ${w.worstAnswerMs} ms); refused ${all.refused}, unserved ${all.unserved}${connects && connects.reasons.length > 0 ? `: ${connects.reasons.join('; ')}` : ''}`
          : 'the connector did not report',
    },
  ];
  const data = {
    protocol,
    connections,
    moved,
    connectsDuringMove: w?.answered ?? 0,
    refusedConnects: all?.refused ?? null,
    unservedConnects: all?.unserved ?? null,
    reconnects: clients?.reconnects ?? null,
    moveMs,
    restartMs,
    startupMs,
    received: taken?.received ?? null,
    oldPid: oldPid ?? null,
    successorPid: successorPid ?? null,
    clientProcesses: fleet?.processes.length ?? 0,
    answersChecked: clients?.answers ?? 0,
    clientFailures: clients?.failures ?? null,
    worstAnswerMs: clients?.worstAnswerMs ?? null,
    connectsAttempted: all?.attempted ?? 0,
    worstConnectDuringMoveMs: w?.worstAnswerMs ?? null,
  };
  return finishRun({ scope, printer, events, baseline, verdicts, failure, mode: 'restart', data });
}
