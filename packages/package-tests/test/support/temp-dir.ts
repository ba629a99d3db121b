import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Creates a fresh directory under the OS temp dir, outside the workspace (so nothing resolves up into it). */
export function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `sanshare-${prefix}-`));
}

/** Removes a directory made by {@link makeTempDir}; tolerant of a half-created one. */
export async function removeTempDir(dir: string | undefined): Promise<void> {
  if (dir === undefined) return;
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}
