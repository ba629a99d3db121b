import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * `[command, args]` that run a TypeScript script in a separate Node process (tsx's loader), so that
 * fixtures import the package's sources, not a stale build.
 */
export function tsxNode(script: string, args: string[] = []): [string, string[]] {
  const tsx = require.resolve('tsx');
  return [process.execPath, ['--import', tsx, script, ...args]];
}
