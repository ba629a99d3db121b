import { describe, expect, it } from 'vitest';
import { runWithConcurrency } from './run-with-concurrency.js';

describe('runWithConcurrency', () => {
  it('should start tasks in order, never more than the limit at once, and end when all have', async () => {
    const started: number[] = [];
    const release = new Map<number, () => void>();
    let running = 0;
    let most = 0;
    const done = runWithConcurrency([0, 1, 2, 3, 4, 5, 6], 3, async (task) => {
      started.push(task);
      running++;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => release.set(task, resolve));
      running--;
    });
    expect(started).toEqual([0, 1, 2]);
    // Ending one task starts the next one in line.
    release.get(1)?.();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2, 3]);
    for (let task = 0; task < 7; task++) {
      release.get(task)?.();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await done;
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(most).toBe(3);
  });

  it('should resolve at once for no tasks', async () => {
    await expect(runWithConcurrency([], 32, async () => {})).resolves.toBeUndefined();
  });
});
