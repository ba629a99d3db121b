/**
 * A child process of the benchmark: a TypeScript file run through tsx, under a raised soft
 * RLIMIT_NOFILE (Node cannot set rlimits; the shell's `ulimit -S -n` can, up to the hard limit), in a
 * process group of its own so that it and everything it starts (successors, workers) end together
 * (`kill()`). It speaks JSON lines: events on its stdout (`events`, `waitFor`), commands on its stdin
 * (`request`, answered by a line with the same `id`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);

/** One JSON line a child printed. */
export type BenchEvent = { readonly ev: string; readonly pid?: number; readonly id?: number } & Record<string, unknown>;

/** The hard RLIMIT_NOFILE of processes this one starts (the most a soft limit can be raised to). */
export function hardOpenFileLimit(): number {
  const run = spawnSync('/bin/sh', ['-c', 'ulimit -H -n'], { encoding: 'utf8' });
  const text = run.stdout.trim();
  return text === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(text);
}

const running = new Set<BenchProcess>();
const stdoutLog = process.env['BENCH_STDOUT_LOG'] === undefined || process.env['BENCH_STDOUT_LOG'] === '' ? undefined : process.env['BENCH_STDOUT_LOG'];

/** Kills the group of every child process not killed yet (successors and workers outlive their first process). */
export function killAll(): void {
  for (const p of running) p.kill();
}

export class BenchProcess {
  readonly events: BenchEvent[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  stderr = '';
  #nextId = 1;
  #waiters = new Set<() => void>();
  #silent = false;

  /** Runs `script` (a TypeScript file) with `args`, its soft RLIMIT_NOFILE raised to `openFiles`. */
  constructor(
    readonly name: string,
    script: string,
    options: { args?: readonly string[]; env?: NodeJS.ProcessEnv; openFiles: number; nodeArgs?: readonly string[] },
  ) {
    const node = [process.execPath, ...(options.nodeArgs ?? []), '--import', require.resolve('tsx'), script, ...(options.args ?? [])];
    this.child = spawn('/bin/sh', ['-c', 'ulimit -S -n "$0" && exec "$@"', String(options.openFiles), ...node], {
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    running.add(this);
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    const lines = createInterface({ input: this.child.stdout as NonNullable<ChildProcess['stdout']> });
    lines.on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as BenchEvent);
      } catch {
        // BENCH_STDOUT_LOG=<file>: what the servers print besides events (--trace-gc, say), kept whole.
        if (stdoutLog !== undefined) appendFileSync(stdoutLog, `${line}\n`);
        this.stderr += `[stdout] ${line}\n`;
      }
      for (const wake of this.#waiters) wake();
    });
    // Its stdout ends when every process that writes to it (the successors of a server too) is gone.
    lines.on('close', () => {
      this.#silent = true;
      for (const wake of this.#waiters) wake();
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      // Kept for the error message of a wait that failed; the tail only.
      this.stderr = (this.stderr + chunk).slice(-8_000);
    });
  }

  /** Resolves once every process writing to this one's stdout has exited (or after `timeoutMs`). */
  async silence(timeoutMs: number): Promise<void> {
    await this.waitFor('silence', () => false, timeoutMs).catch(() => undefined);
  }

  /** The first event from index `from` on that matches; rejects after `timeoutMs`, or when the process exits first, saying what was awaited. */
  waitFor(what: string, match: (e: BenchEvent) => boolean, timeoutMs: number, from = 0): Promise<BenchEvent> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.slice(from).find(match);
        if (found !== undefined) {
          settle();
          resolve(found);
        } else if (this.#silent) {
          settle();
          reject(new Error(`${this.name}: its processes exited while waiting for ${what}${this.#tail()}`));
        }
      };
      const settle = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      const timer = setTimeout(() => {
        settle();
        reject(new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${what}${this.#tail()}`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  /** Sends a command (bench-protocol.ts) and waits for the line that answers it. */
  async request(command: Record<string, unknown>, timeoutMs: number): Promise<BenchEvent> {
    const id = this.#nextId++;
    const from = this.events.length;
    this.child.stdin?.write(`${JSON.stringify({ id, ...command })}\n`);
    return this.waitFor(`the answer to ${String(command['cmd'])}`, (e) => e.id === id, timeoutMs, from);
  }

  /** Sends `signal` to this process (not its group); nothing if it is gone. */
  signal(signal: NodeJS.Signals): void {
    try {
      if (this.child.pid !== undefined) process.kill(this.child.pid, signal);
    } catch {
      // Already gone.
    }
  }

  /** SIGKILLs the process group (this process and whatever it started, even after this one exited). */
  kill(): void {
    if (!running.delete(this)) return;
    try {
      if (this.child.pid !== undefined) process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  #tail(): string {
    const last = this.events.slice(-5).map((e) => JSON.stringify(e).slice(0, 300));
    return `; last events:\n${last.join('\n')}\nstderr:\n${this.stderr.slice(-2_000)}`;
  }
}
