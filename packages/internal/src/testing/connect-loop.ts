/**
 * `workers` clients connecting back to back until `stop()`, each connect made by `connectOnce`
 * (which resolves with its outcome, never rejects): the tests that move a listener while clients
 * connect in a tight loop keep every outcome and check that none was refused or left unanswered.
 */
export function tightConnectLoop<Outcome>(connectOnce: () => Promise<Outcome>, workers: number): { outcomes: Outcome[]; stop: () => Promise<void> } {
  const outcomes: Outcome[] = [];
  let running = true;
  const loops = Array.from({ length: workers }, async () => {
    while (running) outcomes.push(await connectOnce());
  });
  return {
    outcomes,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}
