/**
 * Encode+decode operations per second for both codecs, side by side with JSON.stringify/JSON.parse
 * of the same object, in one run (ratios are only meaningful within a run). Also times protobufjs
 * static code against protobufjs reflection on the same message, for docs/decisions/0001.
 *
 * Run: `pnpm --filter @sanshare/protocol-info bench` (BENCH_MS=<ms per case>, default 1000).
 * Prints a table; writes bench/results/protocol-info.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { decodeProtocolInfo, encodeProtocolInfo, fromNativeLayout, toNativeLayout, type ProtocolInfo } from '../dist/index.js';
import { sanshare } from '../src/gen/protocol-info.js';
import { catalogInfo, duplicatedInfo } from './fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
const budgetMs = Number(process.env['BENCH_MS'] ?? 1000);
let sink = 0;

/** Runs `op` in batches until `budgetMs` has passed (after a warm-up); returns operations per second. */
function measure(op: () => number): number {
  const warmUntil = performance.now() + Math.min(200, budgetMs / 4);
  while (performance.now() < warmUntil) sink += op();
  let batch = 1000;
  let ops = 0;
  const start = process.hrtime.bigint();
  const stopAt = start + BigInt(budgetMs) * 1_000_000n;
  let now = start;
  while (now < stopAt) {
    for (let i = 0; i < batch; i++) sink += op();
    ops += batch;
    now = process.hrtime.bigint();
  }
  return ops / (Number(now - start) / 1e9);
}

/** The protobufjs message object of a ProtocolInfo (what encodeProtocolInfo builds internally). */
function toMessage(info: ProtocolInfo): sanshare.v1.ProtocolInfo.$Properties {
  return decodeToMessage(encodeProtocolInfo(info));
}
function decodeToMessage(bytes: Uint8Array): sanshare.v1.ProtocolInfo.$Properties {
  return sanshare.v1.ProtocolInfo.decode(bytes);
}

const root = protobuf.loadSync(join(here, '../proto/sanshare/v1/protocol_info.proto'));
const reflected = root.lookupType('sanshare.v1.ProtocolInfo');

interface Row {
  fixture: string;
  codec: string;
  opsPerSec: number;
  vsJson: number;
  bytes: number;
}
const rows: Row[] = [];

for (const [fixture, info] of [
  ['catalog entry (no hand-off)', catalogInfo],
  ['duplicated (with hand-off)', duplicatedInfo],
] as const) {
  const json = measure(() => (JSON.parse(JSON.stringify(info)) as ProtocolInfo).dwCatalogEntryId);
  const cases: Array<[string, () => number, number]> = [
    ['JSON.stringify + JSON.parse', () => 0, JSON.stringify(info).length],
    ['protobuf: encodeProtocolInfo + decodeProtocolInfo', () => decodeProtocolInfo(encodeProtocolInfo(info)).dwCatalogEntryId, encodeProtocolInfo(info).length],
    ['native: toNativeLayout + fromNativeLayout', () => fromNativeLayout(toNativeLayout(info)).dwCatalogEntryId, toNativeLayout(info).length],
  ];
  const message = toMessage(info);
  const raw: Array<[string, () => number]> = [
    ['protobufjs static code only (no checks)', () => (sanshare.v1.ProtocolInfo.decode(sanshare.v1.ProtocolInfo.encode(message).finish()).catalogEntryId)],
    ['protobufjs reflection only (no checks)', () => (reflected.decode(reflected.encode(message).finish()) as unknown as { catalogEntryId: number }).catalogEntryId],
  ];
  rows.push({ fixture, codec: cases[0]![0], opsPerSec: json, vsJson: 1, bytes: cases[0]![2] });
  for (const [codec, op, bytes] of cases.slice(1)) {
    const ops = measure(op);
    rows.push({ fixture, codec, opsPerSec: ops, vsJson: ops / json, bytes });
  }
  const wire = encodeProtocolInfo(info).length;
  for (const [codec, op] of raw) {
    const ops = measure(op);
    rows.push({ fixture, codec, opsPerSec: ops, vsJson: ops / json, bytes: wire });
  }
}

console.table(
  rows.map((r) => ({ fixture: r.fixture, codec: r.codec, 'ops/s': Math.round(r.opsPerSec).toLocaleString('en-US'), 'x JSON': r.vsJson.toFixed(2), bytes: r.bytes })),
);
const out = join(here, 'results/protocol-info.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      budgetMsPerCase: budgetMs,
      targets: { protobufVsJson: 2, nativeVsJson: 5 },
      rows,
    },
    null,
    2,
  ) + '\n',
);
console.log(`wrote ${out}${sink === 0.5 ? '' : ''}`);
