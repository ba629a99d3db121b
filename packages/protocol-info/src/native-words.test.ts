import { describe, expect, it } from 'vitest';
import { swapBlockOrder } from './native-words.js';

/** A 628-byte block of distinct-ish bytes, placed at `start` in a larger buffer. */
function block(start: number): Uint8Array {
  const bytes = new Uint8Array(start + 628 + 4);
  for (let i = 0; i < 628; i++) bytes[start + i] = (i * 7 + 3) & 0xff;
  return bytes;
}

describe('swapBlockOrder', () => {
  // Only big-endian hosts run it in the codecs; its effect is checked here on any host.
  it('should reverse each 32-bit field and each szProtocol unit, and leave the GUID bytes alone', () => {
    for (const start of [0, 4, 628]) {
      const before = block(start);
      const after = before.slice();
      swapBlockOrder(after, start);
      const le = new DataView(before.buffer, start, 628);
      const be = new DataView(after.buffer, start, 628);
      for (let at = 0; at < 116; at += 4) {
        if (at >= 20 && at < 36) continue;
        expect(be.getUint32(at, false)).toBe(le.getUint32(at, true));
      }
      expect(Array.from(after.subarray(start + 20, start + 36))).toStrictEqual(Array.from(before.subarray(start + 20, start + 36)));
      for (let at = 116; at < 628; at += 2) expect(be.getUint16(at, false)).toBe(le.getUint16(at, true));
      // Nothing outside the block moves.
      expect(Array.from(after.subarray(0, start))).toStrictEqual(Array.from(before.subarray(0, start)));
      expect(Array.from(after.subarray(start + 628))).toStrictEqual(Array.from(before.subarray(start + 628)));
    }
  });

  it('should be its own inverse', () => {
    const bytes = block(0);
    const original = Array.from(bytes);
    swapBlockOrder(bytes, 0);
    swapBlockOrder(bytes, 0);
    expect(Array.from(bytes)).toStrictEqual(original);
  });
});
