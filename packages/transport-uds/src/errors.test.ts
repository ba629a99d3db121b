import { describe, expect, it } from 'vitest';
import { expiryError, fromNativeError, isUdsError, UdsError } from './errors.js';

describe('isUdsError', () => {
  it('should recognise a UdsError by name and code, with or without a code to match', () => {
    const error = new UdsError('UDS_TIMEOUT', 'x');
    expect(isUdsError(error)).toBe(true);
    expect(isUdsError(error, 'UDS_TIMEOUT')).toBe(true);
    expect(isUdsError(error, 'UDS_CLOSED')).toBe(false);
  });

  it('should recognise what another copy or version of the package throws', () => {
    expect(isUdsError({ name: 'UdsError', code: 'UDS_CLOSED' })).toBe(true);
    // A code added by a later version is still a UdsError.
    expect(isUdsError({ name: 'UdsError', code: 'UDS_SOMETHING_NEW' })).toBe(true);
  });

  it('should refuse other names, codes without the UDS_ prefix, and non-objects', () => {
    expect(isUdsError(new Error('UDS_CLOSED'))).toBe(false);
    expect(isUdsError({ name: 'UdsError', code: 'EPIPE' })).toBe(false);
    expect(isUdsError({ name: 'UdsError', code: 7 })).toBe(false);
    expect(isUdsError({ name: 'WsaError', code: 'UDS_CLOSED' })).toBe(false);
    expect(isUdsError(null)).toBe(false);
    expect(isUdsError('UdsError')).toBe(false);
  });
});

describe('expiryError', () => {
  it('should say UDS_TIMEOUT with the timeout, or UDS_ABORTED with the reason as cause', () => {
    expect(expiryError({ timedOut: true, timeoutMs: 25 }, 'receive')).toMatchObject({
      code: 'UDS_TIMEOUT',
      message: 'receive timed out after 25 ms',
    });
    const reason = new Error('shutting down');
    const aborted = expiryError({ timedOut: false, reason }, 'accept');
    expect(aborted).toMatchObject({ code: 'UDS_ABORTED', message: 'accept was aborted' });
    expect(aborted.cause).toBe(reason);
  });
});

describe('fromNativeError', () => {
  it('should map positive (addon) and negative (Node fs) errno values alike', () => {
    expect(fromNativeError({ errno: 13, syscall: 'connect' }, 'x')).toMatchObject({ code: 'UDS_PERMISSION_DENIED', errno: 13 });
    expect(fromNativeError({ errno: -13, syscall: 'mkdir' }, 'x')).toMatchObject({ code: 'UDS_PERMISSION_DENIED', errno: 13 });
    expect(fromNativeError({ errno: 24, syscall: 'accept' }, 'x')).toMatchObject({ code: 'UDS_SYSTEM', message: expect.stringContaining('EMFILE') });
    // ETOOMANYREFS is missing from Node's errno table: named and mapped here.
    expect(fromNativeError({ errno: 109, syscall: 'sendmsg' }, 'x')).toMatchObject({ code: 'UDS_TOO_MANY_IN_FLIGHT', message: 'x: sendmsg failed with ETOOMANYREFS' });
  });
});
