/**
 * The floor scenario (floor-app.ts): the same application and clients as the restart (idle), every
 * connection taken out of one server and adopted by another inside one process, with no provider,
 * switch, transport or descriptor passing in between. Its per-connection CPU is what Node and the
 * adapters alone cost each side of a move; what a restart costs beyond it is those IPC layers'.
 */
import { fileURLToPath } from 'node:url';
import { BenchProcess } from './bench-process.js';
import { count, log } from './bench-log.js';
import { startLoad, steady, type LoadSettings } from './run-load.js';

const APP = fileURLToPath(new URL('./floor-app.ts', import.meta.url));

/** One pass of the floor: every connection from one copy of the application to the other. */
export interface FloorPass {
  readonly connections: number;
  /** Connections that could not be frozen (must be 0: the clients are idle between requests). */
  readonly unmovable: number;
  /** Connections the receiving copy held afterwards, beyond those it had (must equal `connections`). */
  readonly landed: number;
  /** CPU per connection of taking it out (freeze, detach, read-ahead, dup, Node's socket destroyed), in µs. */
  readonly oldCpuUsPerConnection: number;
  /** CPU per connection of adopting it (net.Socket over the descriptor, the HTTP connection or WebSocket), in µs. */
  readonly successorCpuUsPerConnection: number;
  readonly oldWallMs: number;
  readonly successorWallMs: number;
}

/** What the floor measured: the first pass (cold code, as in a restart) and the pass back (warm). */
export interface FloorResult {
  readonly connections: number;
  readonly cold: FloorPass;
  readonly warm: FloorPass;
  /**
   * The most connections per second a move could reach if the IPC layers cost nothing: one connection per
   * the slower side's cold CPU time (the two sides run in two processes), before any serving.
   */
  readonly ceilingPerSecond: number;
}

/**
 * Clients' pause in the floor: each client is answered once, then stays idle, so that no serving is
 * counted in the passes (the restart's own figure to compare, `netCpuMsPerMove`, is net of serving).
 */
const IDLE_INTERVAL_MS = 3_600_000;

/** Runs the floor with the restart's connections and clients, idle. */
export async function runNodeFloor(loadSettings: LoadSettings, serverOpenFiles: number): Promise<FloorResult> {
  const settings = { ...loadSettings, intervalMs: IDLE_INTERVAL_MS };
  const label = `floor ${count(settings.connections)}`;
  // BENCH_SERVER_NODE_ARGS (say --cpu-prof --cpu-prof-dir=<dir>) applies here too.
  const nodeArgs = (process.env['BENCH_SERVER_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const server = new BenchProcess(`${label} server`, APP, { openFiles: serverOpenFiles, nodeArgs });
  let load: Awaited<ReturnType<typeof startLoad>> | undefined;
  try {
    const ready = await server.waitFor('the server to listen', (e) => e.ev === 'ready', settings.timeoutMs);
    load = await startLoad(label, Number(ready['port']), settings, { reconnect: false });
    await steady(settings);
    log(`${label}: taking every connection out of one server and into another, in one process`);
    const answer = await server.request({ cmd: 'floor' }, settings.timeoutMs);
    if (typeof answer['error'] === 'string') throw new Error(`${label}: ${answer['error']}`);
    const cold = answer['cold'] as FloorPass;
    const warm = answer['warm'] as FloorPass;
    for (const [name, p] of [['cold', cold], ['warm', warm]] as const) {
      if (p.unmovable > 0 || p.landed !== p.connections) throw new Error(`${label}: the ${name} pass moved ${p.landed} of ${p.connections} connections (${p.unmovable} could not be frozen)`);
    }
    await load.stop();
    return { connections: cold.connections, cold, warm, ceilingPerSecond: 1e6 / Math.max(cold.oldCpuUsPerConnection, cold.successorCpuUsPerConnection) };
  } finally {
    load?.kill();
    if (nodeArgs.length > 0) {
      // Let it exit by itself (a CPU profile is written at exit); killed below whatever happens.
      server.signal('SIGTERM');
      await server.silence(10_000);
    }
    server.kill();
  }
}
