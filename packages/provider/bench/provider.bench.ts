/**
 * The provider's benchmark (`pnpm bench`): prints a table and writes bench/results/provider.json.
 * Measures, in one run: duplicate+import round trips per second between two processes, next to
 * Node's own child_process handle passing; bulk throughput through WSPSend/WSPRecv on an imported
 * socket next to a plain net.Socket; WSPDuplicateSocket latency with 10 and with 10,000 open
 * sockets in the process. Numbers, never assertions: the targets are in the README.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ProtocolInfo, WspProcTable } from '@sanshare/protocol-info';
import { WSPStartup } from './provider-under-test.js';
import { testCatalogEntry } from '../test/helpers/catalog.js';
import { createTestUpcalls } from '../test/helpers/test-upcalls.js';
import { fromJson, toJson } from '../test/helpers/wire-json.js';

const CHILD = fileURLToPath(new URL('./bench-child.ts', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results/provider.json', import.meta.url));
const ROUND_TRIPS = Number(process.env['BENCH_ROUND_TRIPS'] ?? 1000);
const BULK_BYTES = Number(process.env['BENCH_BULK_MIB'] ?? 128) * 1024 * 1024;
/** Bulk runs alternate plain and provider, this many times each; the median is reported (a shared machine is noisy). */
const BULK_REPEATS = Number(process.env['BENCH_BULK_REPEATS'] ?? 5);
const MANY_SOCKETS = Number(process.env['BENCH_MANY_SOCKETS'] ?? 10_000);
const LATENCY_SAMPLES = 300;
/**
 * Untimed round trips before each round-trip row: enough for V8 to optimize the code on both sides
 * (50 left sanshare's larger path partly in baseline code, so a 1,000-trip run measured warm-up).
 */
const WARMUP_TRIPS = Number(process.env['BENCH_WARMUP_TRIPS'] ?? 1000);

/** Round-trip rows take turns this many times (each time ROUND_TRIPS / ROUND_TRIP_ROUNDS trips). */
const ROUND_TRIP_ROUNDS = Number(process.env['BENCH_ROUND_TRIP_ROUNDS'] ?? 5);
/** `BENCH_ASK_NAMES=1`: both processes ask WSPGetSockName and WSPGetPeerName of every socket they import, as the switch does. */
const ASK_NAMES = process.env['BENCH_ASK_NAMES'] === '1';
/**
 * `BENCH_COMPARE_DIST=<dir>`: another build of the package (a copy of `dist/` made before a change,
 * under this package's node_modules so that its imports resolve) runs the two sanshare round trips
 * too, in a provider and an agent of its own, taking turns with this build round after round: the
 * `after / before` ratios are then medians of per-round ratios, fair on a machine whose load drifts.
 */
const COMPARE_DIST = process.env['BENCH_COMPARE_DIST'];

/** One way of doing a round trip A -> B -> A: `trip` does one, `rates` collects each round's trips/s. */
interface RoundTripWay {
  name: string;
  note: string;
  rates: number[];
  trip: () => Promise<void>;
  close: () => Promise<void>;
}

const children: ChildProcess[] = [];
/** Runtime directories made besides the main one (BENCH_COMPARE_DIST's), removed at the end. */
const extraDirs: string[] = [];

function spawnChild(args: string[], ipc = false, env: NodeJS.ProcessEnv = process.env): ChildProcess {
  // BENCH_CPU_PROF=<dir>: V8 CPU profiles of the children, to see where a hand-off's time goes.
  const profile = process.env['BENCH_CPU_PROF'];
  const flags = profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', CHILD, ...args], {
    stdio: ipc ? ['pipe', 'pipe', 'inherit', 'ipc'] : ['pipe', 'pipe', 'inherit'],
    env,
  });
  children.push(child);
  return child;
}

function lineReader(child: ChildProcess): () => Promise<unknown> {
  const lines: Interface = createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> });
  const queue: string[] = [];
  const waiters: Array<(line: string) => void> = [];
  lines.on('line', (line) => {
    const waiter = waiters.shift();
    if (waiter !== undefined) waiter(line);
    else queue.push(line);
  });
  return () =>
    new Promise<unknown>((resolve) => {
      const line = queue.shift();
      if (line !== undefined) resolve(fromJson(line));
      else waiters.push((l) => resolve(fromJson(l)));
    });
}

function header(kind: 'D' | 'U' | 'H', bytes: number): Buffer {
  const h = Buffer.alloc(9);
  h.write(kind, 0, 'latin1');
  h.writeBigUInt64BE(BigInt(bytes), 1);
  return h;
}

const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

/** The median of `a[i] / b[i]`: runs i of a and b ran back to back, under the same load. */
function medianRatio(a: number[], b: number[]): number {
  return percentile(a.map((v, i) => v / (b[i] ?? Number.NaN)).sort((x, y) => x - y), 50);
}

async function connectPlain(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sanshare-provider-bench-'));
  const rows: Array<{ name: string; value: number; unit: string; note?: string }> = [];
  try {
    const peer = spawnChild(['peer']);
    const port = ((await lineReader(peer)()) as { port: number }).port;
    const credits = process.env['BENCH_EXPORT_CREDITS'];
    let connectHeld: () => Promise<number> = async () => 0;
    let heldProcTable: WspProcTable | undefined;
    /** One WSPDuplicateSocket of `s` into this build's agent, timed (µs); the agent closes the import. */
    let measureLatency: (s: number) => Promise<number> = async () => 0;

    /**
     * The two sanshare round trips, with the provider `startup` (this build, or the one compared) in
     * this process and an agent of the same build in `runtimeDir`; `label` ends their names.
     */
    const sanshareWays = async (startup: typeof WSPStartup, runtimeDir: string, env: NodeJS.ProcessEnv, label: string): Promise<RoundTripWay[]> => {
      const agent = spawnChild(['agent', runtimeDir], false, env);
      const fromAgent = lineReader(agent);
      const agentPid = ((await fromAgent()) as { ready: number }).ready;
      const toAgent = async (message: unknown): Promise<{ back: ProtocolInfo | null }> => {
        agent.stdin?.write(`${toJson(message)}\n`);
        return (await fromAgent()) as { back: ProtocolInfo | null };
      };
      const { procTable: p, extensions } = await startup(0x0202, testCatalogEntry(), createTestUpcalls(), {
        runtimeDir,
        ...(credits === undefined ? {} : { exportCredits: Number(credits) }),
      });
      const held = async (): Promise<number> => {
        const s = await p.WSPSocket(2, 1, 6, null, 0, 0);
        await p.WSPConnect(s, { address: '127.0.0.1', port });
        await p.WSPSend(s, header('H', 0));
        return s;
      };
      if (heldProcTable === undefined) {
        // This build's provider serves the rest of the benchmark.
        heldProcTable = p;
        connectHeld = held;
        measureLatency = async (s: number): Promise<number> => {
          const start = process.hrtime.bigint();
          const info = await p.WSPDuplicateSocket(s, agentPid);
          const elapsed = seconds(start) * 1e6;
          await toAgent({ info, then: 'close', to: 0 });
          return elapsed;
        };
      }
      const x = extensions as Required<NonNullable<typeof extensions>>;
      const ways: RoundTripWay[] = [];
      // The spec's path: WSPDuplicateSocket, and the application carries the protocol info (here on
      // the agent's stdin/stdout, as JSON lines).
      {
        let s = await held();
        ways.push({
          name: `sanshare round trip, info by the app (stdin)${label}`,
          note: 'WSPDuplicateSocket + WSPSocket each way, SO_PEERCRED + single use',
          rates: [],
          trip: async () => {
            const info = await p.WSPDuplicateSocket(s, agentPid);
            const { back } = await toAgent({ info, then: 'back', to: process.pid });
            const next = await p.WSPSocket(-1, -1, -1, back as ProtocolInfo, 0, 0);
            if (ASK_NAMES) {
              p.WSPGetSockName(next);
              p.WSPGetPeerName(next);
            }
            await p.WSPCloseSocket(s);
            s = next;
          },
          close: () => p.WSPCloseSocket(s),
        });
      }
      // The same with the protocol info in the export frame: one message per hand-off, as Node's
      // handle passing sends.
      {
        const message = Buffer.from('back');
        let s = await held();
        ways.push({
          name: `sanshare round trip, info in the export frame${label}`,
          note: 'WSPDuplicateSocketWithMessage + WSPReceiveDuplicate + WSPSocket each way',
          rates: [],
          trip: async () => {
            await x.WSPDuplicateSocketWithMessage(s, agentPid, message);
            const back = await x.WSPReceiveDuplicate({ timeoutMs: 10_000 });
            const next = await p.WSPSocket(-1, -1, -1, back.protocolInfo, 0, 0);
            if (ASK_NAMES) {
              p.WSPGetSockName(next);
              p.WSPGetPeerName(next);
            }
            await p.WSPCloseSocket(s);
            s = next;
          },
          // The last way of a compared build closes its provider too.
          close: async () => {
            await p.WSPCloseSocket(s);
            if (p !== heldProcTable) await p.WSPCleanup();
          },
        });
      }
      return ways;
    };

    // 1) Round trips A -> B -> A, both hand-offs complete, four ways (six with BENCH_COMPARE_DIST).
    // Each way is warmed up, then the ways take turns, ROUND_TRIP_ROUNDS times: a shared machine's load
    // drifts, and a ratio between ways is only fair within one round (the ratios below are medians of
    // per-round ratios).
    const ways: RoundTripWay[] = [...(await sanshareWays(WSPStartup, dir, process.env, ''))];
    const p = heldProcTable as unknown as WspProcTable;
    let compared: RoundTripWay[] = [];
    if (COMPARE_DIST !== undefined && COMPARE_DIST !== '') {
      const before = (await import(pathToFileURL(resolve(COMPARE_DIST, 'index.js')).href)) as { WSPStartup: typeof WSPStartup };
      // A runtime directory of its own: two protocol versions never meet.
      const beforeDir = mkdtempSync(join(tmpdir(), 'sanshare-provider-bench-before-'));
      extraDirs.push(beforeDir);
      compared = await sanshareWays(before.WSPStartup, beforeDir, { ...process.env, BENCH_PROVIDER_DIST: COMPARE_DIST }, ' (before)');
      ways.push(...compared);
    }

    // Node's own handle passing: parent -> child -> parent, with the message 's', then with the
    // protocol info in the agent's JSON as the message (decoded and encoded again in the child).
    for (const [mode, name, note] of [
      ['node-ipc', 'node child_process send(msg, socket) round trip', "parent->child->parent, message 's'"],
      ['node-ipc-info', 'node send(protocol info JSON, socket) round trip', 'the protocol info as the message, as the app carries it'],
    ] as const) {
      const child = spawnChild([mode], true);
      let socket = await connectPlain(port);
      socket.write(header('H', 0));
      let message = 's';
      if (mode === 'node-ipc-info') {
        const held = await connectHeld();
        const info = await p.WSPDuplicateSocket(held, process.pid);
        await p.WSPCloseSocket(await p.WSPSocket(-1, -1, -1, info, 0, 0));
        await p.WSPCloseSocket(held);
        message = toJson({ info, then: 'back', to: child.pid });
      }
      ways.push({
        name,
        note,
        rates: [],
        trip: () =>
          new Promise<void>((resolve) => {
            child.once('message', (reply: unknown, handle: unknown) => {
              if (mode === 'node-ipc-info') fromJson(reply as string);
              socket = handle as net.Socket;
              resolve();
            });
            child.send(message, socket, { keepOpen: false });
          }),
        close: async () => {
          socket.destroy();
          child.disconnect();
        },
      });
    }

    for (const way of ways) for (let i = 0; i < WARMUP_TRIPS; i++) await way.trip();
    const perRound = Math.max(1, Math.round(ROUND_TRIPS / ROUND_TRIP_ROUNDS));
    for (let round = 0; round < ROUND_TRIP_ROUNDS; round++) {
      for (const way of ways) {
        const start = process.hrtime.bigint();
        for (let i = 0; i < perRound; i++) await way.trip();
        way.rates.push(perRound / seconds(start));
      }
    }
    for (const way of ways) {
      await way.close();
      const sorted = [...way.rates].sort((a, b) => a - b);
      rows.push({ name: way.name, value: percentile(sorted, 50), unit: 'trips/s', note: `${way.note}; rounds ${way.rates.map((r) => r.toFixed(0)).join('/')}` });
    }
    const [specPath, oneMessage] = ways as [RoundTripWay, RoundTripWay];
    const [nodeS, nodeInfo] = ways.slice(-2) as [RoundTripWay, RoundTripWay];
    const [specBefore, oneMessageBefore] = compared;
    if (specBefore !== undefined && oneMessageBefore !== undefined) {
      rows.push({ name: 'ratio: info in the frame, this build / before', value: medianRatio(oneMessage.rates, oneMessageBefore.rates), unit: 'x', note: `median of per-round ratios; before = ${COMPARE_DIST ?? ''}` });
      rows.push({ name: 'ratio: info by the app, this build / before', value: medianRatio(specPath.rates, specBefore.rates), unit: 'x', note: 'median of per-round ratios' });
    }
    rows.push({ name: 'ratio: info in the frame / node with s', value: medianRatio(oneMessage.rates, nodeS.rates), unit: 'x', note: 'median of per-round ratios; target >= 1' });
    rows.push({ name: 'ratio: info in the frame / node with the info', value: medianRatio(oneMessage.rates, nodeInfo.rates), unit: 'x', note: 'median of per-round ratios; target >= 1' });
    rows.push({ name: 'ratio: info by the app / node with the info', value: medianRatio(specPath.rates, nodeInfo.rates), unit: 'x', note: 'median of per-round ratios' });
    rows.push({ name: 'ratio: info by the app / node with s', value: medianRatio(specPath.rates, nodeS.rates), unit: 'x', note: 'median of per-round ratios' });

    // 2) bulk throughput: an imported provider socket against a plain net.Socket.
    const importedSocket = async (): Promise<number> => {
      const s = await p.WSPSocket(2, 1, 6, null, 0, 0);
      await p.WSPConnect(s, { address: '127.0.0.1', port });
      const t = await p.WSPSocket(-1, -1, -1, await p.WSPDuplicateSocket(s, process.pid), 0, 0);
      await p.WSPCloseSocket(s);
      return t;
    };
    const mbps = (start: bigint): number => BULK_BYTES / 1e6 / seconds(start);
    const plainDown = async (): Promise<number> => {
      const socket = await connectPlain(port);
      const start = process.hrtime.bigint();
      let got = 0;
      await new Promise<void>((resolve) => {
        socket.on('data', (d: Buffer) => {
          got += d.length;
          if (got >= BULK_BYTES) resolve();
        });
        socket.write(header('D', BULK_BYTES));
      });
      const rate = mbps(start);
      socket.destroy();
      return rate;
    };
    const providerDown = async (): Promise<number> => {
      const t = await importedSocket();
      const start = process.hrtime.bigint();
      await p.WSPSend(t, header('D', BULK_BYTES));
      let got = 0;
      while (got < BULK_BYTES) got += (await p.WSPRecv(t)).length;
      const rate = mbps(start);
      await p.WSPCloseSocket(t);
      return rate;
    };
    const chunk = Buffer.alloc(64 * 1024, 3);
    const plainUp = async (): Promise<number> => {
      const socket = await connectPlain(port);
      const start = process.hrtime.bigint();
      const done = new Promise<void>((resolve) => socket.once('data', () => resolve()));
      socket.write(header('U', BULK_BYTES));
      for (let sent = 0; sent < BULK_BYTES; sent += chunk.length) {
        if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
      }
      await done;
      const rate = mbps(start);
      socket.destroy();
      return rate;
    };
    const providerUp = async (): Promise<number> => {
      const t = await importedSocket();
      const start = process.hrtime.bigint();
      await p.WSPSend(t, header('U', BULK_BYTES));
      for (let sent = 0; sent < BULK_BYTES; sent += chunk.length) await p.WSPSend(t, chunk);
      await p.WSPRecv(t, { maxBytes: 1 });
      const rate = mbps(start);
      await p.WSPCloseSocket(t);
      return rate;
    };
    const runs = { plainDown: [] as number[], providerDown: [] as number[], plainUp: [] as number[], providerUp: [] as number[] };
    for (let i = 0; i < BULK_REPEATS; i++) {
      runs.plainDown.push(await plainDown());
      runs.providerDown.push(await providerDown());
      runs.plainUp.push(await plainUp());
      runs.providerUp.push(await providerUp());
    }
    const median = (values: number[]): number => percentile([...values].sort((x, y) => x - y), 50);
    const [pd, vd, pu, vu] = [median(runs.plainDown), median(runs.providerDown), median(runs.plainUp), median(runs.providerUp)];
    const spread = (values: number[]): string => `runs ${values.map((v) => v.toFixed(0)).join('/')}`;
    rows.push({ name: 'plain net.Socket download', value: pd, unit: 'MB/s', note: spread(runs.plainDown) });
    rows.push({ name: 'imported socket WSPRecv download', value: vd, unit: 'MB/s', note: spread(runs.providerDown) });
    rows.push({ name: 'plain net.Socket upload', value: pu, unit: 'MB/s', note: spread(runs.plainUp) });
    rows.push({ name: 'imported socket WSPSend upload', value: vu, unit: 'MB/s', note: spread(runs.providerUp) });
    // Each provider run follows its plain run: their ratio is the fair one on a drifting load.
    rows.push({ name: 'ratio: WSPRecv download / plain', value: medianRatio(runs.providerDown, runs.plainDown), unit: 'x', note: 'median of per-pair ratios; target >= 0.95' });
    rows.push({ name: 'ratio: WSPSend upload / plain', value: medianRatio(runs.providerUp, runs.plainUp), unit: 'x', note: 'median of per-pair ratios; target >= 0.95' });

    // 3) WSPDuplicateSocket latency with 10, then MANY_SOCKETS, open sockets in this process.
    const open: number[] = [];
    const latency = async (label: string): Promise<void> => {
      const s = open[0] as number;
      const samples: number[] = [];
      for (let i = 0; i < LATENCY_SAMPLES + 20; i++) {
        const elapsed = await measureLatency(s);
        if (i >= 20) samples.push(elapsed);
      }
      samples.sort((x, y) => x - y);
      rows.push({ name: `WSPDuplicateSocket p50, ${label} open sockets`, value: percentile(samples, 50), unit: 'us', note: `p99 ${percentile(samples, 99).toFixed(0)} us` });
    };
    while (open.length < 10) open.push(await connectHeld());
    await latency('10');
    while (open.length < MANY_SOCKETS) {
      const batch = Math.min(200, MANY_SOCKETS - open.length);
      open.push(...(await Promise.all(Array.from({ length: batch }, connectHeld))));
    }
    await latency(String(MANY_SOCKETS));
    await Promise.all(open.map((s) => p.WSPCloseSocket(s)));
    await p.WSPCleanup();
  } finally {
    // Ask politely first (stdin closed: the children exit and write their profiles), then insist.
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.stdin?.end();
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
    for (const extra of extraDirs) rmSync(extra, { recursive: true, force: true });
  }

  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`\n${'benchmark'.padEnd(width)}  ${'value'.padStart(12)}  unit      note`);
  for (const r of rows) console.log(`${r.name.padEnd(width)}  ${r.value.toFixed(r.unit === 'x' ? 2 : 1).padStart(12)}  ${r.unit.padEnd(8)}  ${r.note ?? ''}`);
  mkdirSync(join(RESULTS, '..'), { recursive: true });
  writeFileSync(
    RESULTS,
    `${JSON.stringify({ package: '@sanshare/provider', date: new Date().toISOString(), node: process.version, bulkBytes: BULK_BYTES, roundTrips: ROUND_TRIPS, results: rows }, null, 2)}\n`,
  );
  console.log(`\nwritten to ${RESULTS}`);
}

await main();
