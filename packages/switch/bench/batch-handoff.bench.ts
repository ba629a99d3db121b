// How fast idle connections move between two processes through the switch: WSADuplicateSocketBatch
// (sanshare's provider sends up to 253 sockets per transport message) next to one socket at a time
// (WSADuplicateSocketWithMessage, 32 at once: what the switch's fallback does for a provider without
// the batch extension). Each round opens `n` connections to a peer process, moves them all to a target
// process, and is timed from the first call until the target has imported the last one (it receives
// them with WSAReceiveDuplicates and imports each with WSASocket, or, in the bulk way, all of one
// receive with one WSASocketBatch call). Each row also has each process's CPU per socket (the
// source's over its call and until the target has them all), which a loaded machine disturbs less
// than the rate. Numbers, never assertions.
// Run: pnpm --filter @sanshare/switch exec tsx bench/batch-handoff.bench.ts [n...] (default 1000 10000).
// Prints a table and writes bench/results/batch-handoff.json. Needs RLIMIT_NOFILE above the largest n.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { AF, IPPROTO, SOCK } from '@sanshare/protocol-info';
import { createCatalog, defaultCatalogEntries, WSAStartup, type Switch } from '../src/index.js';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const SIZES = sizes.length > 0 ? sizes : [1000, 10_000];
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const FALLBACK_CONCURRENCY = 32;

const dir = mkdtempSync(join(tmpdir(), 'switch-batch-bench-'));
const runtimeDir = join(dir, 'run');
const children: ChildProcess[] = [];

function child(script: string, args: string[]): { proc: ChildProcess; lines: Interface; next: () => Promise<Record<string, number>> } {
  // BENCH_PROFILE=<dir>: the children write CPU profiles there.
  const profile = process.env['BENCH_PROFILE'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROFILE']}`];
  const proc = spawn(process.execPath, [...profile, '--import', 'tsx', join(import.meta.dirname, script), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(proc);
  const lines = createInterface({ input: proc.stdout as NonNullable<ChildProcess['stdout']> });
  const queue: string[] = [];
  const waiters: Array<(line: string) => void> = [];
  lines.on('line', (line) => {
    const waiter = waiters.shift();
    if (waiter === undefined) queue.push(line);
    else waiter(line);
  });
  const next = async (): Promise<Record<string, number>> => JSON.parse(queue.shift() ?? (await new Promise<string>((resolve) => waiters.push(resolve)))) as Record<string, number>;
  return { proc, lines, next };
}

async function openIdle(sw: Switch, port: number, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = await sw.socket(AF.INET, SOCK.STREAM, IPPROTO.TCP);
    await sw.connect(s, { address: '127.0.0.1', port });
    out.push(s);
  }
  return out;
}

const results: Array<{ way: string; sockets: number; round: number; ms: number; socketsPerSec: number; sourceUsPerSocket: number; targetUsPerSocket: number }> = [];
try {
  const peer = child('batch-peer.ts', []);
  const { port } = await peer.next();
  const target = child('batch-target.ts', [runtimeDir]);
  const { pid } = await target.next();
  const catalog = await createCatalog();
  for (const entry of defaultCatalogEntries('@sanshare/provider', { runtimeDir })) await catalog.install(entry);
  const sw = await WSAStartup({ catalog });
  const duplicateBatch = async (ss: number[]): Promise<void> => {
    const out = await sw.WSADuplicateSocketBatch(ss.map((s) => ({ s, message: '' })), pid as number);
    const failed = out.filter((r) => r.error !== undefined);
    if (failed.length > 0) throw failed[0]?.error;
  };
  // [name, the source's move, whether the target imports with WSASocketBatch]
  const ways: Array<[string, (ss: number[]) => Promise<void>, boolean]> = [
    ['WSADuplicateSocketBatch, WSASocket each', duplicateBatch, false],
    ['WSADuplicateSocketBatch, WSASocketBatch', duplicateBatch, true],
    [
      `one at a time (${FALLBACK_CONCURRENCY} at once)`,
      async (ss) => {
        let at = 0;
        const worker = async (): Promise<void> => {
          while (at < ss.length) await sw.WSADuplicateSocketWithMessage(ss[at++] as number, pid as number, '');
        };
        await Promise.all(Array.from({ length: FALLBACK_CONCURRENCY }, worker));
      },
      false,
    ],
  ];
  for (const n of SIZES) {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [way, move, bulk] of ways) {
        if (process.env['BENCH_ONLY'] !== undefined && !way.includes(process.env['BENCH_ONLY'])) continue;
        const ss = await openIdle(sw, port as number, n);
        target.proc.stdin?.write(`${JSON.stringify({ expect: n, bulk })}\n`);
        const start = process.hrtime.bigint();
        const cpuAtStart = process.cpuUsage();
        await move(ss);
        const returned = Number(process.hrtime.bigint() - start) / 1e6;
        const { cpuMs } = await target.next();
        const sourceCpu = process.cpuUsage(cpuAtStart);
        if (process.env['BENCH_VERBOSE'] === '1') console.log(`  the source's call returned after ${Math.round(returned)} ms`);
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        const targetUsPerSocket = Math.round(((cpuMs as number) * 1000) / n);
        const sourceUsPerSocket = Math.round((sourceCpu.user + sourceCpu.system) / n);
        results.push({ way, sockets: n, round, ms: Math.round(ms), socketsPerSec: Math.round(n / (ms / 1000)), sourceUsPerSocket, targetUsPerSocket });
        console.log(`${way}, ${n} sockets, round ${round}: ${Math.round(n / (ms / 1000))} sockets/s, CPU per socket: source ${sourceUsPerSocket} us, target ${targetUsPerSocket} us`);
        // The target imported them: this process's descriptors go (the connections live on there until it closes them).
        for (const s of ss) await sw.closesocket(s);
      }
    }
  }
  await sw.WSACleanup();
} finally {
  // Their stdin closed, the children exit on their own (and write their profiles).
  for (const proc of children) proc.stdin?.end();
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const proc of children) proc.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}

console.table(results);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const summary = [...new Set(results.map((r) => `${r.way}|${r.sockets}`))].map((key) => {
  const [way, sockets] = key.split('|');
  const rows = results.filter((r) => `${r.way}|${r.sockets}` === key);
  return { way, sockets: Number(sockets), medianSocketsPerSec: median(rows.map((r) => r.socketsPerSec)), medianSourceUsPerSocket: median(rows.map((r) => r.sourceUsPerSocket)), medianTargetUsPerSocket: median(rows.map((r) => r.targetUsPerSocket)) };
});
console.table(summary);
const out = join(import.meta.dirname, 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'batch-handoff.json'), `${JSON.stringify({ node: process.version, date: new Date().toISOString(), rounds: ROUNDS, summary, results }, null, 2)}\n`);
