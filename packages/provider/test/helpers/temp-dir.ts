/** A private runtime directory per test, made with mkdtemp and removed afterwards. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function makeRuntimeDir(): string {
  return mkdtempSync(join(tmpdir(), 'sanshare-provider-test-'));
}

export function removeRuntimeDir(dir: string | undefined): void {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}

/** Open descriptors of a live process (`/proc/<pid>/fd`). */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}
