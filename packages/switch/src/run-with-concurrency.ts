/**
 * Runs `run` on each of `tasks`, at most `limit` at once, starting them in order; resolves when all
 * have ended. `run` must not reject (each task records its own outcome): a rejection would leave the
 * others running unseen.
 */
export async function runWithConcurrency<T>(tasks: readonly T[], limit: number, run: (task: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++] as T;
      await run(task);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}
