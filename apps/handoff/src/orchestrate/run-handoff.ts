import { join } from 'node:path';
import type { HandoffCommand, KillPlan } from '../cli/parse-cli.js';
import type { PeerConnectionReport } from '../peer/run-peer.js';
import type { TraceEvent } from '../trace/trace-event.js';
import type { TracePrinter } from '../trace/trace-printer.js';
import { describeTraceError } from '../trace/trace-error.js';
import { TRACE_HEADER } from '../trace/format-trace-line.js';
import { countOwnDescriptors, descriptorsOpenedSince, openDescriptors } from '../util/open-descriptors.js';
import { handoffVerdicts } from './handoff-verdicts.js';
import { RunScope } from './run-scope.js';
import type { RoleProcess } from './spawn-role.js';
import type { Verdict } from './verdict.js';

/** The steps of the table each process performs, in order. */
const STEPS: Readonly<Record<KillPlan['role'], readonly number[]>> = {
  source: [1, 2, 4, 5, 6, 13, 14, 15, 16, 17],
  destination: [3, 7, 8, 9, 10, 11, 12],
};

/** What the app did for `--kill-source-at` / `--kill-destination-at` (in the result's `data.killed`). */
interface KillReport {
  role: KillPlan['role'];
  pid: number;
  beforeStep: number;
  /** The destination had done all its steps (3-12): the hand-off can still complete. */
  afterItsPart: boolean;
}

/**
 * The default command: the spec's 17-step hand-off across three real processes (a remote TCP peer,
 * a source, a destination started on its own), each printing its steps as they happen; then the
 * verdicts. Resolves with the exit code: 0 when every check passed, 1 otherwise.
 *
 * @throws RunDirError when the run's temp dir cannot be created.
 */
export async function runHandoff(command: HandoffCommand, printer: TracePrinter): Promise<number> {
  const baseline = openDescriptors();
  const scope = new RunScope(printer, 'handoff');
  const events: TraceEvent[] = [];
  const channelPath = join(scope.dir, 'protocol-info.sock');
  const plan = command.kill;
  const pause = plan === null ? [] : ['--pause-before', String(plan.beforeStep)];
  let killed: KillReport | undefined;
  let timedOut = false;
  let destination: RoleProcess | undefined;
  let source: RoleProcess | undefined;
  let peer: RoleProcess | undefined;
  printer.text(`sanshare hand-off: the 17 steps of WSPDuplicateSocket's table, across real processes (temp dir ${scope.dir})`);
  printer.text(TRACE_HEADER);
  printer.app.info(`run directory ${scope.dir}`, { dir: scope.dir, kill: plan });

  const survivorOf = (role: KillPlan['role']): RoleProcess | undefined => (role === 'source' ? destination : source);
  const onEvent = (event: TraceEvent, from: RoleProcess): void => {
    events.push(event);
    // A survivor that reaches its fault-injection gate after the kill goes on at once.
    if (event.kind === 'pause' && killed !== undefined && from === survivorOf(killed.role)) from.control('go');
  };

  /** SIGKILL to the planned process (and its group), then the app's line saying so. */
  const killVictim = async (victim: RoleProcess, kill: KillPlan): Promise<KillReport> => {
    const afterItsPart = kill.role === 'destination' && victim.events.some((e) => e.kind === 'step' && e.step === 12);
    const wasRunning = !victim.hasExited && !afterItsPart;
    victim.kill();
    await victim.exited;
    const report: KillReport = { role: kill.role, pid: victim.pid, beforeStep: kill.beforeStep, afterItsPart };
    const what = `${kill.role} pid ${victim.pid} killed before step ${kill.beforeStep}`;
    printer.app.emit({
      kind: wasRunning ? 'failure' : 'info',
      step: kill.beforeStep,
      call: `kill -9 ${kill.role}`,
      detail: `fault injection: killed ${kill.role} pid ${victim.pid} before step ${kill.beforeStep}${afterItsPart ? ', after it had done its part (steps 3-12)' : ''}`,
      ...(wasRunning ? { error: { code: 'SIGKILL', message: what } } : {}),
      data: { killed: report },
    });
    killed = report;
    return report;
  };
  /** Tells the other process which step its peer was killed before (it prints it, and stops waiting for it). */
  const notify = (survivor: RoleProcess | undefined, report: KillReport): void => {
    survivor?.control(`peer-killed ${report.role} ${report.pid} ${report.beforeStep}`);
  };

  /**
   * "Before step N" in the table's order: both processes do their steps before N and stop at their
   * first step at or after N (each has a gate, `--pause-before`); a process with no step left from N on
   * (the destination, N > 12) is ready once it has done step 12. Then the planned process is killed and
   * the other one told, and let go. So the same flag gives the same run every time.
   */
  const injectFault = async (kill: KillPlan, victim: RoleProcess, survivor: RoleProcess): Promise<void> => {
    const ready = (p: RoleProcess, role: KillPlan['role']): Promise<boolean> =>
      p
        .waitForEvent((e) => e.kind === 'pause' || e.kind === 'failure' || (role === 'destination' && kill.beforeStep > 12 && e.kind === 'step' && e.step === 12))
        .then((e) => e.kind === 'pause', () => false);
    const [, survivorPaused] = await Promise.all([ready(victim, kill.role), ready(survivor, kill.role === 'source' ? 'destination' : 'source')]);
    // Step 3 is the destination's switch answering the source's request on its own, behind no gate:
    // a source killed at its gate before step 3 is killed once that answer is out, as it usually is
    // by then, so that a slow machine does not turn the run into another one.
    if (kill.role === 'source' && kill.beforeStep === 3) await survivor.waitForEvent((e) => (e.kind === 'step' && e.step === 3) || e.kind === 'failure').catch(() => undefined);
    notify(survivor, await killVictim(victim, kill));
    if (survivorPaused) survivor.control('go');
  };

  let failure: string | undefined;
  let injection: Promise<void> = Promise.resolve();
  try {
    scope.armTimeout(command.timeoutMs, () => {
      timedOut = true;
      scope.killAll();
    });
    peer = scope.spawn('peer', ['peer', '--dir', scope.dir], onEvent);
    const listening = await peer.waitForEvent((e) => e.kind === 'info' && e.call === 'listen');
    const port = Number(listening.data?.port);

    destination = scope.spawn('destination', ['destination', '--channel', channelPath, '--dir', scope.dir, '--runtime-dir', scope.runtimeDir, ...pause], onEvent);
    // The destination is found through the protocol-info channel, not through the app: the source
    // starts once the channel listens, and knows nothing but its path.
    await destination.waitForEvent((e) => e.call === 'listen protocol-info channel' || e.kind === 'pause' || e.kind === 'failure').catch(() => undefined);
    if (plan?.role === 'destination' && plan.beforeStep <= 3) {
      // The destination's switch answers pid requests as soon as the kernel accepts a connection, before
      // the destination reaches its gate: killed before step 3, it is killed before the source starts.
      await destination.waitForEvent((e) => e.kind === 'pause').catch(() => undefined);
      await killVictim(destination, plan);
    }
    source = scope.spawn('source', ['source', '--peer-port', String(port), '--channel', channelPath, '--dir', scope.dir, '--runtime-dir', scope.runtimeDir, ...pause], onEvent);
    if (plan !== null) {
      if (killed !== undefined) notify(source, killed);
      else injection = injectFault(plan, plan.role === 'source' ? source : destination, plan.role === 'source' ? destination : source);
    }

    // The destination stays until told, after the source is done and any kill and notice are over:
    // it reports what happens to the source after its own part.
    await Promise.all([source.exited, injection]);
    destination.control('quit');
    await destination.exited;
    peer.control('quit');
    await peer.exited;
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }

  const peerExit = peer?.events.find((e) => e.kind === 'exit');
  const connections = peerExit?.data?.connections as PeerConnectionReport[] | undefined;
  const verdicts: Verdict[] = handoffVerdicts({ events, dir: scope.dir, connections });

  // Descriptors: every child reports its own at exit (those opened and still open, and the counts of
  // its own at its start and end); the app checks its own.
  const exits = events.filter((e) => e.kind === 'exit');
  const leaks = exits.flatMap((e) => {
    const list = Array.isArray(e.data?.leakedDescriptors) ? (e.data.leakedDescriptors as unknown[]) : [];
    const counts = e.data?.descriptors as { atStart?: unknown; atEnd?: unknown } | undefined;
    const back = counts === undefined || counts.atStart === counts.atEnd;
    return list.length > 0 || !back ? [`${e.role} ${e.pid}: ${list.length} opened and still open, ${String(counts?.atStart)} at its start and ${String(counts?.atEnd)} at its end`] : [];
  });
  const children = [peer, destination, source].filter((c): c is RoleProcess => c !== undefined);
  const victim = killed === undefined ? undefined : children.find((c) => c.pid === killed?.pid);
  const reported = children.filter((c) => c !== victim).every((c) => c.events.some((e) => e.kind === 'exit'));

  const closed = await scope.close();
  const appNow = openDescriptors();
  const appLeaks = descriptorsOpenedSince(baseline, appNow);
  if (appLeaks.length === 0 && countOwnDescriptors(appNow) !== countOwnDescriptors(baseline)) {
    leaks.push(`app ${process.pid}: ${countOwnDescriptors(baseline)} at its start and ${countOwnDescriptors(appNow)} at its end`);
  }
  verdicts.push({
    name: 'no-descriptor-left',
    ok: leaks.length === 0 && appLeaks.length === 0 && reported,
    detail:
      leaks.length === 0 && appLeaks.length === 0
        ? `every process closed every descriptor it opened (${exits.map((e) => `${e.role} ${e.pid}`).join(', ')}, app ${process.pid})${victim ? `; the killed ${killed?.role ?? ''}'s were closed by the kernel` : ''}${reported ? '' : '; a process did not report'}`
        : `left open: ${[...leaks, ...(appLeaks.length > 0 ? [`app ${process.pid}: ${appLeaks.length}`] : [])].join('; ')}`,
  });
  verdicts.push({
    name: 'no-stray-process-or-file',
    ok: closed.strayProcesses.length === 0 && closed.dirRemoved,
    detail: `${closed.strayProcesses.length === 0 ? 'no process left running' : `had to kill ${closed.strayProcesses.join(', ')}`}; temp dir with its socket files ${closed.dirRemoved ? 'removed' : 'NOT removed'}`,
  });
  for (const verdict of verdicts) printer.app.emit({ kind: 'verdict', call: verdict.name, detail: verdict.detail, data: { ok: verdict.ok, name: verdict.name } });

  const outcome = explainFailure(events, { killed, timedOut, failure, timeoutMs: command.timeoutMs, children });
  const ok = verdicts.every((v) => v.ok) && outcome === undefined;
  const exitCode = ok ? 0 : 1;
  printer.app.emit({
    kind: 'result',
    detail: ok
      ? `hand-off complete: every check passed${killed ? ` (the ${killed.role} was killed before step ${killed.beforeStep}, after its part)` : ''}`
      : `hand-off FAILED${outcome ? ` at step ${outcome.step ?? '?'}: ${outcome.reason}` : ': see the checks above'}`,
    data: { ok, exitCode, mode: 'handoff', failedStep: outcome?.step ?? null, reason: outcome?.reason ?? null, killed: killed ?? null, verdicts },
  });
  return exitCode;
}

/** Which step failed and why, from the trace (undefined when nothing failed). */
function explainFailure(
  events: readonly TraceEvent[],
  context: { killed: KillReport | undefined; timedOut: boolean; failure: string | undefined; timeoutMs: number; children: RoleProcess[] },
): { step: number | undefined; reason: string } | undefined {
  const failures = events.filter((e) => e.kind === 'failure' && e.role !== 'app');
  const first = failures[0];
  const consequence = first ? `${first.role} pid ${first.pid} failed at step ${first.step ?? '?'}: ${describeTraceError(first.error)}` : undefined;
  const { killed } = context;
  if (killed !== undefined) {
    // The first step the killed process never did, or the other's failed step if that comes first in the table.
    const done = events.filter((e) => e.role === killed.role && e.kind === 'step').map((e) => e.step ?? 0);
    const last = done.length > 0 ? Math.max(...done) : 0;
    const missed = STEPS[killed.role].find((step) => step > last);
    const candidates = [missed, first?.step].filter((step): step is number => step !== undefined);
    if (candidates.length === 0) return undefined;
    const step = Math.min(...candidates);
    const progress = last > 0 ? `, having done step ${last}` : '';
    return { step, reason: `the ${killed.role} was killed before step ${killed.beforeStep}${progress}${missed !== undefined ? ` (it never did step ${missed})` : ''}${consequence ? `; then ${consequence}` : ''}` };
  }
  if (first) return { step: first.step, reason: consequence ?? 'a process failed' };
  if (context.timedOut) {
    const last = [...events].reverse().find((e) => e.kind === 'step');
    return { step: last?.step !== undefined ? last.step + 1 : undefined, reason: `timed out after ${context.timeoutMs} ms (last step seen: ${last?.step ?? 'none'})` };
  }
  const crashed = context.children.find((c) => !c.events.some((e) => e.kind === 'exit'));
  if (crashed) {
    const last = [...crashed.events].reverse().find((e) => e.kind === 'step');
    return { step: last?.step, reason: `${crashed.name} pid ${crashed.pid} ended without reporting: ${crashed.stderrTail().trim().split('\n').slice(-3).join(' | ') || 'no output'}` };
  }
  if (context.failure) return { step: undefined, reason: context.failure };
  return undefined;
}
