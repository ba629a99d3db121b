import { describe, expect, it } from 'vitest';
import { WSA_ERRORS } from './constants.js';
import { WsaError, isWsaError } from './errors.js';

describe('WsaError', () => {
  it('should carry the Winsock name as code and its number as errno', () => {
    const cause = Object.assign(new Error('connect ENOENT'), { code: 'ENOENT' });
    const error = new WsaError('WSAEINVAL', 'dwProcessId 0 is not a running process', { cause });
    expect(error.code).toBe('WSAEINVAL');
    expect(error.errno).toBe(10022);
    expect(error.name).toBe('WsaError');
    expect(error.message).toBe('WSAEINVAL: dwProcessId 0 is not a running process');
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(Error);
  });

  it('should give every named code the number of the Windows SDK', () => {
    for (const [code, errno] of Object.entries(WSA_ERRORS)) {
      expect(new WsaError(code as keyof typeof WSA_ERRORS, 'x').errno).toBe(errno);
    }
    expect(WSA_ERRORS.WSAENOTSOCK).toBe(10038);
    expect(WSA_ERRORS.WSAENOBUFS).toBe(10055);
    expect(WSA_ERRORS.WSAEMSGSIZE).toBe(10040);
    // winsock2.h: the codes a provider's WSPSocket refuses what it does not implement with.
    expect([WSA_ERRORS.WSAEPROTOTYPE, WSA_ERRORS.WSAEPROTONOSUPPORT, WSA_ERRORS.WSAESOCKTNOSUPPORT, WSA_ERRORS.WSAEAFNOSUPPORT]).toEqual([10041, 10043, 10044, 10047]);
    expect(WSA_ERRORS.WSAETIMEDOUT).toBe(10060);
    expect(WSA_ERRORS.WSAEINVALIDPROVIDER).toBe(10105);
  });
});

describe('isWsaError', () => {
  it('should recognise an error from another copy of the package by name and code', () => {
    const foreign = { name: 'WsaError', code: 'WSAENOTSOCK', errno: 10038, message: 'x' };
    expect(isWsaError(foreign)).toBe(true);
    expect(isWsaError(foreign, 'WSAENOTSOCK')).toBe(true);
    expect(isWsaError(foreign, 'WSAEINVAL')).toBe(false);
  });

  it('should reject look-alikes with a wrong code, a wrong errno or another name', () => {
    expect(isWsaError(new Error('x'))).toBe(false);
    expect(isWsaError({ name: 'WsaError', code: 'ENOENT', errno: 2 })).toBe(false);
    expect(isWsaError({ name: 'WsaError', code: 'WSAEINVAL', errno: 1 })).toBe(false);
    expect(isWsaError({ name: 'TypeError', code: 'WSAEINVAL', errno: 10022 })).toBe(false);
    expect(isWsaError(null)).toBe(false);
    expect(isWsaError('WSAEINVAL')).toBe(false);
  });
});
