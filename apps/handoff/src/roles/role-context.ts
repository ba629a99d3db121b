import { createTraceWriter, type TraceWriter } from '../trace/trace-writer.js';
import type { Role } from '../trace/trace-event.js';
import { LEAK_GRACE_MS } from '../constants.js';
import { closeControlChannel, controlChannel, type ControlChannel } from '../util/control-channel.js';
import { descriptorsOpenedSince, openDescriptors, type OpenDescriptor } from '../util/open-descriptors.js';

/**
 * What every child role shares: its trace, the step it is at (so a failure names it), the
 * fault-injection gate, and the descriptor count at its start and end.
 */
export class RoleContext {
  readonly trace: TraceWriter;
  /** The step in progress (the one a failure is reported against). */
  step: number | undefined;
  private readonly baseline: OpenDescriptor[];

  constructor(role: Role, private readonly pauseBefore: number | null) {
    // Counted before anything of sanshare is loaded or opened: the end must come back to this.
    this.baseline = openDescriptors();
    this.trace = createTraceWriter(role);
  }

  /** The app's control words on stdin (opened on first use: a restarted server's successor has none). */
  get control(): ControlChannel {
    return controlChannel();
  }

  /**
   * Marks the start of `step`. When the app asked to stop here (fault injection), says so and waits
   * for `go`: the app kills the destination meanwhile, then lets this process meet the consequences.
   */
  async begin(step: number): Promise<void> {
    this.step = step;
    if (this.pauseBefore === step) {
      this.trace.emit({ kind: 'pause', step, detail: `paused before step ${step} (fault injection)` });
      await this.control.waitFor('go');
    }
  }

  /** Descriptors opened since the start and still open (should be none at the end). */
  leakedDescriptors(): OpenDescriptor[] {
    return descriptorsOpenedSince(this.baseline);
  }

  /**
   * Writes the `exit` event (with the descriptor check) and exits with `code`.
   *
   * Descriptors still open are given a short grace first: a provider's hand-off endpoint keeps the
   * connections other providers opened to it until those close them (at their own `WSACleanup`), so a
   * process that cleans up first sees them for a moment (see the README). What is still open after the
   * grace is reported as left open.
   */
  async finish(code: number, data: Record<string, unknown> = {}): Promise<never> {
    const started = Date.now();
    let leaked = this.leakedDescriptors();
    while (leaked.length > 0 && Date.now() - started < LEAK_GRACE_MS) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      leaked = this.leakedDescriptors();
    }
    const waitedMs = Date.now() - started;
    this.trace.emit({
      kind: 'exit',
      detail: `exits with code ${code}; ${leaked.length} descriptor(s) left open${leaked.length > 0 ? `: ${leaked.map((d) => `${d.fd}=${d.target}`).join(', ')}` : ''}${waitedMs >= 20 ? ` (after waiting ${waitedMs} ms for peers to close their endpoint connections)` : ''}`,
      data: { ...data, exitCode: code, baselineDescriptors: this.baseline.length, leakedDescriptors: leaked, waitedMs },
    });
    closeControlChannel();
    process.exit(code);
  }
}

/** Parses `--pause-before <step>` values passed by the app (internal flag, already validated). */
export function pauseStep(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const value = Number(raw);
  return Number.isInteger(value) ? value : null;
}
