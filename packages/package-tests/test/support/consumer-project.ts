import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { consumerEnv } from './consumer-env.js';
import { runCommand, type CommandResult } from './run-command.js';

/** Options of {@link createConsumerProject}. */
export interface ConsumerProjectOptions {
  /** `dependencies` of the project's package.json (name to version or `file:` tarball). */
  readonly dependencies?: Readonly<Record<string, string>>;
  /** npm `overrides`, e.g. to pin every `@sanshare/*` to a local tarball. */
  readonly overrides?: Readonly<Record<string, string>>;
  /** Lines of the project's own `.npmrc` (e.g. `registry=...`). */
  readonly npmrc?: readonly string[];
}

/**
 * Writes a user's brand-new project (package.json, optional .npmrc) in `dir`, which must lie
 * outside the workspace so that nothing resolves up into the monorepo's node_modules.
 */
export async function createConsumerProject(dir: string, options: ConsumerProjectOptions = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  const manifest = {
    name: 'sanshare-consumer',
    version: '1.0.0',
    private: true,
    ...(options.dependencies ? { dependencies: options.dependencies } : {}),
    ...(options.overrides ? { overrides: options.overrides } : {}),
  };
  await writeFile(join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  if (options.npmrc) await writeFile(join(dir, '.npmrc'), options.npmrc.join('\n') + '\n');
}

/** Runs plain `npm <args>` in a consumer project with a user's environment (plus `env`). */
export function npmIn(
  dir: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<CommandResult> {
  return runCommand('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    env: consumerEnv(env),
    timeoutMs: 180_000,
  });
}

/** Runs `node <args>` in a consumer project with a user's environment. */
export function nodeIn(dir: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CommandResult> {
  return runCommand(process.execPath, args, { cwd: dir, env: consumerEnv(env), timeoutMs: 60_000 });
}
