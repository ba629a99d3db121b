import { describe, expect, it } from 'vitest';
import { isWsaError } from '../errors.js';
import { WireReader } from './wire-reader.js';
import { WireType, wireTag } from './wire-type.js';

/** Varint bytes of a non-negative bigint. */
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

const reader = new WireReader('decodeTest');

/** Reads one field of `bytes` with `read`, after its tag. */
function readOne<T>(bytes: number[], read: (r: WireReader, end: number) => T): T {
  const r = reader.reset(Uint8Array.from(bytes));
  const end = bytes.length;
  r.tag(end, 'Test');
  try {
    return read(r, end);
  } finally {
    r.release();
  }
}

function problem(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isWsaError(error, 'WSAEINVAL')) return error.message;
    throw error;
  }
  throw new Error('expected a WSAEINVAL');
}

describe('WireReader', () => {
  it('should read each scalar exactly', () => {
    expect(readOne([8, ...varint(0xffff_ffff)], (r, e) => r.uint32(e))).toBe(0xffff_ffff);
    expect(readOne([8, ...varint(2n ** 64n - 1n)], (r, e) => r.int32(e))).toBe(-1);
    expect(readOne([8, ...varint(2 ** 53 - 1)], (r, e) => r.uint53(e))).toBe(2 ** 53 - 1);
    expect(readOne([8, ...varint(2n ** 64n - 1n)], (r, e) => r.uint64(e))).toBe(2n ** 64n - 1n);
    expect(readOne([8, 1], (r, e) => r.bool(e))).toBe(true);
    expect(readOne([9, 1, 2, 3, 4, 5, 6, 7, 0x80], (r, e) => r.fixed64(e))).toBe(0x8007060504030201n);
    expect(readOne([10, 2, 0x68, 0x69], (r, e) => r.string(e))).toBe('hi');
  });

  it('should refuse what a lenient reader would truncate or accept', () => {
    expect(problem(() => readOne([8, ...varint(2 ** 32)], (r, e) => r.uint32(e)))).toContain('out of uint32 range');
    expect(problem(() => readOne([8, ...varint(2 ** 31)], (r, e) => r.int32(e)))).toContain('out of int32 range');
    expect(problem(() => readOne([8, ...varint(2 ** 53)], (r, e) => r.uint53(e)))).toContain('over 2^53-1');
    expect(problem(() => readOne([8, 2], (r, e) => r.bool(e)))).toContain('not a bool');
    expect(problem(() => readOne([8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02], (r, e) => r.uint64(e)))).toContain('does not fit in 64 bits');
    expect(problem(() => readOne([10, 1, 0xc0], (r, e) => r.string(e)))).toContain('not valid UTF-8');
    expect(problem(() => readOne([10, 5, 1], (r, e) => r.bytes(e)))).toContain('runs past the end');
    expect(problem(() => readOne([10, 3, 1, 2, 3], (r, e) => r.bytes(e, 2)))).toContain('3 bytes exceed the limit of 2');
    expect(problem(() => readOne([9, 1, 2], (r, e) => r.fixed64(e)))).toContain('truncated fixed64');
  });

  it('should refuse groups and wire types 6 and 7 for any field, and field number 0', () => {
    for (const wireType of [3, 4, 6, 7]) {
      expect(problem(() => readOne([wireTag(1, wireType as WireType)], () => 0))).toMatch(/Test\.field 1 at byte 0: wire type .* is not allowed/);
    }
    expect(problem(() => readOne([0], () => 0))).toContain('field number out of range');
  });

  it('should refuse a singular field twice and a wrong wire type, naming the field', () => {
    const r = reader.reset(Uint8Array.from([8, 1, 8, 2]));
    let seen = 0;
    r.tag(4, 'Test');
    seen = r.field('id (id = 1)', WireType.VARINT, seen, 1);
    r.uint32(4);
    r.tag(4, 'Test');
    expect(problem(() => r.field('id (id = 1)', WireType.VARINT, seen, 1))).toBe('WSAEINVAL: decodeTest: Test.id (id = 1) at byte 2: singular field appears more than once');
    r.reset(Uint8Array.from([10, 0]));
    r.tag(2, 'Test');
    expect(problem(() => r.field('id (id = 1)', WireType.VARINT, 0, 1))).toContain('wire type length-delimited, expected varint');
  });

  it('should read repeated uint32 packed or not, up to a limit', () => {
    const into: number[] = [];
    const r = reader.reset(Uint8Array.from([8, 5, 10, 2, 6, 7]));
    r.tag(6, 'Test');
    r.uint32s(6, into, 3);
    r.tag(6, 'Test');
    r.uint32s(6, into, 3);
    expect(into).toEqual([5, 6, 7]);
    expect(problem(() => readOne([10, 4, 1, 2, 3, 4], (rr, e) => rr.uint32s(e, [], 3, 'ids')))).toContain('more than 3 ids');
  });

  it('should skip unknown fields of every allowed wire type, and copy bytes out of the input', () => {
    const bytes = Uint8Array.from([...[wireTag(9, 0), 0x96, 1], ...[wireTag(9, 1), 1, 2, 3, 4, 5, 6, 7, 8], ...[wireTag(9, 2), 1, 9], ...[wireTag(9, 5), 1, 2, 3, 4], wireTag(1, 2), 2, 0xaa, 0xbb]);
    const r = reader.reset(Buffer.from(bytes));
    let got: Uint8Array | undefined;
    while (r.pos < bytes.length) {
      const number = r.tag(bytes.length, 'Test');
      if (number === 1) got = r.bytes(bytes.length);
      else r.skip(number, bytes.length);
    }
    expect(got).toEqual(Uint8Array.from([0xaa, 0xbb]));
    expect(Buffer.isBuffer(got)).toBe(false);
    r.buf[bytes.length - 1] = 0;
    expect(got?.[1]).toBe(0xbb);
  });
});
