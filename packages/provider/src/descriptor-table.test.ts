import { isWsaError } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { DescriptorTable } from './descriptor-table.js';

describe('DescriptorTable', () => {
  it('should hand out distinct descriptors and find them again', () => {
    const table = new DescriptorTable<string>(10);
    const a = table.allocate('a');
    const b = table.allocate('b');
    expect(a).not.toBe(b);
    expect(table.require(a)).toBe('a');
    expect(table.get(b)).toBe('b');
    expect(table.size).toBe(2);
  });

  it('should throw WSAEMFILE at its limit, counting reserved slots', () => {
    const table = new DescriptorTable<number>(3);
    table.allocate(1);
    table.allocate(2);
    expect(() => table.allocate(3, 1)).toThrow(expect.objectContaining({ code: 'WSAEMFILE' }));
    table.allocate(3);
    let caught: unknown;
    try { table.allocate(4); } catch (error) { caught = error; }
    expect(isWsaError(caught, 'WSAEMFILE')).toBe(true);
  });

  it('should throw WSAENOTSOCK for an unknown or released descriptor', () => {
    const table = new DescriptorTable<string>(10);
    const a = table.allocate('a');
    table.release(a);
    for (const s of [a, -1, 1.5, Number.NaN, 999]) {
      expect(() => table.require(s)).toThrow(expect.objectContaining({ code: 'WSAENOTSOCK' }));
    }
  });

  it('should not reuse a released descriptor at once', () => {
    const table = new DescriptorTable<string>(10);
    const a = table.allocate('a');
    table.release(a);
    expect(table.allocate('b')).not.toBe(a);
  });
});
