import { spawn } from 'node:child_process';

/** What a finished command left behind. */
export interface CommandResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Upper bound; the whole process group is killed when it is reached (a bound, not an assertion). */
  readonly timeoutMs?: number;
  /** Called with each whole line of stdout as it arrives (to show a long command's progress). */
  readonly onLine?: (line: string) => void;
}

/** Process groups started by {@link runCommand} that have not exited yet. */
const running = new Set<number>();

/**
 * Kills every command still running (for `afterEach`): a test that timed out in vitest must not
 * leave its `pnpm release` or `npm install` behind.
 */
export function killRunningCommands(): void {
  for (const pid of running) killGroup(pid);
  running.clear();
}

/**
 * Runs a real OS process to completion and collects its output. Never rejects on a non-zero exit:
 * the caller asserts on `code` so that a failure shows the command's own stderr.
 *
 * The child gets its own process group and the group is killed on timeout, so that a stuck
 * `npm install` or registry cannot outlive the test that started it.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunCommandOptions,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!options.onLine) return;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) options.onLine(line);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      stderr += `\n[runCommand] killed after ${options.timeoutMs} ms: ${command} ${args.join(' ')}`;
      killGroup(child.pid);
    }, options.timeoutMs ?? 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Kills a detached child's whole process group; a group already gone is not an error. */
export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group has already exited.
  }
}

/** Formats a result for an assertion message, so a red test says what the command printed. */
export function describeResult(result: CommandResult): string {
  return `exit ${String(result.code)}${result.signal ? ` (${result.signal})` : ''}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}
