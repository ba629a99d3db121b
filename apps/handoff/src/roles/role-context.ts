import { createTraceWriter, type TraceWriter } from '../trace/trace-writer.js';
import type { Role } from '../trace/trace-event.js';
import { LEAK_GRACE_MS } from '../constants.js';
import { closeControlChannel, controlChannel, type ControlChannel } from '../util/control-channel.js';
import { countOwnDescriptors, descriptorsOpenedSince, openDescriptors, type OpenDescriptor } from '../util/open-descriptors.js';
import { PeerKilledError } from './peer-killed-error.js';

/**
 * What every child role shares: its trace, the step it is at (so a failure names it), the
 * fault-injection gate and notice, and the descriptor count at its start and end.
 */
export class RoleContext {
  readonly trace: TraceWriter;
  /** The step in progress (the one a failure is reported against). */
  step: number | undefined;
  private readonly baseline: OpenDescriptor[];
  private paused = false;
  private readonly peerKilled = new AbortController();

  /**
   * `pauseBefore`: the step a process of the run is killed before (`--pause-before`, fault injection),
   * or `null`. Then this process stops at its first pause point at or after that step (see `pausePoint`)
   * and listens for the app's notice that the other process was killed (`peerGone`).
   */
  constructor(role: Role, private readonly pauseBefore: number | null) {
    // Counted before anything of sanshare is opened: the end must come back to this.
    this.baseline = openDescriptors();
    this.trace = createTraceWriter(role);
    if (pauseBefore !== null) this.control.on('peer-killed', (args) => this.onPeerKilled(args));
  }

  /** The app's control words on stdin (opened on first use: a restarted server's successor has none). */
  get control(): ControlChannel {
    return controlChannel();
  }

  /**
   * Aborted, with a `PeerKilledError`, when the app says it killed the other process of the hand-off.
   * For the waits that the other process's death does not end by itself (the destination waiting for a
   * source to connect); a channel to a killed process closes on its own.
   */
  get peerGone(): AbortSignal {
    return this.peerKilled.signal;
  }

  /** Marks the start of `step` (a step this process performs), after the fault-injection gate. */
  async begin(step: number): Promise<void> {
    this.step = step;
    await this.pausePoint(step);
  }

  /**
   * The fault-injection gate. The first time this process reaches step `pauseBefore` or a later one of
   * the table, it says so (`pause`) and waits for `go`: meanwhile the app kills a process of the
   * hand-off, once both have done every step before `pauseBefore` and neither has begun a later one.
   * The source also passes the gate at step 3, which its peer's switch performs (see run-source.ts).
   */
  async pausePoint(step: number): Promise<void> {
    if (this.pauseBefore === null || this.paused || step < this.pauseBefore) return;
    this.paused = true;
    this.trace.emit({ kind: 'pause', step, detail: `paused before step ${step} (fault injection: a process is killed before step ${this.pauseBefore})`, data: { killBefore: this.pauseBefore } });
    await this.control.waitFor('go');
  }

  /** The app's notice `peer-killed <role> <pid> <step>`: a trace line naming the step, then `peerGone`. */
  private onPeerKilled(args: readonly string[]): void {
    const [role = '?', pid = '?', step = '?'] = args;
    const where = this.step === undefined ? 'before its first step' : `at step ${this.step}`;
    this.trace.emit({
      kind: 'info',
      call: `${role} killed`,
      detail: `the ${role} (pid ${pid}) was killed before step ${step}; this process was ${where}`,
      data: { killedRole: role, killedPid: Number(pid), killedBeforeStep: Number(step), stepHere: this.step ?? null },
    });
    this.peerKilled.abort(new PeerKilledError(`the ${role} (pid ${pid}) was killed before step ${step} (fault injection)`));
  }

  /** Descriptors opened since the start and still open (should be none at the end). */
  leakedDescriptors(): OpenDescriptor[] {
    return descriptorsOpenedSince(this.baseline);
  }

  /**
   * Writes the `exit` event (with the descriptor check) and exits with `code`.
   *
   * Descriptors still open are given a short grace first: a provider's endpoint keeps the connections
   * other providers opened to it until those close them (at their own `WSACleanup`), so a process that
   * cleans up first sees them for a moment (see the README). What is still open after the grace is
   * reported as left open. The exit event also gives the counts of this process's own descriptors at
   * its start and now: a process that cleaned up is back to its start.
   */
  async finish(code: number, data: Record<string, unknown> = {}): Promise<never> {
    const started = Date.now();
    let now = openDescriptors();
    let leaked = descriptorsOpenedSince(this.baseline, now);
    while (leaked.length > 0 && Date.now() - started < LEAK_GRACE_MS) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      now = openDescriptors();
      leaked = descriptorsOpenedSince(this.baseline, now);
    }
    const waitedMs = Date.now() - started;
    const descriptors = { atStart: countOwnDescriptors(this.baseline), atEnd: countOwnDescriptors(now) };
    this.trace.emit({
      kind: 'exit',
      detail: `exits with code ${code}; ${leaked.length} descriptor(s) left open${leaked.length > 0 ? `: ${leaked.map((d) => `${d.fd}=${d.target}`).join(', ')}` : ''} (${descriptors.atStart} at its start, ${descriptors.atEnd} now)${waitedMs >= 20 ? ` (after waiting ${waitedMs} ms for peers to close their endpoint connections)` : ''}`,
      data: { ...data, exitCode: code, baselineDescriptors: this.baseline.length, descriptors, leakedDescriptors: leaked, waitedMs },
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
