/**
 * Waits until `condition` holds, looking again every `intervalMs`, at most `attempts` times (then it
 * returns and the test's own assertion says what is wrong). It waits for a state: it measures no time.
 */
export async function waitUntil(condition: () => boolean, { attempts = 1000, intervalMs = 10 } = {}): Promise<void> {
  for (let i = 0; i < attempts && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, intervalMs));
}
