import { afterEach, describe, expect, it } from 'vitest';
import { childPids, isAlive, killRunningApps, resultOf, runApp, verdictsOf, type AppRun } from './run-app.js';

function report(run: AppRun): string {
  const data = { ...resultOf(run)?.data };
  delete data['verdicts'];
  return `${JSON.stringify(data)}\n${Object.entries(verdictsOf(run)).map(([name, v]) => `${v.ok ? 'OK' : 'NO'} ${name}: ${v.detail}`).join('\n')}\n${run.stderr}`;
}

describe('sanshare-handoff workers', () => {
  afterEach(killRunningApps);

  it.each(['http', 'ws', 'tcp'] as const)(
    'should drain one worker of a %s pool while its clients stream: its connections move to the others and no client notices',
    async (protocol) => {
      const run = await runApp(['workers', '--protocol', protocol, '--clients', '300', '--workers', '3', '--json'], { boundMs: 90_000 });
      const data = resultOf(run)?.data ?? {};
      expect(data, report(run)).toMatchObject({ ok: true, exitCode: 0, protocol, clients: 300, workers: 3, reconnects: 0, clientFailures: 0 });
      expect(data['connectionsOnDrained'], report(run)).toBeGreaterThan(0);
      expect(data['moved']).toBe(data['connectionsOnDrained']);
      const drained = data['drainedWorker'] as { id: number; pid: number };
      // Answers say which worker wrote them (not a raw echo's): none of the drained worker's after the drain.
      if (protocol !== 'tcp') {
        expect((data['byPidBefore'] as Record<string, number>)[drained.pid]).toBe(data['connectionsOnDrained']);
        expect(Object.keys(data['byPidAfter'] as Record<string, number>)).not.toContain(String(drained.pid));
      }
      // Three workers served, each in its own process, started by the controller.
      const workers = new Set(run.events.filter((e) => e.role === 'worker').map((e) => e.pid));
      expect(workers.size).toBe(3);
      expect(workers).toContain(drained.pid);
      for (const [name, verdict] of Object.entries(verdictsOf(run))) expect(verdict.ok, `${name}: ${verdict.detail}`).toBe(true);
      for (const pid of childPids(run)) expect(isAlive(pid)).toBe(false);
    },
    120_000,
  );
});
