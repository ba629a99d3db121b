/**
 * Encode+decode operations per CPU-second for both codecs, side by side with JSON.stringify/JSON.parse
 * of the same object, in one run. Ratios are only meaningful within a run, and this machine is shared,
 * so the run is built to be fair and stable:
 *
 * - warm-up: every case runs 20,000 times before anything is measured (all optimized, no case measured
 *   while another still compiles);
 * - interleaved rounds: each round measures every case once, in forward order on even rounds and
 *   backward on odd ones (no case always first or last);
 * - paired ratios: each round-trip case is measured right after its own JSON slice, and its ratio is
 *   the two slices' quotient, so a load change between slices moves both sides alike;
 * - medians: the table shows the median round (ops per CPU-second) and the median paired ratio;
 * - same object: each side encodes and decodes the very same fixture object, every time.
 *
 * Also times protobufjs static code against reflection (no checks, same message) and the codec with
 * protobufjs's generated encoder (the reference the hand-written one matches byte for byte), for
 * docs/decisions/0001-protobuf-codegen.md. With a previous build at bench/baseline/index.js (a copy of
 * an older dist/index.js, git-ignored) it adds that build's round trips: before/after in one run.
 *
 * Run: `pnpm --filter @sanshare/protocol-info bench` (after a build: it measures dist/, what ships).
 * Env: BENCH_MS (CPU ms per slice, default 200), BENCH_ROUNDS (default 7), BENCH_FILTER (a regular
 * expression: only the codecs it matches, plus JSON, are measured).
 * Prints a table; writes bench/results/protocol-info.json.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type * as Api from '../src/index.js';
import type { ProtocolInfo } from '../src/index.js';
import { sanshare } from '../src/gen/protocol-info.js';
import { referenceEncode } from '../test/reference-encode.js';
import { catalogInfo, duplicatedInfo } from './fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
// The built package, what users run (turbo builds it before `bench`); loaded by URL so that type
// checking, which runs before the build, takes the types from src/.
const api = (await import(
  new URL('../dist/index.js', import.meta.url).href
)) as typeof Api;
const { decodeProtocolInfo, encodeProtocolInfo, fromNativeLayout, toNativeLayout } = api;
const validateProtocolInfo: typeof Api.validateProtocolInfo = api.validateProtocolInfo;
const baselinePath = join(here, 'baseline/index.js');
const baseline = existsSync(baselinePath) ? ((await import(new URL('baseline/index.js', import.meta.url).href)) as typeof Api) : undefined;
const baselineCommitFile = join(here, 'baseline/COMMIT');
const baselineCommit = existsSync(baselineCommitFile) ? readFileSync(baselineCommitFile, 'utf8').trim() : 'baseline';
const budgetMs = Number(process.env['BENCH_MS'] ?? 200);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 7);
const filter = new RegExp(process.env['BENCH_FILTER'] ?? '');
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
  /** Ratio to the JSON slice measured just before, per round (round trips only). */
  ratios: number[];
  /** The JSON case of the same fixture, for round trips (measured paired with this one). */
  json: Case | undefined;
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
  let json: Case | undefined;
  const add = (codec: string, bytes: number, op: () => number): void => {
    if (json !== undefined && !filter.test(codec)) return;
    // Only round trips are compared with JSON's round trip; the " only" rows are there to split the cost.
    const roundTrip = !codec.includes(' only') && json !== undefined;
    const c: Case = { fixture, codec, bytes, op, samples: [], ratios: [], json: roundTrip ? json : undefined };
    cases.push(c);
    json ??= c;
  };
  add('JSON.stringify + JSON.parse', JSON.stringify(info).length, () => (JSON.parse(JSON.stringify(info)) as ProtocolInfo).dwCatalogEntryId);
  add('protobuf: encodeProtocolInfo + decodeProtocolInfo', wire.length, () => decodeProtocolInfo(encodeProtocolInfo(info)).dwCatalogEntryId);
  add('native: toNativeLayout + fromNativeLayout', native.length, () => fromNativeLayout(toNativeLayout(info)).dwCatalogEntryId);
  if (baseline !== undefined) {
    const before = baseline;
    add(`  before (${baselineCommit}): protobuf round trip`, wire.length, () => before.decodeProtocolInfo(before.encodeProtocolInfo(info)).dwCatalogEntryId);
    add(`  before (${baselineCommit}): native round trip`, native.length, () => before.fromNativeLayout(before.toNativeLayout(info)).dwCatalogEntryId);
  }
  add('  protobuf encode only', wire.length, () => encodeProtocolInfo(info).length);
  add('  protobuf decode only', wire.length, () => decodeProtocolInfo(wire).dwCatalogEntryId);
  add('  native encode only', native.length, () => toNativeLayout(info).length);
  add('  native decode only', native.length, () => fromNativeLayout(native).dwCatalogEntryId);
  add('  protobufjs generated encoder (reference) + decodeProtocolInfo', wire.length, () => {
    // What encodeProtocolInfo ran before: validation, then the model mapped onto protobufjs's encoder.
    validateProtocolInfo(info);
    return decodeProtocolInfo(referenceEncode(info)).dwCatalogEntryId;
  });
  add('  protobufjs static, no checks', wire.length, () => sanshare.v1.ProtocolInfo.decode(sanshare.v1.ProtocolInfo.encode(message).finish()).catalogEntryId);
  add('  protobufjs reflection, no checks', wire.length, () => (reflected.decode(reflected.encode(message).finish()) as unknown as { catalogEntryId: number }).catalogEntryId);
  add('  protobufjs static decode only', wire.length, () => sanshare.v1.ProtocolInfo.decode(wire).catalogEntryId);
}

// Warm-up: every case, so that no case is measured while another is still being optimized.
for (const c of cases) for (let i = 0; i < 20_000; i++) sink += c.op();

for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? cases : [...cases].reverse();
  for (const c of order) {
    if (c.json === undefined && c.codec.startsWith('JSON')) continue; // measured in pairs, below
    const jsonOps = c.json === undefined ? 0 : measure(c.json.op);
    const ops = measure(c.op);
    c.samples.push(ops);
    if (c.json !== undefined) {
      c.json.samples.push(jsonOps);
      c.ratios.push(ops / jsonOps);
    }
  }
}

const rows = cases.map((c) => ({
  fixture: c.fixture,
  codec: c.codec.trim(),
  opsPerCpuSecond: Math.round(median(c.samples)),
  vsJson: c.codec.startsWith('JSON') ? 1 : c.ratios.length > 0 ? Number(median(c.ratios).toFixed(2)) : null,
  bytes: c.bytes,
}));
console.table(
  rows.map((r, i) => ({
    fixture: r.fixture,
    codec: cases[i]?.codec,
    'ops/CPU-s (median)': r.opsPerCpuSecond.toLocaleString('en-US'),
    'x JSON (median paired ratio)': r.vsJson === null ? '' : r.vsJson.toFixed(2),
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
      method: 'CPU time; 20,000-op warm-up; rounds alternate order; each round trip paired with a JSON slice measured just before it; medians',
      baseline: baseline === undefined ? null : baselineCommit,
      targets: { protobufVsJson: 2, nativeVsJson: 5 },
      rows,
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${out} (load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})${sink === Math.PI ? '' : ''}`);
