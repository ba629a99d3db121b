import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceEvent } from '../trace/trace-event.js';
import type { TracePrinter } from '../trace/trace-printer.js';
import { spawnRole, type RoleProcess } from './spawn-role.js';
import { isAlive } from '../util/is-alive.js';
import { runDirError } from './run-dir-error.js';

/**
 * One run of the app: its temp dir (socket files, byte logs, the providers' runtime dir), the child
 * processes it started, and the promise that all of them are gone and the dir removed at the end,
 * whatever happens (a failed check, a crash, a timeout, Ctrl-C).
 */
export class RunScope {
  readonly dir: string;
  /** The providers' runtime directory (their endpoints `<pid>.sock`), inside `dir`. */
  readonly runtimeDir: string;
  readonly children: RoleProcess[] = [];
  /** Pids started by children (a restarted server's successor), killed with their process group. */
  readonly extraPids = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.killAll();
    this.removeDir();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };

  /** @throws RunDirError when the temp dir cannot be created (nothing else is started then). */
  constructor(private readonly printer: TracePrinter, prefix: string) {
    // mkdtemp makes the directory 0700: only this user can reach the sockets inside.
    const parent = tmpdir();
    try {
      this.dir = mkdtempSync(join(parent, `sanshare-${prefix}-`));
    } catch (error) {
      throw runDirError(parent, error);
    }
    this.runtimeDir = join(this.dir, 'run');
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  /** Starts a child role; its events are printed as they arrive and passed to `onEvent`. */
  spawn(name: string, args: readonly string[], onEvent?: (event: TraceEvent, from: RoleProcess) => void): RoleProcess {
    const child = spawnRole(name, args, (event, from) => {
      this.printer.print(event);
      onEvent?.(event, from);
    });
    this.children.push(child);
    return child;
  }

  /** Calls `onTimeout` (once) after `ms` unless the run is over by then. */
  armTimeout(ms: number, onTimeout: () => void): void {
    this.timer = setTimeout(onTimeout, ms);
    this.timer.unref();
  }

  /** SIGKILL to every child's process group still there. */
  killAll(): void {
    for (const child of this.children) child.kill();
    for (const pid of this.extraPids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  }

  removeDir(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * Ends the run: kills what is left, waits for every child to be gone, removes the temp dir, and
   * says what was still there (should be nothing after a clean run).
   */
  async close(): Promise<{ strayProcesses: number[]; dirRemoved: boolean }> {
    if (this.timer) clearTimeout(this.timer);
    const stray = [...this.children.filter((c) => !c.hasExited).map((c) => c.pid), ...[...this.extraPids].filter(isAlive)];
    this.killAll();
    await Promise.all(this.children.map((c) => c.exited));
    this.removeDir();
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    return { strayProcesses: stray, dirRemoved: !existsSync(this.dir) };
  }
}
