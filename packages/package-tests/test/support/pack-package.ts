import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeResult, runCommand } from './run-command.js';
import { pnpmCommand } from './pnpm-command.js';
import type { PublicPackage } from './workspace.js';

/** A package packed the way `pnpm publish` packs it. */
export interface PackedPackage {
  readonly name: string;
  readonly version: string;
  /** Absolute path of the `.tgz`. */
  readonly tarball: string;
  /** Paths inside the tarball, without the leading `package/`, sorted. */
  readonly files: readonly string[];
}

/**
 * Packs one workspace package with `pnpm pack` (which rewrites `workspace:` ranges exactly as
 * `pnpm publish` does) into `destination`, then lists the tarball itself with `tar`, so the file
 * list is what users download rather than what a packer reports.
 */
export async function packPackage(pkg: PublicPackage, destination: string): Promise<PackedPackage> {
  const [command, ...prefix] = await pnpmCommand();
  const before = new Set(await readdir(destination));
  const packed = await runCommand(command, [...prefix, 'pack', '--pack-destination', destination], {
    cwd: pkg.dir,
    timeoutMs: 120_000,
  });
  if (packed.code !== 0) throw new Error(`pnpm pack failed for ${pkg.name}: ${describeResult(packed)}`);
  const created = (await readdir(destination)).filter((file) => file.endsWith('.tgz') && !before.has(file));
  if (created.length !== 1 || created[0] === undefined) {
    throw new Error(`pnpm pack for ${pkg.name} made ${created.length} tarballs: ${created.join(', ')}`);
  }
  const tarball = join(destination, created[0]);
  const listed = await runCommand('tar', ['-tzf', tarball], { cwd: destination, timeoutMs: 30_000 });
  if (listed.code !== 0) throw new Error(`tar -tzf failed for ${tarball}: ${describeResult(listed)}`);
  const files = listed.stdout
    .split('\n')
    .filter((line) => line.length > 0 && !line.endsWith('/'))
    .map((line) => line.replace(/^package\//, ''))
    .sort();
  return { name: pkg.name, version: pkg.manifest.version, tarball, files };
}
