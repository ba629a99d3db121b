/** Prints one progress line (see {@link progress}). */
export type Say = (phase: string) => void;

/** How often {@link heartbeat} says that a long step is still running: under a minute of silence. */
export const HEARTBEAT_MS = 30_000;

/**
 * A progress line printer for a long test file: `progress('pack')('installing the tarballs')` prints
 * `[pack +12s] installing the tarballs`, so that a run of several minutes is never a minute of silence.
 * It writes straight to stdout (vitest passes it through as it comes, without a header per line);
 * the lines are plain text, no colour.
 */
export function progress(name: string): Say {
  const started = Date.now();
  return (phase) => {
    const seconds = Math.round((Date.now() - started) / 1000);
    process.stdout.write(`[${name} +${seconds}s] ${phase}\n`);
  };
}

/**
 * Says `<what> still running` every {@link HEARTBEAT_MS} until the returned function is called: for
 * one step that may itself be quiet for minutes (a release that builds every package). The timer is
 * unref'd, so a forgotten heartbeat never keeps the process alive.
 */
export function heartbeat(say: Say, what: string, everyMs: number = HEARTBEAT_MS): () => void {
  const started = Date.now();
  const timer = setInterval(() => say(`  ${what} still running (${Math.round((Date.now() - started) / 1000)}s)`), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
