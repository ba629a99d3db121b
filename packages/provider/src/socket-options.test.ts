import { SO, SOL_SOCKET, TCP_NODELAY } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { kernelDefault, lookupSocketOption, toBoolOption, toIntOption, toLingerOption } from './socket-options.js';

describe('lookupSocketOption', () => {
  it('should map Winsock kernel options to their Linux numbers', () => {
    expect(lookupSocketOption(SOL_SOCKET, SO.KEEPALIVE)).toMatchObject({ kind: 'kernel-bool', level: 1, optname: 9 });
    expect(lookupSocketOption(SOL_SOCKET, SO.SNDBUF)).toMatchObject({ kind: 'kernel-int', level: 1, optname: 7 });
    expect(lookupSocketOption(SOL_SOCKET, SO.RCVBUF)).toMatchObject({ kind: 'kernel-int', level: 1, optname: 8 });
    expect(lookupSocketOption(SOL_SOCKET, SO.LINGER)).toMatchObject({ kind: 'kernel-linger' });
    expect(lookupSocketOption(6, TCP_NODELAY)).toMatchObject({ kind: 'kernel-bool', level: 6, optname: 1 });
  });

  it('should emulate the timeouts and serve SO_PROTOCOL_INFOW read-only', () => {
    expect(lookupSocketOption(SOL_SOCKET, SO.RCVTIMEO).kind).toBe('emulated');
    expect(lookupSocketOption(SOL_SOCKET, SO.SNDTIMEO).kind).toBe('emulated');
    expect(lookupSocketOption(SOL_SOCKET, SO.PROTOCOL_INFOW).kind).toBe('read-only');
  });

  it('should throw WSAEINVAL for unknown options and levels', () => {
    expect(() => lookupSocketOption(SOL_SOCKET, 0x7777)).toThrow(expect.objectContaining({ code: 'WSAEINVAL' }));
    expect(() => lookupSocketOption(1, 9)).toThrow(expect.objectContaining({ code: 'WSAEINVAL' }));
  });
});

describe('option values', () => {
  const keepalive = lookupSocketOption(SOL_SOCKET, SO.KEEPALIVE);
  const linger = lookupSocketOption(SOL_SOCKET, SO.LINGER);

  it('should accept booleans and integers for boolean options', () => {
    expect(toBoolOption(keepalive, true)).toBe(true);
    expect(toBoolOption(keepalive, 0)).toBe(false);
    expect(() => toBoolOption(keepalive, { onoff: true, linger: 1 })).toThrow(/WSAEINVAL/);
  });

  it('should reject negative, fractional and huge integers', () => {
    for (const v of [-1, 1.5, 2 ** 31, Number.NaN]) expect(() => toIntOption(keepalive, v)).toThrow(/WSAEINVAL/);
    expect(toIntOption(keepalive, 4096)).toBe(4096);
  });

  it('should validate a linger structure', () => {
    expect(toLingerOption(linger, { onoff: true, linger: 5 })).toEqual({ onoff: true, linger: 5 });
    expect(() => toLingerOption(linger, { onoff: true, linger: 70_000 })).toThrow(/WSAEINVAL/);
    expect(() => toLingerOption(linger, 3)).toThrow(/WSAEINVAL/);
  });

  it('should read kernel defaults from procfs, with a fallback', () => {
    const rcvbuf = lookupSocketOption(SOL_SOCKET, SO.RCVBUF);
    expect(kernelDefault(rcvbuf, () => '4096\t131072\t6291456\n')).toBe(131072);
    expect(kernelDefault(rcvbuf, () => { throw new Error('no procfs'); })).toBe(131072);
    expect(kernelDefault(linger, () => '')).toEqual({ onoff: false, linger: 0 });
  });
});
