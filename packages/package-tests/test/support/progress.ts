/**
 * A progress line printer for a long test file: `progress('pack')('installing the tarballs')` prints
 * `[pack +12s] installing the tarballs`, so that a run of several minutes is never a minute of silence.
 * It writes straight to stdout (vitest passes it through as it comes, without a header per line);
 * the lines are plain text, no colour.
 */
export function progress(name: string): (phase: string) => void {
  const started = Date.now();
  return (phase) => {
    const seconds = Math.round((Date.now() - started) / 1000);
    process.stdout.write(`[${name} +${seconds}s] ${phase}\n`);
  };
}
