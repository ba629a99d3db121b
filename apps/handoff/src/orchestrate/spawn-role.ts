import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseTraceLine, type TraceEvent } from '../trace/trace-event.js';

/** How a child process ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running child process of the app: one role (peer, source, destination, ...). */
export interface RoleProcess {
  readonly name: string;
  readonly pid: number;
  /** Every trace event it wrote so far, in order. */
  readonly events: TraceEvent[];
  /** The last lines it wrote on stderr (for failure reports). */
  stderrTail(): string;
  /** Resolves with the first event that matches (including one already written); rejects if it exits first. */
  waitForEvent(match: (event: TraceEvent) => boolean): Promise<TraceEvent>;
  /** Writes a control word on its stdin (ignored once it is gone). */
  control(word: string): void;
  /** Resolves when it has exited and its stdout and stderr are closed (also those of its own children). */
  readonly exited: Promise<ChildExit>;
  readonly hasExited: boolean;
  /** SIGKILL to its whole process group (it and anything it started), if still there. */
  kill(): void;
}

/** The built app's entry point: children run the same file with a role as the first argument. */
export const MAIN_SCRIPT = fileURLToPath(new URL('./main.js', import.meta.url));

/**
 * Starts `node <main.js> <role> ...args` as a real, separate process in its own process group (so
 * the app can kill it and whatever it starts, such as a restarted server's successor, in one go),
 * and reads its trace from stdout.
 */
export function spawnRole(name: string, args: readonly string[], onEvent: (event: TraceEvent, from: RoleProcess) => void): RoleProcess {
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn(process.execPath, [MAIN_SCRIPT, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`could not start the ${name} process`);
  const pid = child.pid;
  const events: TraceEvent[] = [];
  const waiters: Array<{ match: (event: TraceEvent) => boolean; resolve: (event: TraceEvent) => void; reject: (error: Error) => void }> = [];
  let stderr = '';
  let hasExited = false;
  // A child killed while we write to it would make the pipe emit EPIPE: expected, not a crash.
  child.stdin.on('error', () => undefined);
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr = (stderr + text).slice(-4_000);
  });

  const exited = new Promise<ChildExit>((resolve) => {
    // 'close' (not 'exit'): every stdio stream is closed too, so every trace line has been read.
    child.on('close', (code, signal) => {
      hasExited = true;
      for (const waiter of waiters.splice(0)) waiter.reject(new Error(`${name} (pid ${pid}) exited (${signal ?? `code ${code ?? '?'}`}) before the awaited event`));
      resolve({ code, signal });
    });
  });

  const handle: RoleProcess = {
    name,
    pid,
    events,
    stderrTail: () => stderr,
    waitForEvent(match) {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      if (hasExited) return Promise.reject(new Error(`${name} (pid ${pid}) has exited`));
      return new Promise((resolve, reject) => waiters.push({ match, resolve, reject }));
    },
    control(word) {
      if (!hasExited && child.stdin.writable) child.stdin.write(`${word}\n`);
    },
    exited,
    get hasExited() {
      return hasExited;
    },
    kill() {
      if (hasExited) return;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone (ESRCH): nothing to kill.
      }
    },
  };

  const lines = createInterface({ input: child.stdout, terminal: false });
  lines.on('line', (line) => {
    const event = parseTraceLine(line);
    if (!event) {
      if (line.trim() !== '') stderr = (stderr + `[stdout] ${line}\n`).slice(-4_000);
      return;
    }
    events.push(event);
    onEvent(event, handle);
    for (let i = waiters.length - 1; i >= 0; i -= 1) {
      const waiter = waiters[i];
      if (waiter && waiter.match(event)) {
        waiters.splice(i, 1);
        waiter.resolve(event);
      }
    }
  });
  return handle;
}
