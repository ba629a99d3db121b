import { afterEach, describe, expect, it } from 'vitest';
import { childPids, isAlive, killRunningApps, resultOf, runApp, verdictsOf } from './run-app.js';

describe('sanshare-handoff workers', () => {
  afterEach(killRunningApps);

  it('should hand every client connection to a worker and back, and close each gracefully', async () => {
    const run = await runApp(['workers', '--clients', '12', '--workers', '3', '--json']);
    const result = resultOf(run);
    expect(result?.data, run.stdout + run.stderr).toMatchObject({ ok: true, exitCode: 0, clients: 12, workers: 3, handoffs: 24, bytesVerified: 12 * 16 * 12 });
    expect(result?.data?.handoffsPerSecond).toEqual(expect.any(Number));
    // Three worker processes served connections.
    expect(new Set(run.events.filter((e) => e.role === 'worker').map((e) => e.pid)).size).toBe(3);
    for (const verdict of Object.values(verdictsOf(run))) expect(verdict.ok, verdict.detail).toBe(true);
    for (const pid of childPids(run)) expect(isAlive(pid)).toBe(false);
  });
});

describe('sanshare-handoff restart', () => {
  afterEach(killRunningApps);

  it('should move every live connection to the successor without the clients noticing', async () => {
    const run = await runApp(['restart', '--connections', '8', '--json']);
    const result = resultOf(run);
    expect(result?.data, run.stdout + run.stderr).toMatchObject({ ok: true, exitCode: 0, connections: 8, moved: 8 });
    expect(result?.data?.moveMs).toEqual(expect.any(Number));
    const server = run.events.find((e) => e.role === 'server');
    const successor = run.events.find((e) => e.role === 'successor');
    expect(server?.pid).not.toBe(successor?.pid);
    for (const verdict of Object.values(verdictsOf(run))) expect(verdict.ok, verdict.detail).toBe(true);
    for (const pid of childPids(run)) expect(isAlive(pid)).toBe(false);
  });
});
