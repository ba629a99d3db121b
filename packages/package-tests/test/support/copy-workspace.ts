import { cp, readdir, rename, symlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { workspaceRoot } from './workspace.js';

/**
 * Copies the workspace (sources, built dist/ and prebuilds, .git, turbo's cache) to `destination`,
 * so that a test can run `changeset version` and `pnpm release` without touching the real tree's
 * versions, CHANGELOGs, changesets or git tags. The root node_modules is linked, not copied: the
 * packages' own node_modules are pnpm's relative links into it, which resolve the same way.
 */
export async function copyWorkspace(destination: string): Promise<void> {
  await cp(workspaceRoot, destination, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (source) => {
      const rel = relative(workspaceRoot, source);
      return rel !== 'node_modules' && !rel.endsWith('.tgz') && !rel.split(sep).includes('results');
    },
  });
  await symlink(join(workspaceRoot, 'node_modules'), join(destination, 'node_modules'), 'dir');
}

/** Moves every pending changeset of the workspace at `root` into `holding` (to test a release without one). */
export async function holdChangesets(root: string, holding: string): Promise<string[]> {
  const dir = join(root, '.changeset');
  const pending = (await readdir(dir)).filter((file) => file.endsWith('.md') && file !== 'README.md');
  for (const file of pending) await rename(join(dir, file), join(holding, file));
  return pending;
}

/** Puts back what {@link holdChangesets} moved. */
export async function restoreChangesets(root: string, holding: string, files: readonly string[]): Promise<void> {
  for (const file of files) await rename(join(holding, file), join(root, '.changeset', file));
}
