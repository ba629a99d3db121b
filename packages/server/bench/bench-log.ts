/**
 * The benchmark's progress output: a line per step, and while a step waits, a line every
 * `PROGRESS_EVERY_MS` saying where it is (`ticker`).
 */
const PROGRESS_EVERY_MS = 3_000;
const started = performance.now();

/** Prints one progress line, with the seconds since the benchmark started. */
export function log(line: string): void {
  console.log(`[server.bench +${((performance.now() - started) / 1000).toFixed(1)} s] ${line}`);
}

/** Prints `describe()` every few seconds until the returned function is called. */
export function ticker(describe: () => string): () => void {
  const timer = setInterval(() => log(describe()), PROGRESS_EVERY_MS);
  return () => clearInterval(timer);
}

/** `n` with thousands separators (`n/a` when it is not a number: a window too short to measure). */
export function count(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a';
}
