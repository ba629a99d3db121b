import { describe, expect, it } from 'vitest';
import { sampleInfo } from '../../test/arbitraries.js';
import { decodeProtocolInfo } from '../decode-protocol-info.js';
import { encodeProtocolInfo } from '../encode-protocol-info.js';
import { fromNativeLayout } from '../from-native-layout.js';
import { StringMemo } from './string-memo.js';
import { toNativeLayout } from '../to-native-layout.js';

describe('StringMemo', () => {
  it('should return the remembered string only for the same bytes', () => {
    const memo = new StringMemo();
    const bytes = Uint8Array.from([0, 104, 105, 0]);
    expect(memo.get(bytes, 1, 3)).toBeUndefined();
    memo.set(bytes, 1, 3, 'hi');
    expect(memo.get(Uint8Array.from([104, 105]), 0, 2)).toBe('hi');
    expect(memo.get(Uint8Array.from([104, 106]), 0, 2)).toBeUndefined();
    expect(memo.get(Uint8Array.from([104]), 0, 1)).toBeUndefined();
    bytes[1] = 0;
    expect(memo.get(Uint8Array.from([104, 105]), 0, 2)).toBe('hi');
  });

  it('should grow for a string longer than its buffer', () => {
    const memo = new StringMemo();
    const long = new Uint8Array(500).fill(65);
    memo.set(long, 0, 500, 'A'.repeat(500));
    expect(memo.get(long, 0, 500)).toBe('A'.repeat(500));
  });
});

describe('the codecs with remembered strings', () => {
  it('should see a change of the bytes of a reused buffer', () => {
    const native = toNativeLayout(sampleInfo());
    expect(fromNativeLayout(native).szProtocol).toBe(sampleInfo().szProtocol);
    native[116] = 0x5a; // 's' -> 'Z'
    native[20] = 0xa1; // first byte of ProviderId (Data1, little-endian)
    const changed = fromNativeLayout(native);
    expect(changed.szProtocol).toBe(`Z${sampleInfo().szProtocol.slice(1)}`);
    expect(changed.ProviderId).toBe('e70f1aa1-ab8b-11cf-8ca3-00805f48a192');

    const wire = encodeProtocolInfo(sampleInfo());
    expect(decodeProtocolInfo(wire).szProtocol).toBe(sampleInfo().szProtocol);
    const at = Buffer.from(wire).indexOf('sanshare SAN');
    wire[at] = 0x5a;
    expect(decodeProtocolInfo(wire).szProtocol).toBe(`Z${sampleInfo().szProtocol.slice(1)}`);
  });

  it('should still reject a bad string after a good one with the same length', () => {
    const good = { ...sampleInfo(), szProtocol: 'ab' };
    expect(() => encodeProtocolInfo(good)).not.toThrow();
    expect(() => encodeProtocolInfo({ ...good, szProtocol: 'a\ud800' })).toThrow(/szProtocol/);
    expect(() => toNativeLayout({ ...good, ProviderId: sampleInfo().ProviderId.toUpperCase() })).toThrow(/ProviderId/);
  });
});
