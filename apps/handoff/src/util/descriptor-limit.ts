import { readFileSync } from 'node:fs';

/**
 * This process's limit on open descriptors (`RLIMIT_NOFILE`), soft and hard, from `/proc/self/limits`.
 * Node raises the soft limit to the hard one when it starts (its PlatformInit), so each process of the
 * app already has all it may have: the soft limit is what to check a process's share of the load against.
 */
export function descriptorLimit(): { soft: number; hard: number } {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const [soft, hard] = (line ?? '').split(/\s{2,}/).slice(1, 3).map((v) => (v === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(v)));
  if (soft === undefined || hard === undefined || !Number.isFinite(soft) || !Number.isFinite(hard)) {
    throw new Error(`cannot read this process's open-file limit from /proc/self/limits (got ${JSON.stringify(line)})`);
  }
  return { soft, hard };
}

/**
 * Checks that this process may open `needed` descriptors (its share of the connections and a margin)
 * before it opens any: a run that would hit the limit half-way fails at the start instead, saying so.
 *
 * @throws Error naming the limit, the need, and what to do.
 */
export function ensureDescriptors(needed: number, what: string): { soft: number; hard: number } {
  const limit = descriptorLimit();
  if (limit.soft < needed) {
    throw new Error(
      `${what} needs about ${needed} descriptors but this process may open only ${limit.soft} (RLIMIT_NOFILE, hard limit ${limit.hard}); ask for fewer connections, or raise the hard limit (ulimit -Hn) before running the app`,
    );
  }
  return limit;
}
