import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** One JSON line a fixture printed. */
export type FixtureEvent = { pid: number; ev: string } & Record<string, unknown>;

/**
 * A fixture server process, in a process group of its own so that it and every successor it starts
 * can be killed at once (`kill()`, called from afterEach). Fixtures run through tsx, so that they use
 * the package's sources.
 */
export class ServerProcess {
  readonly events: FixtureEvent[] = [];
  readonly child: ChildProcess;
  stderr = '';
  #waiters = new Set<() => void>();

  /** Runs `fixture` (a TypeScript file), or `[script, ...args]`, through tsx (with `execPath`: that node binary, this one's by default). */
  constructor(fixture: string | readonly string[], env: NodeJS.ProcessEnv, execPath = process.execPath) {
    const args = typeof fixture === 'string' ? [fixture] : fixture;
    this.child = spawn(execPath, ['--import', require.resolve('tsx'), ...args], {
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let buffered = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let end: number;
      while ((end = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        try {
          this.events.push(JSON.parse(line) as FixtureEvent);
        } catch {
          this.stderr += `[stdout] ${line}\n`;
        }
        for (const wake of this.#waiters) wake();
      }
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
  }

  /** Every pid that printed an event (the first generation and its successors). */
  get pids(): number[] {
    return [...new Set(this.events.map((e) => e.pid))];
  }

  /** The first event (from `from` on) that matches; rejects after `timeoutMs` saying what was awaited and what came. */
  waitFor(what: string, match: (e: FixtureEvent) => boolean, timeoutMs = 30_000, from = 0): Promise<FixtureEvent> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.events.slice(from).find(match);
        if (found === undefined) return false;
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve(found);
        return true;
      };
      const wake = (): void => void check();
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        const tail = this.events.slice(-8).map((e) => JSON.stringify(e).slice(0, 300));
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last events:\n${tail.join('\n')}\nstderr:\n${this.stderr.slice(-3000)}`));
      }, timeoutMs);
      if (!check()) this.#waiters.add(wake);
    });
  }

  /** Writes one command line to the fixture's stdin. */
  command(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  /** SIGKILLs the whole process group (every generation). */
  kill(): void {
    try {
      if (this.child.pid !== undefined) process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Whether process `pid` exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A zombie still answers kill(0): its state in /proc/<pid>/stat is 'Z'.
    const stat = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8') as string;
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Polls `condition` every 20 ms until it holds or `timeoutMs` passes (then rejects with `what`). */
export async function until(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The command line that runs `script` through tsx, for a supervisor to start. */
export function tsxCommand(script: string): string[] {
  return [process.execPath, '--import', require.resolve('tsx'), script];
}

/** How many descriptors process `pid` has open (`/proc/<pid>/fd`). */
export function openDescriptors(pid: number): number {
  return require('node:fs').readdirSync(`/proc/${pid}/fd`).length as number;
}
