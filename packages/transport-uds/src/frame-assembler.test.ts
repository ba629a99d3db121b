import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FLAG_CONTINUATION, FLAG_MORE, HEADER_BYTES } from './constants.js';
import { isUdsError } from './errors.js';
import { FrameAssembler } from './frame-assembler.js';
import { encodeFrameHeader } from './frame-header.js';

const limits = { maxMessageBytes: 4096, maxFdsPerMessage: 4 };

/** The records a sender writes for `data`, cut at the given chunk sizes (the last takes the rest). */
function records(data: Uint8Array, fdCount: number, cuts: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let offset = 0;
  let i = 0;
  do {
    const want = cuts[i++] ?? data.length;
    const chunk = Math.max(1, Math.min(want, data.length - offset));
    const size = data.length === 0 ? 0 : chunk;
    const more = offset + size < data.length;
    const record = new Uint8Array(HEADER_BYTES + size);
    encodeFrameHeader(record, {
      flags: (more ? FLAG_MORE : 0) | (offset > 0 ? FLAG_CONTINUATION : 0),
      fdCount: offset === 0 ? fdCount : 0,
      messageLength: data.length,
      chunkOffset: offset,
    });
    record.set(data.subarray(offset, offset + size), HEADER_BYTES);
    out.push(record);
    offset += size;
  } while (offset < data.length);
  return out;
}

const ERROR_CODES = ['UDS_MALFORMED_FRAME', 'UDS_VERSION_MISMATCH', 'UDS_FRAME_TOO_LARGE', 'UDS_TOO_MANY_FDS'];

describe('FrameAssembler', () => {
  it('should return a single-record message with its descriptors', () => {
    const a = new FrameAssembler(limits);
    const [record] = records(new Uint8Array([1, 2, 3]), 2, []);
    expect(a.push(record!, [7, 8])).toEqual({ data: new Uint8Array([1, 2, 3]), fds: [7, 8] });
  });

  it('should deliver a message whose descriptors the kernel cut short (MSG_CTRUNC) as truncated, with those that arrived', () => {
    const a = new FrameAssembler(limits);
    const [record] = records(new Uint8Array([1, 2, 3]), 4, []);
    expect(a.push(record!, [7], true)).toEqual({ data: new Uint8Array([1, 2, 3]), fds: [7], truncated: true, droppedFds: 3 });
    expect(a.push(record!, [], true)).toEqual({ data: new Uint8Array([1, 2, 3]), fds: [], truncated: true, droppedFds: 4 });
  });

  it('should carry the truncation of the first record to the end of a fragmented message', () => {
    const a = new FrameAssembler(limits);
    const data = new Uint8Array(100).map((_, i) => i);
    const [first, second] = records(data, 2, [60]);
    expect(a.push(first!, [9], true)).toBeNull();
    expect(a.push(second!, [])).toEqual({ data, fds: [9], truncated: true, droppedFds: 1 });
  });

  it('should refuse a cut short record that announces no more descriptors than arrived', () => {
    const a = new FrameAssembler(limits);
    const [two] = records(new Uint8Array([1]), 2, []);
    const [none] = records(new Uint8Array([1]), 0, []);
    expect(() => a.push(two!, [5, 6], true)).toThrow(expect.objectContaining({ code: 'UDS_MALFORMED_FRAME', message: expect.stringContaining('MSG_CTRUNC') }));
    expect(() => a.push(none!, [], true)).toThrow(expect.objectContaining({ code: 'UDS_MALFORMED_FRAME' }));
    const [big] = records(new Uint8Array([1]), 5, []);
    expect(() => a.push(big!, [1], true)).toThrow(expect.objectContaining({ code: 'UDS_TOO_MANY_FDS' }));
  });

  it('should reassemble any split of a valid message, descriptors on the first record', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: limits.maxMessageBytes }),
        fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 20 }),
        fc.integer({ min: 0, max: 4 }),
        (data, cuts, fdCount) => {
          const a = new FrameAssembler(limits);
          const fds = Array.from({ length: fdCount }, (_, i) => 100 + i);
          const parts = records(data, fdCount, cuts);
          const results = parts.map((r, i) => a.push(r, i === 0 ? fds : []));
          expect(results.slice(0, -1).every((r) => r === null)).toBe(true);
          expect(results.at(-1)).toEqual({ data, fds });
          expect(a.inProgress).toBe(false);
        },
      ),
    );
  });

  it('should reject random bytes with a typed error, never anything else', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { minLength: 1, maxLength: 5 }), (garbage) => {
        const a = new FrameAssembler(limits);
        for (const record of garbage) {
          try {
            a.push(record, []);
          } catch (error) {
            expect(isUdsError(error)).toBe(true);
            expect(ERROR_CODES).toContain((error as { code: string }).code);
            a.abandon();
            return;
          }
        }
      }),
    );
  });

  it('should reject a valid header followed by random mutations with a typed error or a consistent message', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.integer({ min: 0, max: HEADER_BYTES + 299 }),
        fc.integer({ min: 0, max: 255 }),
        (data, at, value) => {
          const [record] = records(data, 0, []);
          const mutated = record!.slice();
          if (at < mutated.length) mutated[at] = value;
          const a = new FrameAssembler(limits);
          try {
            const message = a.push(mutated, []);
            // Payload mutations still decode; header mutations never yield a wrong length.
            if (message !== null) expect(message.data.length).toBe(mutated.length - HEADER_BYTES);
          } catch (error) {
            expect(ERROR_CODES).toContain((error as { code: string }).code);
          }
        },
      ),
    );
  });

  it('should reject every truncation of a valid record', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(), (data, n) => {
        const [record] = records(data, 0, []);
        const cut = record!.subarray(0, n % record!.length);
        expect(() => new FrameAssembler(limits).push(cut, [])).toThrow(
          expect.objectContaining({ code: 'UDS_MALFORMED_FRAME' }),
        );
      }),
    );
  });

  it('should reject a truncated header', () => {
    expect(() => new FrameAssembler(limits).push(new Uint8Array(5), [])).toThrow(/truncated frame header/);
  });

  it('should reject a length prefix beyond the maximum before allocating it', () => {
    const record = new Uint8Array(HEADER_BYTES + 10);
    encodeFrameHeader(record, { flags: FLAG_MORE, fdCount: 0, messageLength: 0xffff_ffff, chunkOffset: 0 });
    expect(() => new FrameAssembler(limits).push(record, [])).toThrow(expect.objectContaining({ code: 'UDS_FRAME_TOO_LARGE' }));
  });

  it('should reject another wire version', () => {
    const [record] = records(new Uint8Array([1]), 0, []);
    record![4] = 2;
    expect(() => new FrameAssembler(limits).push(record!, [])).toThrow(expect.objectContaining({ code: 'UDS_VERSION_MISMATCH' }));
  });

  it('should reject descriptors with no message', () => {
    expect(() => new FrameAssembler(limits).push(new Uint8Array(0), [5])).toThrow(/no message/);
  });

  it('should reject more descriptors than the limit, and a count that differs from the header', () => {
    const [record] = records(new Uint8Array([1]), 5, []);
    expect(() => new FrameAssembler(limits).push(record!, [1, 2, 3, 4, 5])).toThrow(expect.objectContaining({ code: 'UDS_TOO_MANY_FDS' }));
    const [two] = records(new Uint8Array([1]), 2, []);
    expect(() => new FrameAssembler(limits).push(two!, [1])).toThrow(expect.objectContaining({ code: 'UDS_MALFORMED_FRAME' }));
  });

  it('should reject out-of-sequence records and hand back the descriptors of a half message', () => {
    const data = new Uint8Array(100);
    const parts = records(data, 1, [30, 30]);
    const a = new FrameAssembler(limits);
    expect(a.push(parts[0]!, [42])).toBeNull();
    expect(() => a.push(parts[2]!, [])).toThrow(/out of sequence/);
    expect(a.abandon()).toEqual([42]);
    expect(() => new FrameAssembler(limits).push(parts[1]!, [])).toThrow(/no message in progress/);
    const b = new FrameAssembler(limits);
    b.push(parts[0]!, [1]);
    expect(() => b.push(parts[0]!, [2])).toThrow(/before the previous one was complete/);
  });
});
