import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpLoadClient } from './adapters/helpers/http-load.js';
import { WsLoadClient } from './adapters/helpers/ws-load.js';
import { isAlive, ServerProcess, until, type FixtureEvent } from './support/server-process.js';

const APP = fileURLToPath(new URL('./fixtures/app-server.ts', import.meta.url));
const RESTARTS = 3;
const say = (line: string): void => void process.stderr.write(`[restart-apps] ${line}\n`);

describe('createRestarter with an http.Server and a ws server', () => {
  let dir: string;
  const servers: ServerProcess[] = [];
  const stops: (() => Promise<void> | void)[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-apps-'));
  });

  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    for (const s of servers.splice(0)) s.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const isReady = (generation: number) => (e: FixtureEvent) => e.ev === 'ready' && e['generation'] === generation;

  /** Starts generation 1, runs `load` (which gets the port), restarts RESTARTS times with a new version each, checking each handover; returns the pids. */
  async function restartUnderLoad(load: (port: number) => { servedBy: (pid: number) => boolean }): Promise<{ server: ServerProcess; pids: number[] }> {
    writeFileSync(join(dir, 'version'), 'v1');
    const server = new ServerProcess(APP, { RUNTIME_DIR: join(dir, 'run'), VERSION_FILE: join(dir, 'version'), PROBE: '1' });
    servers.push(server);
    const first = await server.waitFor('generation 1 ready', isReady(1));
    const clients = load(first['port'] as number);
    await until('the clients are served by generation 1', () => clients.servedBy(first.pid));
    const pids = [first.pid];
    for (let generation = 2; generation <= RESTARTS + 1; generation++) {
      writeFileSync(join(dir, 'version'), `v${generation}`);
      const old = pids.at(-1) as number;
      const from = server.events.length;
      process.kill(old, 'SIGHUP');
      const upgraded = await server.waitFor(`restart to generation ${generation}`, (e) => e.ev === 'upgraded' && e.pid === old, 60_000, from);
      const next = await server.waitFor(`generation ${generation} ready`, isReady(generation), 60_000, from);
      const report = upgraded['report'] as { moved: number; refused: number; unserved: number; fallback: number; connects: { attempted: number; refused: number; worstLatencyMs: number }; timings: Record<string, number> };
      say(`generation ${generation}: moved ${report.moved} in ${report.timings['moving']} ms, probe ${JSON.stringify(report.connects)}`);
      expect(upgraded['errors']).toEqual([]);
      expect(report).toMatchObject({ refused: 0, unserved: 0, fallback: 0 });
      // No connect was refused while the listener changed hands.
      expect(report.connects.refused).toBe(0);
      expect(report.connects.attempted).toBeGreaterThan(0);
      pids.push(next.pid);
      await until(`the clients are served by generation ${generation}`, () => clients.servedBy(next.pid), 30_000);
      await until(`pid ${old} exited`, () => !isAlive(old));
    }
    return { server, pids };
  }

  it('should restart an http.Server three times under keep-alive load (undici, pipelining 1 and 4): one connection per client, every request answered, by each new pid', async () => {
    const clients: HttpLoadClient[] = [];
    stops.push(async () => void (await Promise.all(clients.map((c) => c.stop()))));
    const { pids } = await restartUnderLoad((port) => {
      for (let i = 0; i < 40; i++) clients.push(new HttpLoadClient(`http://127.0.0.1:${port}`, i % 2 === 0 ? 1 : 4, i));
      for (const c of clients) c.run();
      return { servedBy: (pid) => clients.every((c) => c.served(pid) >= 2) };
    });
    await Promise.all(clients.map((c) => c.stop()));
    for (const c of clients) {
      expect(c.failures).toEqual([]);
      expect(c.connects).toBe(1);
      expect(c.closeHeaders).toBe(0);
      for (const pid of pids) expect(c.served(pid)).toBeGreaterThan(0);
    }
  });

  it('should restart a ws server three times while clients stream numbered messages both ways: no close, every message once and in order', async () => {
    const clients: WsLoadClient[] = [];
    stops.push(() => {
      for (const c of clients) c.close();
    });
    const { server, pids } = await restartUnderLoad((port) => {
      for (let i = 0; i < 40; i++) clients.push(new WsLoadClient(`ws://127.0.0.1:${port}/chat?room=${i % 3}`, `c${i}`));
      for (const c of clients) c.run();
      return { servedBy: (pid) => clients.every((c) => c.served(pid) >= 5) };
    });
    await Promise.all(clients.map((c) => c.stop()));
    await until('every message sent was answered', () => clients.every((c) => c.echoedBy.length === c.sent));
    const last = pids.at(-1) as number;
    const from = server.events.length;
    process.kill(last, 'SIGUSR2');
    const seen = await server.waitFor('the last generation reports its errors', (e) => e.ev === 'errors' && e.pid === last, 10_000, from);
    expect(seen['errors']).toEqual([]);
    for (const c of clients) {
      expect(c.failures).toEqual([]);
      expect(c.closeCode).toBeUndefined();
      expect(c.opens).toBe(1);
      for (const pid of pids) expect(c.served(pid)).toBeGreaterThan(0);
    }
  });
});
