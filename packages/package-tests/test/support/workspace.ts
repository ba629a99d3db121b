import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The monorepo root (this file is `packages/package-tests/test/support/workspace.ts`). */
export const workspaceRoot = resolve(import.meta.dirname, '../../../..');

/** The pnpm that the README and `.ci/run` use; npx fetches it once and caches it. */
export const PNPM: readonly [string, ...string[]] = ['npx', '-y', 'pnpm@10.34.9'];

/** The parts of a package.json these checks read. */
export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly files?: readonly string[];
  readonly scripts?: Readonly<Record<string, string>>;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly license?: string;
  readonly engines?: Readonly<Record<string, string>>;
  readonly repository?: unknown;
}

/** A workspace package that is published to npm. */
export interface PublicPackage {
  readonly name: string;
  readonly dir: string;
  readonly manifest: Manifest;
}

/** Reads a package.json. */
export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

/**
 * Every non-private package under `packages/` of the workspace at `root`, leaves first (so that a
 * package comes after the workspace packages it depends on).
 */
export function listPublicPackages(root: string = workspaceRoot): PublicPackage[] {
  const packagesDir = join(root, 'packages');
  const found = readdirSync(packagesDir)
    .map((entry) => join(packagesDir, entry))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: readManifest(dir) }))
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ dir, manifest }) => ({ name: manifest.name, dir, manifest }));
  const byName = new Map(found.map((pkg) => [pkg.name, pkg]));
  const ordered: PublicPackage[] = [];
  const visit = (pkg: PublicPackage): void => {
    if (ordered.includes(pkg)) return;
    for (const dep of Object.keys(pkg.manifest.dependencies ?? {})) {
      const inner = byName.get(dep);
      if (inner) visit(inner);
    }
    ordered.push(pkg);
  };
  [...found].sort((a, b) => a.name.localeCompare(b.name)).forEach(visit);
  return ordered;
}
