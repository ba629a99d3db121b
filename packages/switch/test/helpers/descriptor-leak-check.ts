import { expect } from 'vitest';
import type { Agent } from './agent.js';
import { settlesAt } from './settles-at.js';

/** What an agent held before a test's work: the count the leak check expects back, and what they were. */
export interface DescriptorBaseline {
  readonly count: number;
  readonly targets: readonly string[];
}

/**
 * An agent's descriptors before the test's work, taken once the agent has loaded the provider modules
 * of `catalogFile` (as its WSAStartup will).
 *
 * Why loaded first: the agents run TypeScript through tsx, whose loader transforms a file with
 * esbuild when its on-disk cache (keyed by the file's content and path) has no entry for it. The
 * first such transform in a process starts esbuild's long-lived service, a child process whose stdin
 * and stdout pipes stay open in the agent for the rest of its life: two descriptors that no WSACleanup
 * can release. When the agent's own files were cached but a provider module was not (the first run
 * after a change, a fresh CI machine, a new worktree), WSAStartup's import of the provider started
 * that service after a baseline taken before it, and the check failed with "2 more" in the source
 * (the destination, a moment later, found the transform cached). Loading the modules before the
 * baseline leaves nothing for tsx to transform afterwards, whatever the cache holds; what the switch
 * and the provider open is still all counted.
 */
export async function descriptorBaseline(agent: Agent, catalogFile: string): Promise<DescriptorBaseline> {
  await agent.call('loadProviderModules', { catalogFile });
  const targets = await agent.call<string[]>('heldFdTargets');
  return { count: targets.length, targets };
}

const byFd = (a: string, b: string): number => Number.parseInt(a, 10) - Number.parseInt(b, 10);

/**
 * Expects `agent` (called `name` in the message) to settle back at its baseline's count of held
 * descriptors (bounded polling: a provider closes a finished hand-off's connection when the target's
 * answer comes). On a mismatch the message says what it holds that it did not hold at the baseline,
 * what it held then that is gone, and both whole lists.
 */
export async function expectDescriptorsBack(agent: Agent, name: string, baseline: DescriptorBaseline): Promise<void> {
  const held = await settlesAt(agent, 'heldFds', baseline.count);
  if (held === baseline.count) return;
  const now = await agent.call<string[]>('heldFdTargets');
  const added = now.filter((t) => !baseline.targets.includes(t)).sort(byFd);
  const gone = baseline.targets.filter((t) => !now.includes(t)).sort(byFd);
  expect(
    held,
    `${name} (pid ${agent.pid}) holds ${held} descriptors, ${baseline.count} at the baseline; ` +
      `new since the baseline: [${added.join(', ')}]; gone since: [${gone.join(', ')}]; ` +
      `held now: [${[...now].sort(byFd).join(', ')}]; held at the baseline: [${[...baseline.targets].sort(byFd).join(', ')}]`,
  ).toBe(baseline.count);
}
