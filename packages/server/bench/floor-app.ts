/**
 * The floor of a move, with no sanshare underneath: what Node and the package's adapters cost per
 * connection when nothing crosses a process boundary. One process serves the bench application
 * (`old`) to its clients; on `{ cmd: 'floor' }` it takes every live connection out of it exactly as an
 * old process does (freeze at the safe point, detach from its server, `detachNetSocket`: read-ahead
 * out, descriptor duplicated, Node's socket destroyed), then puts each into a second copy of the
 * application (`successor`) exactly as a successor does (`toNetSocket` with the read-ahead, the
 * adapter's adopt: Node's HTTP connection, ws's WebSocket). The provider, the switch, the transport,
 * the kernel's descriptor passing and the claims are left out: the difference between these numbers
 * and the restart's is what those IPC layers cost. Each side's CPU time is measured on its own, cold (the
 * first time this process runs that code, as in a restart) and then warm (the same connections
 * moved back and forth once more). JSON lines on stdout: `ready`, then the answer to `floor`.
 */
import { createInterface } from 'node:readline';
import type { WebSocket } from 'ws';
import { detachNetSocket, toNetSocket } from '@sanshare/transport-uds';
import { createBenchApp, type BenchApp, type WsNumbering } from './bench-app.js';
import { cpuMs } from './bench-clock.js';
import { createHttpAdapter, createWsAdapter, prepareServer, type ConnectionAdapter } from './server-under-test.js';

const say = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ pid: process.pid, ...event })}\n`);

/** One copy of the application with its two adapters (http first: a WebSocket is an upgraded HTTP connection). */
interface Side {
  readonly app: BenchApp;
  readonly adapters: readonly ConnectionAdapter<unknown>[];
}

function side(): Side {
  const app = createBenchApp();
  prepareServer(app.server);
  const ws = createWsAdapter<WebSocket>(app.wss, {
    serializeState: (w) => Buffer.from(JSON.stringify(app.numbering.get(w) ?? { inNext: 0, outNext: 0 })),
    restoreState: (w, bytes) => void app.numbering.set(w, JSON.parse(Buffer.from(bytes).toString()) as WsNumbering),
    movedOut: (w) => void app.numbering.delete(w),
  });
  return { app, adapters: [createHttpAdapter(app.server) as ConnectionAdapter<unknown>, ws as ConnectionAdapter<unknown>] };
}

/** A connection taken out of `from`, ready to be adopted. */
interface Taken {
  readonly kind: number;
  readonly fd: number;
  readonly readAhead: Uint8Array;
  readonly state: Uint8Array;
}

/** Takes every live connection out of `from` as an old process does; its CPU and wall time. */
async function takeAll(from: Side): Promise<{ taken: Taken[]; cpuMs: number; wallMs: number; unmovable: number }> {
  const signal = new AbortController().signal;
  const taken: Taken[] = [];
  let unmovable = 0;
  const cpu = cpuMs();
  const start = performance.now();
  for (let kind = 0; kind < from.adapters.length; kind++) {
    const adapter = from.adapters[kind] as ConnectionAdapter<unknown>;
    // Frozen all at once (each waits for its own safe point), as the restarter's engine does.
    const conns = [...adapter.connections()];
    const results = await Promise.all(conns.map((conn) => adapter.freeze(conn, signal)));
    conns.forEach((conn, at) => {
      if (!(results[at] as { frozen: boolean }).frozen) {
        unmovable++;
        return;
      }
      const { socket, state } = adapter.detach(conn);
      const { fd, readAhead } = detachNetSocket(socket);
      taken.push({ kind, fd, readAhead, state });
    });
  }
  return { taken, cpuMs: cpuMs() - cpu, wallMs: performance.now() - start, unmovable };
}

/** Adopts every taken connection into `into` as a successor does; its CPU and wall time. */
function adoptAll(taken: readonly Taken[], into: Side): { cpuMs: number; wallMs: number } {
  const cpu = cpuMs();
  const start = performance.now();
  for (const t of taken) {
    const socket = toNetSocket(t.fd, { readAhead: t.readAhead });
    (into.adapters[t.kind] as ConnectionAdapter<unknown>).adopt(socket, t.state);
  }
  return { cpuMs: cpuMs() - cpu, wallMs: performance.now() - start };
}

/** Live connections of a side, counted. */
const live = (s: Side): number => s.adapters.reduce((n, a) => n + [...a.connections()].length, 0);

const old = side();
const successor = side();
old.app.server.listen(0, '127.0.0.1');
await new Promise((resolve) => old.app.server.once('listening', resolve));
const { port } = old.app.server.address() as { port: number };
say({ ev: 'ready', generation: 1, port });
// SIGTERM ends it cleanly (a CPU profile, with --cpu-prof, is written at exit).
process.once('SIGTERM', () => process.exit(0));

/** One pass from `from` to `into`: the numbers per connection, and whether every connection landed. */
async function pass(from: Side, into: Side): Promise<Record<string, number>> {
  const before = live(from);
  const out = await takeAll(from);
  // What arrives meanwhile (the steady connector's connects) is not part of the pass.
  await new Promise((resolve) => setImmediate(resolve));
  const inBefore = live(into);
  const adopted = adoptAll(out.taken, into);
  const n = out.taken.length;
  return {
    connections: n,
    liveBefore: before,
    unmovable: out.unmovable,
    landed: live(into) - inBefore,
    oldCpuUsPerConnection: (out.cpuMs * 1000) / n,
    successorCpuUsPerConnection: (adopted.cpuMs * 1000) / n,
    oldWallMs: out.wallMs,
    successorWallMs: adopted.wallMs,
  };
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as { id: number; cmd: string };
  if (command.cmd !== 'floor') return;
  void (async () => {
    try {
      const cold = await pass(old, successor);
      // The cold pass's socket closes (callbacks of the next turns) end first: the warm pass is measured alone.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const warm = await pass(successor, old);
      say({ id: command.id, ev: 'floor', cold, warm });
    } catch (error) {
      say({ id: command.id, ev: 'floor', error: String((error as Error).stack ?? error) });
    }
  })();
});
