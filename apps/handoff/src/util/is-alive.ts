import { readFileSync } from 'node:fs';

/** Whether process `pid` exists and is not a zombie (an exited process not yet reaped). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat is "pid (comm) S ...": the state letter follows the last ')'.
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    return text.slice(close + 2, close + 3) !== 'Z';
  } catch {
    return false;
  }
}
