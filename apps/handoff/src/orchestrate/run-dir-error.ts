/**
 * Thrown when the app cannot create its run's temp dir (`TMPDIR` unwritable, missing, read-only or
 * full). The message says which directory, why, and what to do; `main` prints it on one line and, with
 * `--json`, still writes the run's result line.
 */
export class RunDirError extends Error {
  override readonly name = 'RunDirError' as const;
  readonly code = 'ERR_RUN_DIR' as const;
}

/** True when `value` is a `RunDirError` (by name and code, not `instanceof`). */
export function isRunDirError(value: unknown): value is RunDirError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { name?: unknown; code?: unknown };
  return candidate.name === 'RunDirError' && candidate.code === 'ERR_RUN_DIR';
}

const WHY: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'it does not exist',
  ENOTDIR: 'it is not a directory',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
};

/** The `RunDirError` for `cause`, the error of creating a temp dir in `parent`. */
export function runDirError(parent: string, cause: unknown): RunDirError {
  const code = typeof cause === 'object' && cause !== null && typeof (cause as { code?: unknown }).code === 'string' ? (cause as { code: string }).code : undefined;
  const why = code === undefined ? String(cause instanceof Error ? cause.message : cause) : `${WHY[code] ?? (cause as Error).message} (${code})`;
  const from = process.env['TMPDIR'] === undefined ? 'the default temp dir' : 'TMPDIR';
  return new RunDirError(`cannot create the run's temp dir in ${parent} (${from}): ${why}; set TMPDIR to a directory you can write to`, { cause });
}
