import { existsSync } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { execFileSync } from 'node:child_process';

/** What node-gyp would need to build the addon from source; none may be reachable. */
export const BUILD_TOOLS = ['cc', 'gcc', 'g++', 'c++', 'clang', 'make', 'python3', 'python'] as const;

/**
 * Makes a bin directory holding only `node`, `npm` and `sh` (npm runs install scripts with sh), to
 * be used as the whole `PATH` of an `npm install`: a user's machine without a compiler, make or
 * python. Returns the directory.
 */
export async function makeToolFreePath(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const npm = execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();
  await symlink(process.execPath, join(dir, 'node'));
  await symlink(npm, join(dir, 'npm'));
  await symlink('/bin/sh', join(dir, 'sh'));
  return dir;
}

/** The build tools reachable on `path` (to assert that there are none). */
export function reachableBuildTools(path: string): string[] {
  return BUILD_TOOLS.filter((tool) => path.split(delimiter).some((dir) => existsSync(join(dir, tool))));
}
