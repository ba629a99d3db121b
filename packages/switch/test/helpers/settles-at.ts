import type { Agent } from './agent.js';

/** How long a leak check waits for the descriptors of finished hand-offs to close (bounded polling). */
export const SETTLE_MS = 15_000;

/**
 * Polls `agent`'s count `op` ('heldFds', 'tcpFds') until it is `expected` or `SETTLE_MS` pass (a
 * provider closes a finished hand-off's connection when the target's answer comes); returns the last.
 */
export async function settlesAt(agent: Agent, op: string, expected: number): Promise<number> {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const count = await agent.call<number>(op);
    if (count === expected || Date.now() > deadline) return count;
    await new Promise<void>((resolve) => setTimeout(resolve, 50));
  }
}
