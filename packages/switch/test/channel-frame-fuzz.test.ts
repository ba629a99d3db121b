/**
 * Fuzzing of every decoder a peer's bytes reach on the protocol-info channel (`decodeChannelFrame`:
 * the channel frame, and the protocol info inside a `protocol_info` body). Every input must end in a
 * decoded, well-formed frame or in `SwitchError` `ERR_CHANNEL_PROTOCOL`, never in another exception.
 *
 * 11,000 seeded cases per run: 6,000 take a valid frame and change one field of it, at any depth
 * (the frame, its body, the protocol info, its chain and export context), re-serialised so that the
 * change gets past the first tag and reaches the decoder of that field; 5,000 are random bytes and
 * random field soup. The seed changes every run; a failure prints it, and `SANSHARE_FUZZ_SEED=<n>`
 * replays it.
 */
import fc from 'fast-check';
import { encodeProtocolInfo, validateProtocolInfo, type ProtocolInfo } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { defaultProtocolInfo, isSwitchError } from '../src/index.js';
import { decodeChannelFrame, type ChannelFrame } from '../src/decode-channel-frame.js';
import { encodeChannelMessage, type ChannelMessage } from '../src/protocol-info-channel-codec.js';
import { cloneWire, parseWire, serializeWire, wireSites, type WireNode } from './helpers/wire-tree.js';

function seedFromEnv(): number {
  const raw = process.env['SANSHARE_FUZZ_SEED'];
  if (raw === undefined || raw === '') return (Date.now() ^ Math.floor(Math.random() * 0x7fff_ffff)) | 0;
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed)) throw new Error(`SANSHARE_FUZZ_SEED must be an integer, got ${JSON.stringify(raw)}`);
  return seed | 0;
}

const SEED = seedFromEnv();
const MUTATED_RUNS = 6_000;
const RANDOM_RUNS = 2_500;
const SOUP_RUNS = 2_500;

/** Runs a property with the run's seed; a failure says how to replay it. */
function fuzz(name: string, property: fc.IPropertyWithHooks<unknown[]> | fc.IProperty<unknown[]>, numRuns: number): void {
  try {
    fc.assert(property, { seed: SEED, numRuns });
  } catch (error) {
    throw new Error(
      `${name}: the channel-frame fuzz failed with seed ${SEED}; replay it with SANSHARE_FUZZ_SEED=${SEED} npx vitest run test/channel-frame-fuzz.test.ts\n${(error as Error).message}`,
      { cause: error },
    );
  }
}

type Outcome = 'decoded' | 'refused';

/** The contract: a well-formed frame, or ERR_CHANNEL_PROTOCOL; anything else is rethrown (the property fails). */
function outcomeOf(bytes: Uint8Array): Outcome {
  let frame: ChannelFrame;
  try {
    frame = decodeChannelFrame(bytes);
  } catch (error) {
    if (isSwitchError(error, 'ERR_CHANNEL_PROTOCOL') && error.message.startsWith('ERR_CHANNEL_PROTOCOL: ')) return 'refused';
    throw error;
  }
  const id = (v: number): boolean => Number.isInteger(v) && v >= 1 && v <= 0xffff_ffff;
  switch (frame.kind) {
    case 'pidRequest':
      if (!id(frame.requestId)) throw new Error(`decoded a pid request with request_id ${frame.requestId}`);
      break;
    case 'pidReply':
      if (!id(frame.requestId) || !id(frame.pid)) throw new Error(`decoded a pid reply with request_id ${frame.requestId}, pid ${frame.pid}`);
      break;
    case 'protocolInfo':
      // What the channel hands the application must be a valid protocol info, that encodes again.
      validateProtocolInfo(frame.info);
      encodeProtocolInfo(frame.info);
      break;
    default:
      throw new Error(`decoded a frame of no known kind: ${JSON.stringify(frame)}`);
  }
  return 'decoded';
}

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const id = fc.integer({ min: 1, max: 0xffff_ffff });

/** Valid protocol infos, catalog entries' and duplicated sockets' (with an export context). */
const infoArb: fc.Arbitrary<ProtocolInfo> = fc
  .record({
    af: fc.constantFrom('inet' as const, 'inet6' as const),
    flags: fc.tuple(u32, u32, u32, u32),
    dwCatalogEntryId: u32,
    chain: fc.oneof(fc.constant(undefined), fc.array(id, { minLength: 2, maxLength: 7 })),
    szProtocol: fc.string({ maxLength: 64 }).map((s) => s.replace(/\0/g, '_')),
    reserved: id,
    context: fc.option(
      fc.record({
        sourcePid: u32,
        targetPid: u32,
        socketCookie: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
        nonce: fc.uint8Array({ minLength: 16, maxLength: 16 }),
        expiresAtMs: fc.maxSafeNat(),
      }),
      { nil: undefined },
    ),
  })
  .map(({ af, flags, dwCatalogEntryId, chain, szProtocol, reserved, context }): ProtocolInfo => {
    const info: ProtocolInfo = {
      ...defaultProtocolInfo(af),
      dwServiceFlags1: flags[0],
      dwServiceFlags2: flags[1],
      dwServiceFlags3: flags[2],
      dwServiceFlags4: flags[3],
      dwCatalogEntryId,
      szProtocol,
      dwProviderReserved: reserved,
      ...(chain === undefined ? {} : { ProtocolChain: { chainLen: chain.length, chainEntries: chain } }),
    };
    return context === undefined ? info : { ...info, exportContext: { exportId: reserved, ...context } };
  });

/** Valid frames, as a conforming peer sends them; a protocol info more often, as it nests deepest. */
const frameArb: fc.Arbitrary<Uint8Array> = fc
  .oneof(
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('pidRequest' as const), requestId: id }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('pidReply' as const), requestId: id, pid: id }) },
    { weight: 4, arbitrary: infoArb.map((info): ChannelMessage => ({ kind: 'protocolInfo', protocolInfo: encodeProtocolInfo(info) })) },
  )
  .map((message) => encodeChannelMessage(message as ChannelMessage));

/** Varint values at the edges every decoder must draw a line at, and anywhere up to (and past) 64 bits. */
const varintValue = fc.oneof(
  fc.constantFrom(0n, 1n, 0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn, 0x1_0000_0000n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.bigInt({ min: 2n ** 64n, max: 2n ** 70n - 1n }),
);
const smallBytes = fc.uint8Array({ maxLength: 40 });

/** One change to one field (`site`), or to the serialised bytes around it. */
type Mutation =
  | { kind: 'varint'; value: bigint }
  | { kind: 'wireType'; wireType: number; bytes: Uint8Array }
  | { kind: 'duplicate' }
  | { kind: 'delete' }
  | { kind: 'renumber'; field: bigint }
  | { kind: 'payload'; bytes: Uint8Array }
  | { kind: 'grow'; bytes: Uint8Array }
  | { kind: 'lengthDelta'; delta: number }
  | { kind: 'padding'; tag: number; value: number }
  | { kind: 'insert'; node: WireNode; before: boolean }
  | { kind: 'truncate'; keep: number }
  | { kind: 'flip'; at: number; bit: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('varint' as const), value: varintValue }),
  fc.record({ kind: fc.constant('wireType' as const), wireType: fc.integer({ min: 0, max: 7 }), bytes: smallBytes }),
  fc.record({ kind: fc.constant('duplicate' as const) }),
  fc.record({ kind: fc.constant('delete' as const) }),
  fc.record({ kind: fc.constant('renumber' as const), field: fc.oneof(fc.bigInt({ min: 0n, max: 25n }), fc.constantFrom(2n ** 29n - 1n, 2n ** 29n, 2n ** 32n)) }),
  fc.record({ kind: fc.constant('payload' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant('grow' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 5000 }) }),
  fc.record({ kind: fc.constant('lengthDelta' as const), delta: fc.integer({ min: -4, max: 4 }).filter((d) => d !== 0) }),
  fc.record({ kind: fc.constant('padding' as const), tag: fc.integer({ min: 0, max: 6 }), value: fc.integer({ min: 0, max: 6 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    before: fc.boolean(),
    node: fc.oneof(
      fc.record({ field: fc.bigInt({ min: 1n, max: 40n }), wireType: fc.constant(0), varint: varintValue }),
      fc.record({ field: fc.bigInt({ min: 1n, max: 40n }), wireType: fc.constantFrom(1, 2, 5), bytes: smallBytes }),
      fc.record({ field: fc.bigInt({ min: 1n, max: 40n }), wireType: fc.constantFrom(3, 4, 6, 7), bytes: smallBytes }),
    ),
  }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
);

/** Applies `m` to the field at `pick` (modulo the number of fields) of `frame`; returns the bytes and the field's depth. */
function mutate(frame: Uint8Array, pick: number, m: Mutation): { bytes: Uint8Array; depth: number } {
  const tree = cloneWire(parseWire(frame) as WireNode[]);
  const sites = wireSites(tree);
  const site = sites[pick % sites.length] as (typeof sites)[number];
  const node = site.list[site.index] as WireNode;
  switch (m.kind) {
    case 'varint':
      site.list[site.index] = { field: node.field, wireType: 0, varint: m.value };
      break;
    case 'wireType':
      site.list[site.index] = m.wireType === 0 ? { field: node.field, wireType: 0, varint: BigInt(m.bytes.length) } : { field: node.field, wireType: m.wireType, bytes: m.bytes };
      break;
    case 'duplicate':
      site.list.splice(site.index, 0, cloneWire([node])[0] as WireNode);
      break;
    case 'delete':
      site.list.splice(site.index, 1);
      break;
    case 'renumber':
      node.field = m.field;
      break;
    case 'payload':
      site.list[site.index] = { field: node.field, wireType: 2, bytes: m.bytes };
      break;
    case 'grow':
      // Past every size limit the decoders know (a protocol info is at most 4096 bytes).
      site.list[site.index] = { field: node.field, wireType: 2, bytes: Uint8Array.from([...(node.bytes ?? []), ...m.bytes]) };
      break;
    case 'lengthDelta':
      if (node.wireType === 2) node.lengthDelta = m.delta;
      else node.valuePadding = Math.abs(m.delta) + 5;
      break;
    case 'padding':
      node.tagPadding = m.tag;
      node.valuePadding = m.value;
      break;
    case 'insert':
      site.list.splice(site.index + (m.before ? 0 : 1), 0, m.node as WireNode);
      break;
    case 'truncate':
    case 'flip':
      break;
  }
  let bytes = serializeWire(tree);
  if (m.kind === 'truncate') bytes = bytes.subarray(0, m.keep % (bytes.length + 1));
  if (m.kind === 'flip' && bytes.length > 0) {
    bytes = Uint8Array.from(bytes);
    const at = m.at % bytes.length;
    bytes[at] = (bytes[at] as number) ^ (1 << m.bit);
  }
  return { bytes, depth: site.depth };
}

/** Random fields, nested up to twice: a tag soup that often looks like a frame. */
const soupNode: fc.Arbitrary<WireNode> = fc.oneof(
  fc.record({ field: fc.bigInt({ min: 0n, max: 30n }), wireType: fc.constant(0), varint: varintValue }),
  fc.record({ field: fc.bigInt({ min: 0n, max: 30n }), wireType: fc.integer({ min: 1, max: 7 }), bytes: smallBytes }),
);
const soupArb: fc.Arbitrary<Uint8Array> = fc
  .array(
    fc.oneof(
      soupNode,
      fc.record({
        field: fc.bigInt({ min: 1n, max: 3n }),
        wireType: fc.constant(2),
        children: fc.array(fc.oneof(soupNode, fc.record({ field: fc.bigInt({ min: 1n, max: 3n }), wireType: fc.constant(2), children: fc.array(soupNode, { maxLength: 6 }) })), {
          maxLength: 6,
        }),
      }),
    ),
    { maxLength: 6 },
  )
  .map((nodes) => serializeWire(nodes));

describe('decodeChannelFrame under fuzzing', () => {
  it(`should decode or refuse with ERR_CHANNEL_PROTOCOL ${MUTATED_RUNS} valid frames changed field by field, at every depth`, () => {
    const seen = { decoded: 0, refused: 0, nested: 0, insideInfo: 0 };
    fuzz(
      'mutated frames',
      fc.property(frameArb, fc.nat(), mutationArb, (frame, pick, m) => {
        const { bytes, depth } = mutate(frame, pick, m);
        seen[outcomeOf(bytes)]++;
        if (depth >= 1) seen.nested++;
        if (depth >= 2) seen.insideInfo++;
      }),
      MUTATED_RUNS,
    );
    // The cases went past the first tag, deep into the protocol info, and both outcomes occurred:
    // loose bounds (the seed changes every run) that a generator gone flat would still break.
    expect(seen.nested).toBeGreaterThan(MUTATED_RUNS / 2);
    expect(seen.insideInfo).toBeGreaterThan(MUTATED_RUNS / 4);
    expect(seen.decoded).toBeGreaterThan(MUTATED_RUNS / 100);
    expect(seen.refused).toBeGreaterThan(MUTATED_RUNS / 4);
  });

  it(`should decode or refuse with ERR_CHANNEL_PROTOCOL ${RANDOM_RUNS} random byte strings`, () => {
    fuzz(
      'random bytes',
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 20_000 })), (bytes) => void outcomeOf(bytes)),
      RANDOM_RUNS,
    );
  });

  it(`should decode or refuse with ERR_CHANNEL_PROTOCOL ${SOUP_RUNS} soups of random fields`, () => {
    fuzz('field soup', fc.property(soupArb, (bytes) => void outcomeOf(bytes)), SOUP_RUNS);
  });

  it('should decode every valid frame unchanged (the mutations start from frames that decode)', () => {
    fuzz('valid frames', fc.property(frameArb, (frame) => {
        expect(outcomeOf(frame)).toBe('decoded');
      }), 500);
  });
});
