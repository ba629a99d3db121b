import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { childPids, isAlive, killRunningApps, resultOf, runApp, verdictsOf, type AppRun } from './run-app.js';

/** The run directory the app announced (removed at the end of every run). */
function runDir(run: AppRun): string | undefined {
  const dir = run.events.find((e) => e.role === 'app' && typeof e.data?.dir === 'string')?.data?.dir;
  return typeof dir === 'string' ? dir : undefined;
}

describe('sanshare-handoff (the 17-step hand-off)', () => {
  afterEach(killRunningApps);

  it('should run the 17 steps across three processes on one connection and pass every check', async () => {
    const run = await runApp(['--json']);
    const result = resultOf(run);
    expect(result?.data, run.stdout + run.stderr).toMatchObject({ ok: true, exitCode: 0 });
    expect(run.code).toBe(0);

    const steps = run.events.filter((e) => e.kind === 'step');
    expect([...new Set(steps.map((e) => e.step))].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));
    const roleOf = (step: number): string | undefined => steps.find((e) => e.step === step)?.role;
    for (const step of [1, 2, 4, 5, 6, 13, 14, 15, 16, 17]) expect(roleOf(step)).toBe('source');
    for (const step of [3, 7, 8, 9, 10, 11, 12]) expect(roleOf(step)).toBe('destination');
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

    const verdicts = verdictsOf(run);
    for (const name of ['all-steps', 'one-connection', 'same-socket', 'bytes-in-order', 'destination-close-kept-connection', 'graceful-close', 'no-descriptor-left', 'no-stray-process-or-file']) {
      expect(verdicts[name], name).toMatchObject({ ok: true });
    }
    for (const pid of childPids(run)) expect(isAlive(pid)).toBe(false);
    const dir = runDir(run);
    expect(dir).toBeDefined();
    expect(existsSync(dir ?? '/')).toBe(false);
  });

  it('should print the same run as text lines, one per step', async () => {
    const run = await runApp([]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const stepLines = run.stdout.split('\n').filter((line) => /^ {0,2}\d{1,2} {2}(source|destination) /.test(line));
    expect(stepLines.length).toBeGreaterThanOrEqual(17);
    expect(run.stdout).toMatch(/cookie \d+/);
    expect(run.stdout).toContain('==>');
  });

  // Killing the destination before steps of its own and of the source: [kill before, step that fails].
  it.each([
    [3, 2],
    [5, 5],
    [12, 12],
  ])('should report the failed step and leave nothing behind when the destination is killed before step %i', async (step, failedStep) => {
    const run = await runApp(['--json', '--kill-destination-at', String(step)]);
    const result = resultOf(run);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(result?.data).toMatchObject({ ok: false, exitCode: 1, failedStep });
    expect(String(result?.data?.reason)).toContain(`killed before step ${step}`);
    const verdicts = verdictsOf(run);
    expect(verdicts['no-stray-process-or-file']).toMatchObject({ ok: true });
    expect(verdicts['no-descriptor-left']).toMatchObject({ ok: true });
    for (const pid of childPids(run)) expect(isAlive(pid)).toBe(false);
    expect(existsSync(runDir(run) ?? '/')).toBe(false);
    // The providers' endpoints lived in the run's dir, never in the default runtime dir.
    for (const pid of childPids(run)) expect(existsSync(join(tmpdir(), `sanshare-${process.getuid?.() ?? 0}`, `${pid}.sock`))).toBe(false);
  });

  it('should complete the hand-off when the destination is killed after its part (before step 14)', async () => {
    const run = await runApp(['--json', '--kill-destination-at', '14']);
    expect(resultOf(run)?.data, run.stdout + run.stderr).toMatchObject({ ok: true, exitCode: 0 });
    expect(run.code).toBe(0);
  });
});
