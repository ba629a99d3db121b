import { describe, expect, it } from 'vitest';
import { describeTraceError, toTraceError } from './trace-error.js';

class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

describe('toTraceError', () => {
  it('should keep the code and drop it from the start of the message, so that it is printed once', () => {
    expect(toTraceError(new CodedError('ERR_CHANNEL_CLOSED', 'ERR_CHANNEL_CLOSED: the peer closed the channel'))).toEqual({ code: 'ERR_CHANNEL_CLOSED', message: 'the peer closed the channel' });
    expect(toTraceError(new CodedError('WSAEINVAL', 'WSAEINVAL process 4 is gone'))).toEqual({ code: 'WSAEINVAL', message: 'process 4 is gone' });
    expect(toTraceError(new CodedError('UDS_TIMEOUT', 'send did not complete'))).toEqual({ code: 'UDS_TIMEOUT', message: 'send did not complete' });
    expect(toTraceError(new TypeError('bad'))).toEqual({ code: 'TypeError', message: 'bad' });
    expect(toTraceError('plain')).toEqual({ code: 'Error', message: 'plain' });
  });
});

describe('describeTraceError', () => {
  it('should print the code once, whichever way the message was written', () => {
    expect(describeTraceError({ code: 'ERR_X', message: 'ERR_X: went wrong' })).toBe('ERR_X: went wrong');
    expect(describeTraceError({ code: 'ERR_X', message: 'went wrong' })).toBe('ERR_X: went wrong');
    expect(describeTraceError(undefined)).toBe('no error reported');
  });
});
