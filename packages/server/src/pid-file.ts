/**
 * The pid file: written by each generation once it is ready, atomically (a temporary file renamed
 * over the old one), so that a reader sees either the old pid or the new one, never a torn write.
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { ServerError, firstLine } from './errors.js';

/** Writes `pid` to `path` (temporary file + rename); throws `ERR_INVALID_ARGUMENT` when it cannot. */
export function writePidFile(path: string, pid: number = process.pid): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, `${pid}\n`, { mode: 0o644 });
    renameSync(temporary, path);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // Never written, or already renamed.
    }
    throw new ServerError('ERR_INVALID_ARGUMENT', `cannot write the pid file ${path}: ${firstLine(error)}; check that its directory exists and is writable`, { cause: error });
  }
}

/** Removes `path` if it still names `pid` (a successor's pid stays); never throws. */
export function removePidFile(path: string, pid: number = process.pid): void {
  try {
    if (readFileSync(path, 'utf8').trim() === String(pid)) unlinkSync(path);
  } catch {
    // Gone already, or not ours to remove.
  }
}
