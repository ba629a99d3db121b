// Round trips per second between two processes, side by side in one run:
//   - a C program ping-ponging over SCM_RIGHTS with blocking syscalls (the machine's limit),
//   - Node's child_process send(message, socket) handle passing,
//   - this transport (A sends a descriptor to B, B sends it back),
// each with a descriptor and without (small messages). Then batches: 10,000 descriptors sent from
// one process to another in messages of 253 (SCM_MAX_FD) and one per message, the receiver closing
// each. Prints tables and writes bench/results/transport-uds.json. Numbers only: nothing here
// asserts on time. BENCH_ONLY=roundtrips or BENCH_ONLY=batches runs one part.
import { spawn, spawnSync, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeFd, detachNetSocket, listen, SCM_MAX_FD } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const N_C = Number(process.env.BENCH_C_ROUND_TRIPS ?? 20_000);
const N_NODE = Number(process.env.BENCH_NODE_ROUND_TRIPS ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const N_BATCH_FDS = Number(process.env.BENCH_BATCH_FDS ?? 10_000);
const ONLY = process.env.BENCH_ONLY ?? '';
const work = mkdtempSync(join(tmpdir(), 'uds-bench-'));

async function tcpPair() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const client = tcpConnect({ port: server.address().port, host: '127.0.0.1' });
  await once(client, 'connect');
  const [remote] = await accepted;
  server.close();
  return { client, remote };
}

const bin = join(work, 'fd-pingpong');
const cc = spawnSync('cc', ['-O2', '-o', bin, join(here, 'fd-pingpong.c')], { encoding: 'utf8' });
if (cc.status !== 0) throw new Error(`cc failed: ${cc.stderr}`);

function runC(withFd) {
  const run = spawnSync(bin, [String(N_C), withFd ? '1' : '0'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`fd-pingpong failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

async function runNodeIpc(withFd) {
  const child = fork(join(here, 'ipc-echo.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { client, remote } = await tcpPair();
  const roundTrip = () =>
    new Promise((resolve) => {
      child.once('message', (_message, handle) => {
        handle?.destroy(); // the returned copy: closing it closes only this descriptor
        resolve();
      });
      if (withFd) child.send('ping', client, { keepOpen: true });
      else child.send('ping');
    });
  const warmup = Math.floor(N_NODE / 10);
  for (let i = 0; i < warmup; i++) await roundTrip();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N_NODE; i++) await roundTrip();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  child.disconnect();
  await once(child, 'exit');
  client.destroy();
  remote.destroy();
  return { roundTrips: N_NODE, seconds, perSecond: N_NODE / seconds };
}

async function runTransport(withFd) {
  const path = join(work, `a-${withFd ? 'fd' : 'msg'}.sock`);
  const listener = await listen(path);
  const child = spawn(process.execPath, [join(here, 'uds-echo.mjs'), path], { stdio: 'inherit' });
  const conn = await listener.accept();
  const { client, remote } = await tcpPair();
  const { fd } = detachNetSocket(client);
  const data = new Uint8Array(16);
  const fds = withFd ? [fd] : [];
  const roundTrip = async () => {
    await conn.send(data, fds);
    const back = await conn.receive();
    for (const f of back.fds) closeFd(f);
  };
  const warmup = Math.floor(N_NODE / 10);
  for (let i = 0; i < warmup; i++) await roundTrip();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N_NODE; i++) await roundTrip();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await conn.close();
  await once(child, 'exit');
  await listener.close();
  closeFd(fd);
  remote.destroy();
  return { roundTrips: N_NODE, seconds, perSecond: N_NODE / seconds };
}

/** Sends N_BATCH_FDS descriptors, `perMessage` at a time (all queued at once, in order), to a sink that closes each. */
async function runBatches(perMessage) {
  const path = join(work, `batch-${perMessage}.sock`);
  const listener = await listen(path, { maxFdsPerMessage: SCM_MAX_FD });
  const child = spawn(process.execPath, [join(here, 'fd-sink.mjs'), path], { stdio: 'inherit' });
  const conn = await listener.accept();
  const { client, remote } = await tcpPair();
  const { fd } = detachNetSocket(client);
  const data = new Uint8Array(16);
  const end = new Uint8Array(0);
  const run = async () => {
    const sends = [];
    for (let sent = 0; sent < N_BATCH_FDS; sent += perMessage) {
      sends.push(conn.send(data, new Array(Math.min(perMessage, N_BATCH_FDS - sent)).fill(fd)));
    }
    sends.push(conn.send(end));
    await Promise.all(sends);
    await conn.receive(); // every descriptor received and closed by the sink
  };
  await run(); // warm-up
  const t0 = process.hrtime.bigint();
  await run();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await conn.close();
  await once(child, 'exit');
  await listener.close();
  closeFd(fd);
  remote.destroy();
  return { descriptors: N_BATCH_FDS, perMessage, seconds, perSecond: N_BATCH_FDS / seconds };
}

async function batches() {
  const median = (runs) => [...runs].sort((x, y) => x.perSecond - y.perSecond)[Math.floor(runs.length / 2)];
  const runs = { batch: [], single: [] };
  for (let round = 0; round < ROUNDS; round++) {
    runs.batch.push(await runBatches(SCM_MAX_FD));
    runs.single.push(await runBatches(1));
  }
  const batch = median(runs.batch);
  const single = median(runs.single);
  console.table([
    { case: `${N_BATCH_FDS} descriptors, receiver closes each`, 'per message': SCM_MAX_FD, 'descriptors/s': Math.round(batch.perSecond), 'vs one per message': `${(batch.perSecond / single.perSecond).toFixed(2)}x` },
    { case: `${N_BATCH_FDS} descriptors, receiver closes each`, 'per message': 1, 'descriptors/s': Math.round(single.perSecond), 'vs one per message': '1.00x' },
  ]);
  return { batch, single, batchVsSingle: batch.perSecond / single.perSecond };
}

try {
  const output = { date: new Date().toISOString(), node: process.version, cpus: cpus().length, rounds: ROUNDS };
  if (ONLY === '' || ONLY === 'roundtrips') Object.assign(output, await roundTrips());
  if (ONLY === '' || ONLY === 'batches') output.batches = await batches();
  const out = join(here, 'results', 'transport-uds.json');
  writeFileSync(out, JSON.stringify(output, null, 2) + '\n');
  console.log(`written ${out}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

async function roundTrips() {
  // The machine is shared: run the three implementations in alternating rounds and keep each
  // one's median, so a burst of load elsewhere does not land on one column only.
  const median = (runs) => [...runs].sort((x, y) => x.perSecond - y.perSecond)[Math.floor(runs.length / 2)];
  const results = {};
  for (const [kind, withFd] of [['fd', true], ['message', false]]) {
    const runs = { c: [], nodeIpc: [], transport: [] };
    for (let round = 0; round < ROUNDS; round++) {
      runs.c.push(runC(withFd));
      runs.nodeIpc.push(await runNodeIpc(withFd));
      runs.transport.push(await runTransport(withFd));
    }
    results[kind] = { c: median(runs.c), nodeIpc: median(runs.nodeIpc), transport: median(runs.transport) };
  }
  const rows = [];
  for (const [kind, r] of Object.entries(results)) {
    for (const [name, v] of Object.entries(r)) {
      rows.push({
        case: kind === 'fd' ? 'descriptor round trip' : 'small message round trip',
        implementation: { c: 'C SCM_RIGHTS ping-pong', nodeIpc: 'Node child_process send()', transport: '@sanshare/transport-uds' }[name],
        'round trips/s': Math.round(v.perSecond),
        'vs C': `${((100 * v.perSecond) / r.c.perSecond).toFixed(0)}%`,
        'vs Node IPC': `${(v.perSecond / r.nodeIpc.perSecond).toFixed(2)}x`,
      });
    }
  }
  console.table(rows);
  const fd = results.fd;
  const summary = {
    transportVsNodeIpc: fd.transport.perSecond / fd.nodeIpc.perSecond,
    transportVsC: fd.transport.perSecond / fd.c.perSecond,
    targets: { vsNodeIpc: 2, vsC: 0.6 },
  };
  summary.meetsTargets = summary.transportVsNodeIpc >= 2 && summary.transportVsC >= 0.6;
  console.log(
    `descriptor round trips: ${summary.transportVsNodeIpc.toFixed(2)}x Node IPC (target 2x), ` +
      `${(100 * summary.transportVsC).toFixed(0)}% of C (target 60%)`,
  );
  return { results, summary };
}
