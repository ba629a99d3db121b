import { describe, expect, it } from 'vitest';
import { ServerError, isServerError } from './errors.js';

describe('ServerError', () => {
  it('should carry its code and cause, and be recognised by name and code', () => {
    const cause = new Error('underneath');
    const error = new ServerError('ERR_INVALID_ARGUMENT', 'drainTimeoutMs must be a number >= 0, got -1', { cause });
    expect(error.message).toBe('drainTimeoutMs must be a number >= 0, got -1');
    expect(error.cause).toBe(cause);
    expect(isServerError(error, 'ERR_INVALID_ARGUMENT')).toBe(true);
    expect(isServerError({ name: 'ServerError', code: 'ERR_INVALID_ARGUMENT' })).toBe(true);
    expect(isServerError({ name: 'ServerError', code: 'ERR_NOPE' })).toBe(false);
  });
});
