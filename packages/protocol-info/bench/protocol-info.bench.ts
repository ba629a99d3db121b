/**
 * Encode+decode operations per CPU-second for both codecs, side by side with JSON.stringify/JSON.parse
 * of the same object, in one run. Ratios are only meaningful within a run, and this machine is shared:
 * every case runs in several interleaved rounds, and the table reports the median round, and the
 * median of the per-round ratios to JSON. Also times protobufjs static code against protobufjs
 * reflection (no checks, same message) for docs/decisions/0001-protobuf-codegen.md.
 *
 * Run: `pnpm --filter @sanshare/protocol-info bench` (after a build: it measures dist/, what ships).
 * Env: BENCH_MS (ms per case per round, default 300), BENCH_ROUNDS (default 7).
 * Prints a table; writes bench/results/protocol-info.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type * as Api from '../src/index.js';
import type { ProtocolInfo } from '../src/index.js';
import { sanshare } from '../src/gen/protocol-info.js';
import { catalogInfo, duplicatedInfo } from './fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
// The built package, what users run (turbo builds it before `bench`); loaded by URL so that type
// checking, which runs before the build, takes the types from src/.
const { decodeProtocolInfo, encodeProtocolInfo, fromNativeLayout, toNativeLayout } = (await import(
  new URL('../dist/index.js', import.meta.url).href
)) as typeof Api;
const budgetMs = Number(process.env['BENCH_MS'] ?? 300);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 7);
let sink = 0;

/** CPU time of this process in microseconds (user + system). */
function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/**
 * Runs `op` in batches for `budgetMs` of this process's CPU time; returns operations per CPU-second.
 * CPU time rather than wall time: on a shared machine, the time this process waits for a core is not
 * the codec's (every case pays the same garbage collector and cache effects either way).
 */
function measure(op: () => number): number {
  const batch = 500;
  let ops = 0;
  const start = cpuMicros();
  const stopAt = start + budgetMs * 1000;
  let now = start;
  while (now < stopAt) {
    for (let i = 0; i < batch; i++) sink += op();
    ops += batch;
    now = cpuMicros();
  }
  return ops / ((now - start) / 1e6);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

const root = protobuf.loadSync(join(here, '../proto/sanshare/v1/protocol_info.proto'));
const reflected = root.lookupType('sanshare.v1.ProtocolInfo');

interface Case {
  fixture: string;
  codec: string;
  bytes: number;
  op: () => number;
  /** ops/s of each round. */
  samples: number[];
  /** ratio to the same round's JSON case. */
  ratios: number[];
}

const cases: Case[] = [];
for (const [fixture, info] of [
  ['catalog entry', catalogInfo],
  ['duplicated (hand-off)', duplicatedInfo],
] as const) {
  const wire = encodeProtocolInfo(info);
  const native = toNativeLayout(info);
  // The message object protobufjs works on, for the raw static-vs-reflection rows.
  const message = sanshare.v1.ProtocolInfo.decode(wire);
  const add = (codec: string, bytes: number, op: () => number): void => {
    cases.push({ fixture, codec, bytes, op, samples: [], ratios: [] });
  };
  add('JSON.stringify + JSON.parse', JSON.stringify(info).length, () => (JSON.parse(JSON.stringify(info)) as ProtocolInfo).dwCatalogEntryId);
  add('protobuf: encodeProtocolInfo + decodeProtocolInfo', wire.length, () => decodeProtocolInfo(encodeProtocolInfo(info)).dwCatalogEntryId);
  add('native: toNativeLayout + fromNativeLayout', native.length, () => fromNativeLayout(toNativeLayout(info)).dwCatalogEntryId);
  add('  protobuf encode only', wire.length, () => encodeProtocolInfo(info).length);
  add('  protobuf decode only', wire.length, () => decodeProtocolInfo(wire).dwCatalogEntryId);
  add('  native encode only', native.length, () => toNativeLayout(info).length);
  add('  native decode only', native.length, () => fromNativeLayout(native).dwCatalogEntryId);
  add('  protobufjs static, no checks', wire.length, () => sanshare.v1.ProtocolInfo.decode(sanshare.v1.ProtocolInfo.encode(message).finish()).catalogEntryId);
  add('  protobufjs reflection, no checks', wire.length, () => (reflected.decode(reflected.encode(message).finish()) as unknown as { catalogEntryId: number }).catalogEntryId);
  add('  protobufjs static decode only', wire.length, () => sanshare.v1.ProtocolInfo.decode(wire).catalogEntryId);
}

// Warm-up: every case, so that no case is measured while another is still being optimized.
for (const c of cases) for (let i = 0; i < 20_000; i++) sink += c.op();

for (let round = 0; round < rounds; round++) {
  let json = 0;
  for (const c of cases) {
    const ops = measure(c.op);
    if (c.codec.startsWith('JSON')) json = ops;
    c.samples.push(ops);
    c.ratios.push(ops / json);
  }
}

// A ratio to JSON's encode+decode only means something for the rows that do encode+decode too.
const isRoundTrip = (c: Case): boolean => !c.codec.includes(' only');
const rows = cases.map((c) => ({
  fixture: c.fixture,
  codec: c.codec.trim(),
  opsPerCpuSecond: Math.round(median(c.samples)),
  vsJson: isRoundTrip(c) ? Number(median(c.ratios).toFixed(2)) : null,
  bytes: c.bytes,
}));
console.table(
  rows.map((r, i) => ({
    fixture: r.fixture,
    codec: cases[i]?.codec,
    'ops/CPU-s (median)': r.opsPerCpuSecond.toLocaleString('en-US'),
    'x JSON (median of rounds)': r.vsJson === null ? '' : r.vsJson.toFixed(2),
    bytes: r.bytes,
  })),
);

const out = join(here, 'results/protocol-info.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      loadAverage: os.loadavg(),
      msPerCasePerRound: budgetMs,
      rounds,
      targets: { protobufVsJson: 2, nativeVsJson: 5 },
      rows,
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${out} (load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})${sink === Math.PI ? '' : ''}`);
