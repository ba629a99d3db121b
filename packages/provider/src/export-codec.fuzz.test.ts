/**
 * Fuzzing of every decoder a socket reaches in the provider: `decodeSourceFrame` (what a target reads
 * from a source: the envelope and its `Export`, with `SocketEssentials` and `EmulatedOptions`) and
 * `decodeTargetFrame` (what a source reads from a target: the envelope, `ExportReply`, `ExportNotice`),
 * plus the bare messages they wrap. Each gets FUZZ_RUNS seeded cases per run (10,000 by default): half
 * arbitrary bytes, half valid frames mutated one field at a time, at any depth (a field dropped,
 * repeated, given another wire type, another value, a length that lies, bytes flipped...), re-wrapped
 * with correct lengths so that they get past the envelope. Every outcome must be a decoded value or a
 * `WsaError` `WSAEINVAL`, never another exception.
 *
 * `ExportBatch` and `ExportBatchReply` (the batch members of both envelopes) get the same treatment:
 * valid batches of 1 to 6 exports (or replies) mutated at any depth, an export inside the batch
 * included.
 *
 * The seed is random per run and printed on failure; `FUZZ_SEED=<n>` replays a run, `FUZZ_RUNS=<n>`
 * changes the count.
 */
import fc from 'fast-check';
import { isWsaError } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import {
  decodeExport,
  decodeExportReply,
  decodeSourceFrame,
  decodeSourceFrameBody,
  decodeTargetFrame,
  encodeExport,
  encodeExportReply,
  encodeSourceBatch,
  encodeSourceFrame,
  encodeTargetBatchReply,
  encodeTargetNotice,
  encodeTargetReply,
  ExportStatus,
  type ExportMessage,
  type ExportReplyMessage,
} from './export-codec.js';

const SEED = process.env['FUZZ_SEED'] === undefined ? (Date.now() ^ (process.pid << 8)) >>> 0 : Number(process.env['FUZZ_SEED']);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 10_000);

/** One field of a message: its number, wire type and value bytes (after the tag; LEN values without their length). */
interface Field {
  number: number;
  wireType: number;
  value: number[];
  /** The fields inside, when the value is an embedded message the fuzzer may descend into. */
  inner?: Field[];
  /** Added to a LEN value's true length when it is written: a length that lies. */
  lie?: number;
}

function varint(value: bigint | number): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? byte | 0x80 : byte);
  } while (v > 0n);
  return out;
}

/** Splits well-formed bytes into fields (the bytes come from our own encoder), descending into `nested` field numbers. */
function split(bytes: Uint8Array, nested: (path: number[]) => boolean, path: number[] = []): Field[] {
  const fields: Field[] = [];
  let pos = 0;
  const read = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = bytes[pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7n;
    }
  };
  while (pos < bytes.length) {
    const tag = Number(read());
    const number = tag >>> 3;
    const wireType = tag & 7;
    let value: number[];
    if (wireType === 0) {
      const start = pos;
      read();
      value = [...bytes.subarray(start, pos)];
    } else if (wireType === 1) value = [...bytes.subarray(pos, (pos += 8))];
    else if (wireType === 5) value = [...bytes.subarray(pos, (pos += 4))];
    else {
      const length = Number(read());
      value = [...bytes.subarray(pos, (pos += length))];
    }
    const field: Field = { number, wireType, value };
    if (wireType === 2 && nested([...path, number])) field.inner = split(Uint8Array.from(value), nested, [...path, number]);
    fields.push(field);
  }
  return fields;
}

/** The bytes of `fields`, each embedded message re-encoded from its (possibly mutated) inner fields with a true length. */
function join(fields: Field[]): number[] {
  const out: number[] = [];
  for (const f of fields) {
    out.push(...varint((BigInt(f.number) << 3n) | BigInt(f.wireType & 7)));
    const value = f.inner !== undefined ? join(f.inner) : f.value;
    if ((f.wireType & 7) === 2) out.push(...varint(Math.max(0, value.length + (f.lie ?? 0))));
    out.push(...value);
  }
  return out;
}

/** Every list of fields of the message, at any depth (the top one first). */
function levels(fields: Field[]): Field[][] {
  const all: Field[][] = [fields];
  for (const f of fields) if (f.inner !== undefined) all.push(...levels(f.inner));
  return all;
}

/** Interesting varint values: edges of uint32, int32, 2^53 and 64 bits, and small ones. */
const EDGE_VARINTS = [0n, 1n, 2n, 6n, 23n, 99n, 0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn, 0x1_0000_0000n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n];

/** One structural mutation of one field, chosen by `pick`. Mutates in place. */
function mutateOne(fields: Field[], pick: () => number, bytes: () => number[]): void {
  const all = levels(fields).filter((level) => level.length > 0);
  const level = all[pick() % all.length] as Field[];
  const at = pick() % level.length;
  const field = level[at] as Field;
  switch (pick() % 11) {
    case 0: // dropped
      level.splice(at, 1);
      break;
    case 1: // sent twice
      level.splice(at, 0, { ...field, value: [...field.value] });
      break;
    case 2: // another wire type (groups and 6, 7 included), same value bytes
      field.wireType = (field.wireType + 1 + (pick() % 7)) & 7;
      delete field.inner;
      break;
    case 3: // another varint value, at an edge
      field.wireType = 0;
      delete field.inner;
      field.value = varint(EDGE_VARINTS[pick() % EDGE_VARINTS.length] as bigint);
      break;
    case 4: // random value bytes of the same wire type
      delete field.inner;
      field.value = bytes();
      break;
    case 5: // a bit flipped in the value
      if (field.inner === undefined && field.value.length > 0) {
        const i = pick() % field.value.length;
        field.value[i] = ((field.value[i] as number) ^ (1 << pick() % 8)) & 0xff;
      } else {
        delete field.inner;
      }
      break;
    case 6: // the value cut short; a length-delimited one keeps announcing its old length (or more, or less)
      delete field.inner;
      field.lie = field.value.length - (pick() % (field.value.length + 1)) + (pick() % 3) - 1;
      field.value = field.value.slice(0, field.value.length - field.lie);
      break;
    case 7: // another field number
      field.number = 1 + (pick() % 40);
      break;
    case 8: // a huge field number, or 0
      field.number = [0, 2 ** 29 - 1, 31, 32][pick() % 4] as number;
      break;
    case 9: // the field moved to the end (order must not matter)
      level.splice(at, 1);
      level.push(field);
      break;
    default: // an unknown field added
      level.splice(at, 0, { number: 100 + (pick() % 100), wireType: [0, 1, 2, 5][pick() % 4] as number, value: bytes() });
  }
}

/** Runs `decode` on `input`: a value, or a WsaError WSAEINVAL; anything else fails the property. */
function outcome(decode: (bytes: Uint8Array) => unknown, input: Uint8Array): 'value' | string {
  try {
    decode(input);
    return 'value';
  } catch (error) {
    if (!isWsaError(error, 'WSAEINVAL')) throw new Error(`not a WsaError WSAEINVAL: ${String(error)}`, { cause: error });
    return error.message;
  }
}

/** fc.assert with this run's seed, and the seed (and how to replay it) in the failure. */
function check(name: string, property: fc.IProperty<[Uint8Array]>): void {
  try {
    fc.assert(property, { seed: SEED, numRuns: RUNS });
  } catch (error) {
    throw new Error(`fuzzing ${name} failed: replay with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}\n${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const i32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const exportArb: fc.Arbitrary<ExportMessage> = fc.record({
  version: fc.constantFrom(2, 1, 0, 3),
  exportId: u32,
  nonce: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  socketCookie: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  targetPid: u32,
  socket: fc.record({ addressFamily: i32, socketType: i32, protocol: i32, catalogEntryId: u32 }),
  options: fc.record({ rcvtimeoMs: u32, sndtimeoMs: u32 }),
  readAhead: fc.uint8Array({ maxLength: 64 }),
  appMessage: fc.option(fc.uint8Array({ maxLength: 32 }), { nil: undefined }),
});
const replyArb: fc.Arbitrary<ExportReplyMessage> = fc.record({
  exportId: u32,
  status: fc.constantFrom(...Object.values(ExportStatus)),
  expiresAtMs: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  message: fc.string({ maxLength: 20 }),
  grantedExportIds: fc.array(u32, { maxLength: 8 }),
  importTimeoutMs: u32,
});
const noticeArb = fc.record({ claimedExportIds: fc.array(u32, { maxLength: 6 }), lapsedExportIds: fc.array(u32, { maxLength: 6 }) });

/** Valid bytes from `valid`, mutated field by field (1 to 4 mutations), or plain arbitrary bytes: half each. */
function inputs(valid: fc.Arbitrary<Uint8Array>, nested: (path: number[]) => boolean): fc.Arbitrary<Uint8Array> {
  const mutated = fc
    .tuple(valid, fc.array(fc.nat(), { minLength: 16, maxLength: 64 }), fc.array(fc.uint8Array({ maxLength: 12 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 1, max: 4 }))
    .map(([bytes, picks, values, count]) => {
      const fields = split(bytes, nested);
      let i = 0;
      let v = 0;
      const pick = (): number => picks[i++ % picks.length] as number;
      const value = (): number[] => [...(values[v++ % values.length] as Uint8Array)];
      for (let m = 0; m < count && fields.length > 0; m++) mutateOne(fields, pick, value);
      return Uint8Array.from(join(fields));
    });
  return fc.oneof(mutated, fc.uint8Array({ maxLength: 96 }));
}

/** Field paths of embedded messages: SourceFrame.export (1), and in it socket (6) and options (7). */
const sourceNested = (path: number[]): boolean => (path.length === 1 && path[0] === 1) || (path.length === 2 && path[0] === 1 && (path[1] === 6 || path[1] === 7));
/** TargetFrame.reply (1) and .notice (2). */
const targetNested = (path: number[]): boolean => path.length === 1 && (path[0] === 1 || path[0] === 2);

describe('fuzzing the decoders a socket reaches (seeded; FUZZ_SEED replays a run)', () => {
  it(`should decode or refuse with WSAEINVAL every SourceFrame, valid frames mutated field by field included (${RUNS} cases)`, () => {
    let pastFirstTag = 0;
    let mutatedValues = 0;
    check(
      'decodeSourceFrame',
      fc.property(inputs(exportArb.map(encodeSourceFrame), sourceNested), (input) => {
        const result = outcome(decodeSourceFrame, input);
        if (result === 'value') mutatedValues++;
        else if (!/ at byte [01]:/.test(result)) pastFirstTag++;
      }),
    );
    // The mutations reach inside the frame: many refusals are past the envelope's first tag, and some inputs still decode.
    expect(pastFirstTag).toBeGreaterThan(RUNS / 5);
    expect(mutatedValues).toBeGreaterThan(RUNS / 50);
  });

  it(`should decode or refuse with WSAEINVAL every TargetFrame, replies and notices mutated field by field included (${RUNS} cases)`, () => {
    let pastFirstTag = 0;
    const valid = fc.oneof(replyArb.map(encodeTargetReply), noticeArb.map(encodeTargetNotice));
    check(
      'decodeTargetFrame',
      fc.property(inputs(valid, targetNested), (input) => {
        const result = outcome(decodeTargetFrame, input);
        if (result !== 'value' && !/ at byte [01]:/.test(result)) pastFirstTag++;
      }),
    );
    expect(pastFirstTag).toBeGreaterThan(RUNS / 10);
  });

  it(`should decode or refuse with WSAEINVAL every bare Export and ExportReply (the messages inside the frames; ${RUNS} cases each)`, () => {
    check(
      'decodeExport',
      fc.property(inputs(exportArb.map(encodeExport), (path) => path.length === 1 && (path[0] === 6 || path[0] === 7)), (input) => {
        outcome(decodeExport, input);
      }),
    );
    check(
      'decodeExportReply',
      fc.property(inputs(replyArb.map(encodeExportReply), () => false), (input) => {
        outcome(decodeExportReply, input);
      }),
    );
  });

  /** SourceFrame.export_batch (2), its exports (2.1), and in each its socket (2.1.6) and options (2.1.7). */
  const batchNested = (path: number[]): boolean =>
    path[0] === 2 && (path.length === 1 || (path.length === 2 && path[1] === 1) || (path.length === 3 && path[1] === 1 && (path[2] === 6 || path[2] === 7)));

  it(`should decode or refuse with WSAEINVAL every SourceFrame carrying an ExportBatch, valid batches mutated field by field included (${RUNS} cases)`, () => {
    let pastFirstTag = 0;
    let batches = 0;
    const valid = fc.array(exportArb, { minLength: 1, maxLength: 6 }).map((exports) => encodeSourceBatch(exports.map(encodeExport)));
    check(
      'decodeSourceFrameBody (ExportBatch)',
      fc.property(inputs(valid, batchNested), (input) => {
        let body: ReturnType<typeof decodeSourceFrameBody> | undefined;
        const result = outcome((bytes) => (body = decodeSourceFrameBody(bytes)), input);
        if (result !== 'value' && !/ at byte [01]:/.test(result)) pastFirstTag++;
        if (body?.batch !== undefined) {
          batches++;
          // Never more exports than one SCM_RIGHTS message can carry descriptors for.
          expect(body.batch.length).toBeLessThanOrEqual(253);
          expect(body.export).toBeUndefined();
        }
      }),
    );
    expect(pastFirstTag).toBeGreaterThan(RUNS / 5);
    expect(batches).toBeGreaterThan(RUNS / 50);
  });

  it(`should decode or refuse with WSAEINVAL every TargetFrame carrying an ExportBatchReply, mutated field by field included (${RUNS} cases)`, () => {
    let pastFirstTag = 0;
    const valid = fc.array(replyArb, { minLength: 1, maxLength: 6 }).map(encodeTargetBatchReply);
    check(
      'decodeTargetFrame (ExportBatchReply)',
      fc.property(inputs(valid, (path) => path[0] === 3 && path.length <= 2), (input) => {
        const result = outcome(decodeTargetFrame, input);
        if (result !== 'value' && !/ at byte [01]:/.test(result)) pastFirstTag++;
      }),
    );
    expect(pastFirstTag).toBeGreaterThan(RUNS / 10);
  });
});
