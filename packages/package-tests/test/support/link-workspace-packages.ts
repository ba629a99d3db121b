import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { listPublicPackages, workspaceRoot } from './workspace.js';

/**
 * Makes `dir/node_modules/@sanshare/<name>` a link to each public workspace package, so that code in
 * `dir` (outside the workspace) imports `@sanshare/*` as a user would: through each package's exports
 * map, getting its built `dist/`. The packages' own dependencies resolve from their real location in
 * the workspace (Node and TypeScript follow the link). Private packages are not linked: users cannot
 * install them. Returns the linked names.
 */
export async function linkWorkspacePackages(dir: string, root: string = workspaceRoot): Promise<string[]> {
  const linked: string[] = [];
  for (const pkg of listPublicPackages(root)) {
    const link = join(dir, 'node_modules', ...pkg.name.split('/'));
    await mkdir(join(link, '..'), { recursive: true });
    await symlink(pkg.dir, link, 'dir');
    linked.push(pkg.name);
  }
  return linked;
}
