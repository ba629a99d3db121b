import { describe, expect, it } from 'vitest';
import { WsaError } from '@sanshare/protocol-info';
import { toWsaError } from './errors.js';

const sysError = (code: string): Error => Object.assign(new Error(`${code} happened`), { code });

describe('toWsaError', () => {
  it('should map EMFILE to WSAEMFILE and ENOBUFS to WSAENOBUFS', () => {
    expect(toWsaError(sysError('EMFILE'), 'dup').code).toBe('WSAEMFILE');
    expect(toWsaError(sysError('ENOBUFS'), 'send').code).toBe('WSAENOBUFS');
  });

  it('should find the errno in a cause chain', () => {
    const wrapped = Object.assign(new Error('transport failed', { cause: sysError('EMFILE') }), { code: 'UDS_SYSTEM' });
    expect(toWsaError(wrapped, 'connect').code).toBe('WSAEMFILE');
  });

  it('should pass a WsaError through unchanged', () => {
    const original = new WsaError('WSAENOTSOCK', 'x');
    expect(toWsaError(original, 'y')).toBe(original);
  });

  it('should fall back, keep the cause, and never produce WSAEINPROGRESS', () => {
    const error = toWsaError(new Error('odd'), 'op', 'WSAEINPROGRESS');
    expect(error.code).toBe('WSAENETDOWN');
    const other = toWsaError('text', 'op', 'WSAEINVAL');
    expect(other.code).toBe('WSAEINVAL');
    expect(other.cause).toBe('text');
  });
});

describe('toWsaError with transport errors', () => {
  it('should read a numeric errno and transport codes', () => {
    const uds = Object.assign(new Error('accept failed'), { name: 'UdsError', code: 'UDS_SYSTEM', errno: 24 });
    expect(toWsaError(uds, 'accept').code).toBe('WSAEMFILE');
    const trunc = Object.assign(new Error('ctrunc'), { name: 'UdsError', code: 'UDS_TOO_MANY_FDS' });
    expect(toWsaError(trunc, 'recv').code).toBe('WSAEMFILE');
  });
});
