import { join } from 'node:path';
import type { HandoffCommand } from '../cli/parse-cli.js';
import type { PeerConnectionReport } from '../peer/run-peer.js';
import type { TraceEvent } from '../trace/trace-event.js';
import type { TracePrinter } from '../trace/trace-printer.js';
import { TRACE_HEADER } from '../trace/format-trace-line.js';
import { descriptorsOpenedSince, openDescriptors } from '../util/open-descriptors.js';
import { handoffVerdicts } from './handoff-verdicts.js';
import { RunScope } from './run-scope.js';
import type { RoleProcess } from './spawn-role.js';
import type { Verdict } from './verdict.js';

/** The steps of the table that the destination performs, in order (the others are the source's). */
const DESTINATION_STEPS: readonly number[] = [3, 7, 8, 9, 10, 11, 12];

/**
 * The default command: the spec's 17-step hand-off across three real processes (a remote TCP peer,
 * a source, a destination started on its own), each printing its steps as they happen; then the
 * verdicts. Resolves with the exit code: 0 when every check passed, 1 otherwise.
 */
export async function runHandoff(command: HandoffCommand, printer: TracePrinter): Promise<number> {
  const baseline = openDescriptors();
  const scope = new RunScope(printer, 'handoff');
  const events: TraceEvent[] = [];
  const channelPath = join(scope.dir, 'handoff.sock');
  const pause = command.killDestinationAt === null ? [] : ['--pause-before', String(command.killDestinationAt)];
  let killedBefore: number | null = null;
  let timedOut = false;
  let destination: RoleProcess | undefined;
  let source: RoleProcess | undefined;
  let peer: RoleProcess | undefined;
  const collect = (event: TraceEvent): void => {
    events.push(event);
  };
  printer.text(`sanshare hand-off: the 17 steps of WSPDuplicateSocket's table, across real processes (temp dir ${scope.dir})`);
  printer.text(TRACE_HEADER);
  printer.app.info(`run directory ${scope.dir}`, { dir: scope.dir, killDestinationAt: command.killDestinationAt });

  // Fault injection: a process stopped before step N (it says so); kill the destination, then let it go on.
  const onPause = async (event: TraceEvent, from: RoleProcess): Promise<void> => {
    if (event.kind !== 'pause' || destination === undefined) return;
    killedBefore = event.step ?? null;
    // "Before step N" in the table's order: the destination's own steps that come earlier are done first,
    // so the same flag gives the same run every time.
    const earlier = DESTINATION_STEPS.filter((step) => step < (event.step ?? 0));
    const lastEarlier = earlier[earlier.length - 1];
    if (from !== destination && lastEarlier !== undefined) {
      await destination.waitForEvent((e) => e.kind === 'step' && e.step === lastEarlier).catch(() => undefined);
    }
    if (from === destination && (event.step ?? 0) > 6 && source !== undefined) {
      // Likewise the source's steps before it (up to 6: sending the protocol info).
      await source.waitForEvent((e) => e.kind === 'step' && e.step === 6).catch(() => undefined);
    }
    const finishedItsPart = destination.events.some((e) => e.kind === 'step' && e.step === 12);
    const wasRunning = !destination.hasExited && !finishedItsPart;
    destination.kill();
    await destination.exited;
    printer.app.emit({
      kind: wasRunning ? 'failure' : 'info',
      ...(event.step !== undefined ? { step: event.step } : {}),
      call: 'kill -9 destination',
      detail: wasRunning
        ? `fault injection: killed destination pid ${destination.pid} before step ${event.step ?? '?'}`
        : `fault injection: killed destination pid ${destination.pid} before step ${event.step ?? '?'}, after it had done its part (steps 3-12)`,
      ...(wasRunning ? { error: { code: 'SIGKILL', message: `destination pid ${destination.pid} killed before step ${event.step ?? '?'}` } } : {}),
      data: { killedPid: destination.pid, wasRunning },
    });
    if (from !== destination) from.control('go');
  };
  const onEvent = (event: TraceEvent, from: RoleProcess): void => {
    collect(event);
    if (event.kind === 'pause') void onPause(event, from);
  };

  let failure: string | undefined;
  try {
    scope.armTimeout(command.timeoutMs, () => {
      timedOut = true;
      scope.killAll();
    });
    peer = scope.spawn('peer', ['peer', '--dir', scope.dir], onEvent);
    const listening = await peer.waitForEvent((e) => e.kind === 'info' && e.call === 'listen');
    const port = Number(listening.data?.port);

    destination = scope.spawn('destination', ['destination', '--channel', channelPath, '--dir', scope.dir, '--runtime-dir', scope.runtimeDir, ...pause], onEvent);
    // The destination is found through the hand-off channel, not through the app: the source starts
    // once the channel listens, and knows nothing but its path.
    await destination.waitForEvent((e) => e.call === 'listen hand-off channel' || e.kind === 'pause' || e.kind === 'failure').catch(() => undefined);
    if (command.killDestinationAt === 3) {
      // Killed before it answers: start the source only once it is gone, so the run is the same every time
      // (the switch answers pid requests as soon as the kernel accepts a connection).
      await destination.exited;
    }
    source = scope.spawn('source', ['source', '--peer-port', String(port), '--channel', channelPath, '--dir', scope.dir, '--runtime-dir', scope.runtimeDir, ...pause], onEvent);

    await Promise.all([source.exited, destination.exited]);
    peer.control('quit');
    await peer.exited;
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }

  const peerExit = peer?.events.find((e) => e.kind === 'exit');
  const connections = peerExit?.data?.connections as PeerConnectionReport[] | undefined;
  const verdicts: Verdict[] = handoffVerdicts({ events, dir: scope.dir, connections });

  // Descriptors: every child reports its own at exit; the app checks its own.
  const exits = events.filter((e) => e.kind === 'exit');
  const leaks = exits.flatMap((e) => {
    const list = Array.isArray(e.data?.leakedDescriptors) ? (e.data.leakedDescriptors as unknown[]) : [];
    return list.length > 0 ? [`${e.role} ${e.pid}: ${list.length}`] : [];
  });
  const children = [peer, destination, source].filter((c): c is RoleProcess => c !== undefined);
  const killed = children.filter((c) => c.pid === destination?.pid && killedBefore !== null);
  const reported = children.filter((c) => !killed.includes(c)).every((c) => c.events.some((e) => e.kind === 'exit'));

  const closed = await scope.close();
  const appLeaks = descriptorsOpenedSince(baseline);
  verdicts.push({
    name: 'no-descriptor-left',
    ok: leaks.length === 0 && appLeaks.length === 0 && reported,
    detail:
      leaks.length === 0 && appLeaks.length === 0
        ? `every process closed every descriptor it opened (${exits.map((e) => `${e.role} ${e.pid}`).join(', ')}, app ${process.pid})${killed.length > 0 ? '; the killed destination\'s were closed by the kernel' : ''}`
        : `left open: ${[...leaks, ...(appLeaks.length > 0 ? [`app ${process.pid}: ${appLeaks.length}`] : [])].join('; ')}`,
  });
  verdicts.push({
    name: 'no-stray-process-or-file',
    ok: closed.strayProcesses.length === 0 && closed.dirRemoved,
    detail: `${closed.strayProcesses.length === 0 ? 'no process left running' : `had to kill ${closed.strayProcesses.join(', ')}`}; temp dir with its socket files ${closed.dirRemoved ? 'removed' : 'NOT removed'}`,
  });
  for (const verdict of verdicts) printer.app.emit({ kind: 'verdict', call: verdict.name, detail: verdict.detail, data: { ok: verdict.ok, name: verdict.name } });

  const outcome = explainFailure([...events, ...printer.appEvents], { killedBefore, timedOut, failure, timeoutMs: command.timeoutMs, children });
  const ok = verdicts.every((v) => v.ok) && outcome === undefined;
  const exitCode = ok ? 0 : 1;
  printer.app.emit({
    kind: 'result',
    detail: ok ? 'hand-off complete: every check passed' : `hand-off FAILED${outcome ? ` at step ${outcome.step ?? '?'}: ${outcome.reason}` : ': see the checks above'}`,
    data: { ok, exitCode, mode: 'handoff', failedStep: outcome?.step ?? null, reason: outcome?.reason ?? null, verdicts },
  });
  return exitCode;
}

/** Which step failed and why, from the trace (undefined when nothing failed). */
function explainFailure(
  events: readonly TraceEvent[],
  context: { killedBefore: number | null; timedOut: boolean; failure: string | undefined; timeoutMs: number; children: RoleProcess[] },
): { step: number | undefined; reason: string } | undefined {
  const failures = events.filter((e) => e.kind === 'failure' && e.role !== 'app');
  const first = failures[0];
  const consequence = first ? `${first.role} pid ${first.pid} failed at step ${first.step ?? '?'}: ${first.error?.code ?? ''} ${first.error?.message ?? ''}`.trim() : undefined;
  const killEvent = events.find((e) => e.role === 'app' && e.call === 'kill -9 destination');
  if (killEvent && context.killedBefore !== null) {
    // The step the killed destination did not get to, or the source's failed step if that came first in the table.
    const done = events.filter((e) => e.role === 'destination' && e.kind === 'step').map((e) => e.step ?? 0);
    const last = done.length > 0 ? Math.max(...done) : 0;
    const missed = DESTINATION_STEPS.find((step) => step > last);
    const candidates = [missed, first?.step].filter((step): step is number => step !== undefined);
    if (candidates.length === 0) return undefined;
    const step = Math.min(...candidates);
    const progress = last > 0 ? `, having done step ${last}` : '';
    return { step, reason: `the destination was killed before step ${context.killedBefore}${progress}${missed !== undefined ? ` (it never did step ${missed})` : ''}${consequence ? `; then ${consequence}` : ''}` };
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
