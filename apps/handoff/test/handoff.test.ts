import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TraceEvent } from '../src/trace/trace-event.js';
import { childPids, isAlive, killRunningApps, resultOf, runApp, verdictsOf, type AppRun } from './run-app.js';

/** The run directory the app announced (removed at the end of every run). */
function runDir(run: AppRun): string | undefined {
  const dir = run.events.find((e) => e.role === 'app' && typeof e.data?.dir === 'string')?.data?.dir;
  return typeof dir === 'string' ? dir : undefined;
}

/** The steps of the table each process performs, in the table's order. */
const STEPS_OF = { source: [1, 2, 4, 5, 6, 13, 14, 15, 16, 17], destination: [3, 7, 8, 9, 10, 11, 12] } as const;
const ALL_STEPS = Array.from({ length: 17 }, (_, i) => i + 1);

/** Checks that the run left nothing behind: no process, no temp dir (with its socket files), no descriptor. */
function expectNothingLeft(run: AppRun): void {
  const verdicts = verdictsOf(run);
  expect(verdicts['no-stray-process-or-file'], run.stdout).toMatchObject({ ok: true });
  expect(verdicts['no-descriptor-left'], run.stdout).toMatchObject({ ok: true });
  for (const pid of childPids(run)) expect(isAlive(pid), `pid ${pid}`).toBe(false);
  const dir = runDir(run);
  expect(dir).toBeDefined();
  expect(existsSync(dir ?? '/')).toBe(false);
  // The providers' endpoints lived in the run's dir, never in the default runtime dir.
  for (const pid of childPids(run)) expect(existsSync(join(tmpdir(), `sanshare-${process.getuid?.() ?? 0}`, `${pid}.sock`))).toBe(false);
  // Every process that reported its end is back to the descriptors it had at its start (/proc/self/fd).
  for (const exit of run.events.filter((e) => e.kind === 'exit')) {
    const counts = exit.data?.descriptors as { atStart: number; atEnd: number } | undefined;
    expect(counts, `${exit.role} ${exit.pid}`).toBeDefined();
    expect(counts?.atEnd, `${exit.role} ${exit.pid}: ${exit.detail ?? ''}`).toBe(counts?.atStart);
    expect(exit.data?.leakedDescriptors, `${exit.role} ${exit.pid}`).toEqual([]);
  }
}

describe('sanshare-handoff (the 17-step hand-off)', () => {
  afterEach(killRunningApps);

  it('should run the 17 steps across three processes on one connection and pass every check', async () => {
    const run = await runApp(['--json']);
    const result = resultOf(run);
    expect(result?.data, run.stdout + run.stderr).toMatchObject({ ok: true, exitCode: 0, killed: null });
    expect(run.code).toBe(0);

    const steps = run.events.filter((e) => e.kind === 'step');
    expect(steps.map((e) => e.step).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(ALL_STEPS);
    const roleOf = (step: number): string | undefined => steps.find((e) => e.step === step)?.role;
    for (const step of STEPS_OF.source) expect(roleOf(step)).toBe('source');
    for (const step of STEPS_OF.destination) expect(roleOf(step)).toBe('destination');
    // Three distinct processes, none of them the app.
    const pids = new Set(run.events.filter((e) => ['peer', 'source', 'destination'].includes(e.role)).map((e) => `${e.role}:${e.pid}`));
    expect(pids.size).toBe(3);

    // The same kernel socket moves and comes back: one cookie, one address pair.
    const seen = [1, 8, 14].map((n) => steps.find((e) => e.step === n)?.socket);
    expect(seen.every((v) => v?.cookie !== undefined && v.cookie === seen[0]?.cookie)).toBe(true);
    expect(new Set(seen.map((v) => `${v?.local} ${v?.remote}`)).size).toBe(1);
    // Step 8's descriptors are the destination's own (switch and provider).
    expect(steps.find((e) => e.step === 8)?.socket?.switchSocket).toEqual(expect.any(Number));
    expect(steps.find((e) => e.step === 8)?.socket?.providerSocket).toEqual(expect.any(Number));

    // The records the destination sent last, without reading their echoes, were read by the source.
    const left = steps.find((e) => e.step === 9)?.data?.echoesLeft as { tag: string; first: number; count: number };
    const phase2 = run.events.find((e) => e.kind === 'data' && e.data?.phase === 'source-2')?.data?.ranges as Record<string, { first: number; count: number }>;
    expect(phase2[left.tag]).toMatchObject({ first: left.first, count: left.count });

    const verdicts = verdictsOf(run);
    for (const name of ['all-steps', 'one-connection', 'same-socket', 'bytes-in-order', 'destination-close-kept-connection', 'graceful-close', 'no-descriptor-left', 'no-stray-process-or-file']) {
      expect(verdicts[name], name).toMatchObject({ ok: true });
    }
    expectNothingLeft(run);
  });

  it('should print the same run as text, each step once, each process in the order of the table', async () => {
    const run = await runApp([]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // A step line: the step number, then the process (its role) and pid.
    const stepLines = run.stdout
      .split('\n')
      .map((line) => /^ {0,2}(\d{1,2}) {2}(source|destination) +\d+ /.exec(line))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => ({ step: Number(match[1]), role: match[2] as keyof typeof STEPS_OF }));
    expect(stepLines.map((line) => line.step).sort((a, b) => a - b)).toEqual(ALL_STEPS);
    // Within one process the lines follow the table; across processes they arrive as they happen.
    for (const role of ['source', 'destination'] as const) {
      expect(stepLines.filter((line) => line.role === role).map((line) => line.step)).toEqual(STEPS_OF[role]);
    }
    expect(run.stdout).toMatch(/cookie \d+/);
    expect(run.stdout).toContain('==>');
  });
});

/**
 * `--kill-<role>-at <step>` for every step of both roles, the first step that could not be done, and
 * `null` when the hand-off completes anyway (the destination killed after its part).
 */
const FAILED_STEP: Readonly<Record<'source' | 'destination', Readonly<Record<number, number | null>>>> = {
  // The source killed: the destination goes on until it needs the source (its pid answered, its
  // duplicate back at 10, the protocol info back at 11); steps the source never did fail the run.
  source: { 1: 1, 2: 2, 3: 4, 4: 4, 5: 5, 6: 6, 7: 10, 8: 10, 9: 10, 10: 10, 11: 11, 12: 13, 13: 13, 14: 14, 15: 15, 16: 16, 17: 17 },
  // The destination killed before step 3: the source cannot reach its channel (step 2). From step 13
  // on, the destination has done its part and the source completes the hand-off.
  destination: { 1: 2, 2: 2, 3: 2, 4: 5, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 10: 10, 11: 11, 12: 12, 13: null, 14: null, 15: null, 16: null, 17: null },
};

/** Runs of the app at once (each is 4 processes, mostly waiting on each other): a bound for a 2-core machine. */
const KILL_RUNS_AT_ONCE = 4;
let running = 0;
const queue: Array<() => void> = [];
async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (running >= KILL_RUNS_AT_ONCE) await new Promise<void>((resolve) => queue.push(resolve));
  running += 1;
  try {
    return await work();
  } finally {
    running -= 1;
    queue.shift()?.();
  }
}

describe.each(['source', 'destination'] as const)('sanshare-handoff --kill-%s-at', (role) => {
  const survivor = role === 'source' ? 'destination' : 'source';
  // Not afterEach: the runs of this suite overlap, and each test ends only once its app has exited.
  afterAll(killRunningApps);

  it.concurrent.each(ALL_STEPS)(`should report step %i from both sides and leave nothing behind`, async (step) => {
    const run = await limited(() => runApp(['--json', `--kill-${role}-at`, String(step)]));
    const result = resultOf(run);
    const failedStep = FAILED_STEP[role][step] ?? null;
    const completes = failedStep === null;
    expect(result?.data, run.stdout + run.stderr).toMatchObject({ ok: completes, exitCode: completes ? 0 : 1, failedStep, killed: { role, beforeStep: step } });
    expect(run.code).toBe(completes ? 0 : 1);
    if (!completes) expect(String(result?.data?.reason)).toContain(`the ${role} was killed before step ${step}`);

    // The app's line, and the surviving process's own line naming the step its peer died at.
    const killedPid = (result?.data?.killed as { pid: number }).pid;
    expect(run.events.filter((e) => e.role === 'app' && e.call === `kill -9 ${role}` && e.step === step)).toHaveLength(1);
    const notices = run.events.filter((e: TraceEvent) => e.role === survivor && e.data?.killedBeforeStep === step);
    expect(notices, run.stdout).toHaveLength(1);
    expect(notices[0]?.data).toMatchObject({ killedRole: role, killedPid });
    expect(notices[0]?.detail).toContain(`was killed before step ${step}`);
    // The survivor reported its end: it lived through its peer's death.
    expect(run.events.some((e) => e.role === survivor && e.kind === 'exit')).toBe(true);
    expectNothingLeft(run);
  });
});

describe('sanshare-handoff fault trace', () => {
  afterEach(killRunningApps);

  it('should print each error code once', async () => {
    const run = await runApp(['--kill-destination-at', '9']);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/ERR_CHANNEL_CLOSED: /);
    // No code printed twice in a row (`ERR_X ERR_X:`, `ERR_X: ERR_X:`).
    expect(run.stdout).not.toMatch(/\b([A-Z][A-Z0-9_]{3,}):? \1\b/);
  });
});
