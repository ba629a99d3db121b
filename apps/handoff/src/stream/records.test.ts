import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RECORD_SIZE, RecordReader, decodeRecord, encodeRecord, encodeRecords, isStreamCheckError } from './records.js';

describe('records', () => {
  it('should encode a record as 12 bytes and decode it back', () => {
    const bytes = encodeRecord('S', 42);
    expect(bytes.toString('latin1')).toBe('S0000000042\n');
    expect(bytes).toHaveLength(RECORD_SIZE);
    expect(decodeRecord(bytes)).toEqual({ tag: 'S', n: 42 });
  });

  it('should reject a bad tag or number with a RangeError', () => {
    expect(() => encodeRecord('SS', 1)).toThrow(RangeError);
    expect(() => encodeRecord('S', -1)).toThrow(RangeError);
    expect(() => encodeRecord('S', 1e10)).toThrow(RangeError);
  });

  it('should read records split anywhere and know how many bytes the current one lacks', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 }), (cuts) => {
        const stream = encodeRecords('S', 7, 20);
        const reader = new RecordReader({ expectFirst: { S: 7 } });
        let offset = 0;
        for (const cut of cuts) {
          const end = Math.min(stream.length, offset + cut);
          reader.feed(stream.subarray(offset, end));
          offset = end;
          expect(reader.pending).toBe(offset % RECORD_SIZE === 0 ? 0 : RECORD_SIZE - (offset % RECORD_SIZE));
        }
        reader.feed(stream.subarray(offset));
        expect(reader.range('S')).toEqual({ first: 7, last: 26, count: 20 });
      }),
    );
  });

  it('should throw a StreamCheckError on a lost, repeated or malformed record', () => {
    const lost = new RecordReader();
    expect(() => lost.feed(Buffer.concat([encodeRecord('S', 0), encodeRecord('S', 2)]))).toThrow(/follows 0/);
    const repeated = new RecordReader();
    try {
      repeated.feed(Buffer.concat([encodeRecord('S', 0), encodeRecord('S', 0)]));
      expect.unreachable();
    } catch (error) {
      expect(isStreamCheckError(error)).toBe(true);
    }
    expect(() => new RecordReader().feed(Buffer.from('S00000000x1\n'))).toThrow(/malformed/);
    expect(() => new RecordReader({ expectFirst: { S: 0 } }).feed(encodeRecord('S', 1))).toThrow(/expected 0/);
  });
});
