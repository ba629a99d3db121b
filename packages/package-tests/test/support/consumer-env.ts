/**
 * The environment of a user's shell: this test's environment without what pnpm and vitest add
 * (`npm_config_*`, `npm_package_*`, `PNPM_*`, `VITEST*`, `NODE_OPTIONS`), which would otherwise leak
 * the workspace's settings into a "fresh" project. `overrides` are applied last.
 */
export function consumerEnv(overrides: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|vitest|node_options$|node_path$|turbo_|init_cwd$)/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...overrides };
}
