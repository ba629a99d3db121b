import { isWsaError } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { FIRST_SWITCH_SOCKET } from './constants.js';
import { DescriptorTable } from './descriptor-table.js';

describe('DescriptorTable', () => {
  const provider = { name: 'p' };
  const make = (): DescriptorTable<typeof provider> => new DescriptorTable((id) => (id === 1001 ? provider : undefined));

  it('should store the context with the descriptor and return it on query', () => {
    const table = make();
    const up = table.upcalls();
    const s = up.WPUCreateSocketHandle(1001, 7);
    expect(s).toBe(FIRST_SWITCH_SOCKET);
    expect(up.WPUQuerySocketHandleContext(s)).toBe(7);
    expect(table.findByContext(provider, 7)?.s).toBe(s);
  });

  it('should never reuse a closed descriptor', () => {
    const table = make();
    const up = table.upcalls();
    const a = up.WPUCreateSocketHandle(1001, 1);
    up.WPUCloseSocketHandle(a);
    const b = up.WPUCreateSocketHandle(1001, 1);
    expect(b).not.toBe(a);
    expect(() => up.WPUQuerySocketHandleContext(a)).toThrow(expect.objectContaining({ code: 'WSAENOTSOCK' }));
  });

  it('should answer WSAENOTSOCK for unknown descriptors and WSAEINVAL for unknown catalog entries', () => {
    const up = make().upcalls();
    expect(() => up.WPUCloseSocketHandle(12)).toThrow(expect.objectContaining({ code: 'WSAENOTSOCK' }));
    expect(() => up.WPUQuerySocketHandleContext(-1)).toThrow(expect.objectContaining({ code: 'WSAENOTSOCK' }));
    let error: unknown;
    try {
      up.WPUCreateSocketHandle(9999, 1);
    } catch (e) {
      error = e;
    }
    expect(isWsaError(error, 'WSAEINVAL')).toBe(true);
  });
});
