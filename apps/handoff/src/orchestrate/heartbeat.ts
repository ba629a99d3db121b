import { PROGRESS_EVERY_MS } from '../constants.js';
import type { TracePrinter } from '../trace/trace-printer.js';

/** What a run is waiting for, said on a line of its own when nothing else was printed for a while. */
export interface Heartbeat {
  /** Names what the run waits for from now on. */
  stage(what: string): void;
  /** What it waits for now (for a timeout's message). */
  readonly current: string;
  stop(): void;
}

/**
 * In text mode, a line saying what the run waits for whenever nothing was printed for
 * `PROGRESS_EVERY_MS` and a second: a long wait (10,000 connections opening, a move) is never silent.
 * In JSON mode nothing (the processes' own progress events are there).
 */
export function startHeartbeat(printer: TracePrinter): Heartbeat {
  let current = 'the run to start';
  let since = Date.now();
  const timer = printer.json
    ? undefined
    : setInterval(() => {
        if (Date.now() - printer.lastPrintAt < PROGRESS_EVERY_MS + 1_000) return;
        printer.app.info(`waiting for ${current} (${Math.round((Date.now() - since) / 1000)} s)`);
      }, 1_000);
  timer?.unref();
  return {
    stage(what) {
      current = what;
      since = Date.now();
    },
    get current() {
      return current;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
