/**
 * What a restart reports while it runs (the restarter's `'progress'` event), and the one-line view of
 * it on a terminal.
 */
import { PROGRESS_LINE_INTERVAL_MS } from './constants.js';

/**
 * The phases of a restart. In the old process: `spawning` (the successor starts), `connecting` (until
 * its Hello), `starting` (until its Ready), `moving` (connections move at their safe points),
 * `fallback` (the drain deadline passed), `exiting` (waiting for what is left to end), `done`, or
 * `failed` (the successor died or never became ready: the old process serves on). In the successor:
 * `joining` (Hello sent), `receiving` (connections arrive), `taken-over` (the old process is done,
 * or died).
 */
export type RestartPhase = 'spawning' | 'connecting' | 'starting' | 'moving' | 'fallback' | 'exiting' | 'done' | 'failed' | 'joining' | 'receiving' | 'taken-over';

/** One progress event. */
export interface RestartProgress {
  readonly phase: RestartPhase;
  /** This process's generation (1 for the first). */
  readonly generation: number;
  /** The other process: the successor (in the old process) or the predecessor (in the successor). */
  readonly peerPid: number | undefined;
  /** Connections moved (old process) or received (successor) so far. */
  readonly moved: number;
  /** Connections still in the old process. */
  readonly remaining: number;
  /** Moves the successor refused or could not take (those connections stay, served, in the old process). */
  readonly refused: number;
  /** Connections that ended during the restart without being moved or served to their end. */
  readonly unserved: number;
  /** Connections given the fallback (`Connection: close`, WebSocket close 1012). */
  readonly fallback: number;
  /** Connections their clients closed during the move. */
  readonly closed: number;
  /** Milliseconds spent in each phase that has ended, and in the current one so far. */
  readonly timings: Readonly<Partial<Record<RestartPhase, number>>>;
  /** With `probeConnects`: connects to each listener during the restart, how many were refused, and the slowest. */
  readonly connects: { readonly attempted: number; readonly refused: number; readonly worstLatencyMs: number } | undefined;
  /** Why it failed (phase `failed`), for people. */
  readonly reason?: string;
}

/** The terminal line of `progress` (no newline). */
export function formatProgressLine(p: RestartProgress): string {
  const total = Object.values(p.timings).reduce((a, b) => a + (b ?? 0), 0);
  const parts = [
    `restart gen ${p.generation}${p.peerPid === undefined ? '' : ` <-> pid ${p.peerPid}`}: ${p.phase}`,
    `moved ${p.moved}`,
    `remaining ${p.remaining}`,
    `refused ${p.refused}`,
    `fallback ${p.fallback}`,
    `unserved ${p.unserved}`,
  ];
  if (p.connects !== undefined) parts.push(`connects ${p.connects.attempted} (refused ${p.connects.refused}, worst ${p.connects.worstLatencyMs.toFixed(1)} ms)`);
  parts.push(`${(total / 1000).toFixed(1)} s`);
  return parts.join('  ');
}

/** Writes progress lines to a terminal stream, at most every 200 ms, the last one always; returns the listener and a finisher. */
export function progressLine(stream: NodeJS.WriteStream): { update(p: RestartProgress): void; end(): void } {
  let last = 0;
  let pending: RestartProgress | undefined;
  let shown = false;
  const draw = (p: RestartProgress): void => {
    stream.write(`\r\x1b[2K${formatProgressLine(p)}`);
    shown = true;
    last = Date.now();
    pending = undefined;
  };
  return {
    update(p) {
      pending = p;
      const final = p.phase === 'done' || p.phase === 'failed' || p.phase === 'taken-over';
      if (final || Date.now() - last >= PROGRESS_LINE_INTERVAL_MS) draw(p);
      if (final) this.end();
    },
    end() {
      if (pending !== undefined) draw(pending);
      if (shown) stream.write('\n');
      shown = false;
    },
  };
}
