import type { TraceEvent } from '../trace/trace-event.js';
import { describeTraceError } from '../trace/trace-error.js';
import type { TracePrinter } from '../trace/trace-printer.js';
import { descriptorsOpenedSince, type OpenDescriptor } from '../util/open-descriptors.js';
import type { RunScope } from './run-scope.js';
import type { Verdict } from './verdict.js';

/**
 * Ends a `workers` or `restart` run: adds the two checks every run shares (no descriptor left open
 * in any process; no stray process or socket file), prints the verdicts and the result line, and
 * returns the exit code (0 when everything passed).
 */
export async function finishRun(options: {
  scope: RunScope;
  printer: TracePrinter;
  events: readonly TraceEvent[];
  baseline: readonly OpenDescriptor[];
  verdicts: Verdict[];
  failure: string | undefined;
  mode: string;
  data: Record<string, unknown>;
}): Promise<number> {
  const { scope, printer, events, verdicts } = options;
  const exits = events.filter((e) => e.kind === 'exit');
  const leaks = exits.flatMap((e) => {
    const list = Array.isArray(e.data?.leakedDescriptors) ? (e.data.leakedDescriptors as unknown[]) : [];
    return list.length > 0 ? [`${e.role} ${e.pid}: ${list.length}`] : [];
  });
  const unreported = scope.children.filter((c) => !c.events.some((e) => e.kind === 'exit')).map((c) => `${c.name} ${c.pid}`);
  const closed = await scope.close();
  const appLeaks = descriptorsOpenedSince(options.baseline);
  if (appLeaks.length > 0) leaks.push(`app ${process.pid}: ${appLeaks.length}`);
  // Descriptors open at the end, per process (what each reported at its exit, and the app's own).
  const descriptorsLeft: Record<string, number> = Object.fromEntries([
    ...exits.map((e) => [`${e.role} ${e.pid}`, Array.isArray(e.data?.leakedDescriptors) ? e.data.leakedDescriptors.length : 0] as const),
    [`app ${process.pid}`, appLeaks.length] as const,
  ]);
  verdicts.push({
    name: 'no-descriptor-left',
    ok: leaks.length === 0 && unreported.length === 0,
    detail:
      leaks.length === 0
        ? `descriptors open at the end: ${Object.entries(descriptorsLeft).map(([who, n]) => `${who}: ${n}`).join(', ')}${unreported.length > 0 ? `; no report from ${unreported.join(', ')}` : ''}`
        : `left open: ${leaks.join('; ')}`,
  });
  verdicts.push({
    name: 'no-stray-process-or-file',
    ok: closed.strayProcesses.length === 0 && closed.dirRemoved,
    detail: `${closed.strayProcesses.length === 0 ? 'no process left running' : `had to kill ${closed.strayProcesses.join(', ')}`}; temp dir with its socket files ${closed.dirRemoved ? 'removed' : 'NOT removed'}`,
  });
  for (const verdict of verdicts) printer.app.emit({ kind: 'verdict', call: verdict.name, detail: verdict.detail, data: { ok: verdict.ok, name: verdict.name } });
  const firstFailure = events.find((e) => e.kind === 'failure');
  const reason = options.failure ?? (firstFailure ? `${firstFailure.role} pid ${firstFailure.pid}: ${describeTraceError(firstFailure.error)}` : undefined);
  const ok = verdicts.every((v) => v.ok) && reason === undefined;
  const exitCode = ok ? 0 : 1;
  printer.app.emit({
    kind: 'result',
    detail: ok ? `${options.mode}: every check passed` : `${options.mode} FAILED: ${reason ?? 'see the checks above'}`,
    data: { ok, exitCode, mode: options.mode, reason: reason ?? null, ...options.data, descriptorsLeft, verdicts },
  });
  return exitCode;
}

export type { OpenDescriptor };
