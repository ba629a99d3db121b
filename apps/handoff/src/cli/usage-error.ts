/**
 * Thrown when the command line is wrong: an unknown command or option, a missing or malformed value,
 * a number out of its bounds. The message says what is wrong in the app's words; `main` prints it on
 * one line followed by "; see --help", and exits with code 2.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError' as const;
  readonly code = 'ERR_USAGE' as const;
}

/** True when `value` is a `UsageError` (by name and code, not `instanceof`). */
export function isUsageError(value: unknown): value is UsageError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { name?: unknown; code?: unknown };
  return candidate.name === 'UsageError' && candidate.code === 'ERR_USAGE';
}
