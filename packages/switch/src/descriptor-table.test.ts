import { isWsaError } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { FIRST_SWITCH_SOCKET } from './constants.js';
import { DescriptorTable } from './descriptor-table.js';

describe('DescriptorTable', () => {
  const provider = { name: 'p' };
  const make = (): DescriptorTable<typeof provider> => new DescriptorTable();

  it('should store the context with the descriptor and return it on query', () => {
    const table = make();
    const up = table.upcalls(provider, [1001]);
    const s = up.WPUCreateSocketHandle(1001, 7);
    expect(s).toBe(FIRST_SWITCH_SOCKET);
    expect(up.WPUQuerySocketHandleContext(s)).toBe(7);
    expect(table.findByContext(provider, 7)?.s).toBe(s);
  });

  it('should never reuse a closed descriptor', () => {
    const table = make();
    const up = table.upcalls(provider, [1001]);
    const a = up.WPUCreateSocketHandle(1001, 1);
    up.WPUCloseSocketHandle(a);
    const b = up.WPUCreateSocketHandle(1001, 1);
    expect(b).not.toBe(a);
    expect(() => up.WPUQuerySocketHandleContext(a)).toThrow(expect.objectContaining({ code: 'WSAENOTSOCK' }));
  });

  it('should answer WSAENOTSOCK for unknown descriptors and for another provider\'s', () => {
    const table = make();
    const up = table.upcalls(provider, [1001]);
    const other = table.upcalls({ name: 'q' }, [1002]);
    expect(() => up.WPUCloseSocketHandle(12)).toThrow(expect.objectContaining({ code: 'WSAENOTSOCK' }));
    expect(() => up.WPUQuerySocketHandleContext(-1)).toThrow(expect.objectContaining({ code: 'WSAENOTSOCK' }));
    const s = other.WPUCreateSocketHandle(1002, 3);
    expect(() => up.WPUQuerySocketHandleContext(s)).toThrow(expect.objectContaining({ code: 'WSAENOTSOCK' }));
    expect(() => up.WPUCloseSocketHandle(s)).toThrow(expect.objectContaining({ code: 'WSAENOTSOCK' }));
    expect(other.WPUQuerySocketHandleContext(s)).toBe(3);
  });

  it('should record a foreign catalog entry id as the provider\'s own entry', () => {
    const table = make();
    const s = table.upcalls(provider, [1001]).WPUCreateSocketHandle(4711, 9);
    expect(table.get(s)?.catalogEntryId).toBe(1001);
    let error: unknown;
    try {
      table.upcalls(provider, [1001]).WPUCreateSocketHandle(1001, 1.5);
    } catch (e) {
      error = e;
    }
    expect(isWsaError(error, 'WSAEINVAL')).toBe(true);
  });
});
