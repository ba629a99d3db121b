import { runCommand } from './run-command.js';
import { PNPM, workspaceRoot } from './workspace.js';

let resolved: Promise<readonly [string, ...string[]]> | undefined;

/**
 * The pnpm of the README (`npx -y pnpm@10.34.9`) as a direct path to its binary in npx's cache:
 * the same pnpm, without npx's start-up on each of the many calls a test makes. Falls back to the
 * npx form when the path cannot be found.
 */
export function pnpmCommand(): Promise<readonly [string, ...string[]]> {
  resolved ??= (async () => {
    const version = PNPM[PNPM.length - 1] ?? '';
    const found = await runCommand('npx', ['-y', '-p', version, 'sh', '-c', 'command -v pnpm'], {
      cwd: workspaceRoot,
      timeoutMs: 120_000,
    });
    const path = found.stdout.trim();
    return found.code === 0 && path.startsWith('/') ? ([path] as const) : PNPM;
  })();
  return resolved;
}
