import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TraceEvent } from '../src/trace/trace-event.js';

/** The built app, run as a user runs it (`node dist/main.js ...`). */
export const APP = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** What a finished run of the app printed and how it exited. */
export interface AppRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The stdout lines parsed as JSON (with --json, every line). */
  events: TraceEvent[];
}

const running = new Set<ChildProcess>();

/** How to run the app: its environment and user (default: the test's), and a bound on the run. */
export interface RunAppOptions {
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
  /** Killed after this long: a safety net, never an assertion. */
  boundMs?: number;
  /** Runs the app with this open-file limit (soft and hard, `ulimit -n` in a shell that then execs node). */
  openFileLimit?: number;
}

/** Runs the app to completion. */
export function runApp(args: readonly string[], options: RunAppOptions = {}): Promise<AppRun> {
  const [command, commandArgs] =
    options.openFileLimit === undefined
      ? [process.execPath, [APP, ...args]]
      : ['/bin/sh', ['-c', `ulimit -n ${options.openFileLimit} && exec "$0" "$@"`, process.execPath, APP, ...args]];
  const child = spawn(command, commandArgs, {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  const boundMs = options.boundMs ?? 45_000;
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const bound = setTimeout(() => void stopApp(child), boundMs);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(bound);
      running.delete(child);
      const events = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as TraceEvent);
      resolve({ code, signal, stdout, stderr, events });
    });
  });
}

/** How long an app gets to clean up after SIGTERM (kill its processes, remove its temp dir) before SIGKILL. */
const CLEANUP_GRACE_MS = 5_000;

/**
 * Stops an app: SIGTERM first, which the app answers by killing every process group it started and
 * removing its temp dir; SIGKILL if it is still there after the grace. Resolves once it is gone.
 */
function stopApp(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), CLEANUP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Stops every app process a test started and did not see finish (see `stopApp`): for `afterEach`, or
 * `afterAll` in a suite whose tests run concurrently (each test ends only after its app exited, unless
 * it timed out).
 */
export async function killRunningApps(): Promise<void> {
  const apps = [...running];
  running.clear();
  await Promise.all(apps.map(stopApp));
}

/** Whether a process exists (zombies count as gone). */
export { isAlive } from '../src/util/is-alive.js';

/** The `result` line of a run. */
export function resultOf(run: AppRun): TraceEvent | undefined {
  return run.events.find((e) => e.kind === 'result');
}

/** The verdicts of a run, by name. */
export function verdictsOf(run: AppRun): Record<string, { ok: boolean; detail: string }> {
  return Object.fromEntries(
    run.events.filter((e) => e.kind === 'verdict').map((e) => [String(e.data?.name), { ok: e.data?.ok === true, detail: e.detail ?? '' }]),
  );
}

/** Every pid that wrote to the trace, except the app's own. */
export function childPids(run: AppRun): number[] {
  return [...new Set(run.events.filter((e) => e.role !== 'app').map((e) => e.pid))];
}
