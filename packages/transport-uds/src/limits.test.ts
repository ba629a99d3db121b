import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_FDS_PER_MESSAGE, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_QUEUED_MESSAGES, SCM_MAX_FD } from './constants.js';
import { resolveLimits } from './limits.js';

describe('resolveLimits', () => {
  it('should apply the defaults', () => {
    expect(resolveLimits({})).toEqual({
      maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
      maxFdsPerMessage: DEFAULT_MAX_FDS_PER_MESSAGE,
      maxQueuedMessages: DEFAULT_MAX_QUEUED_MESSAGES,
      deliverTruncated: false,
    });
  });

  it('should accept a batch of SCM_MAX_FD (253) descriptors and messages of several MiB', () => {
    expect(resolveLimits({ maxFdsPerMessage: SCM_MAX_FD, maxMessageBytes: 64 * 1024 * 1024 })).toMatchObject({
      maxFdsPerMessage: 253,
      maxMessageBytes: 67_108_864,
    });
  });

  it('should refuse more descriptors per message than the kernel passes, saying why and what to do', () => {
    expect(() => resolveLimits({ maxFdsPerMessage: SCM_MAX_FD + 1 })).toThrow(
      expect.objectContaining({
        code: 'UDS_INVALID_ARGUMENT',
        message: expect.stringMatching(/^maxFdsPerMessage must be an integer from 0 to 253 \(SCM_MAX_FD: .*send a larger batch as several messages\), got 254$/),
      }),
    );
  });

  it('should refuse a message limit the 32-bit length field cannot announce, and values that are no count', () => {
    expect(() => resolveLimits({ maxMessageBytes: 2 ** 32 })).toThrow(expect.objectContaining({ code: 'UDS_INVALID_ARGUMENT', message: expect.stringContaining('32 bits') }));
    expect(() => resolveLimits({ maxMessageBytes: -1 })).toThrow(expect.objectContaining({ code: 'UDS_INVALID_ARGUMENT' }));
    expect(() => resolveLimits({ maxFdsPerMessage: 1.5 })).toThrow(expect.objectContaining({ code: 'UDS_INVALID_ARGUMENT' }));
    expect(() => resolveLimits({ maxQueuedMessages: 0 })).toThrow(expect.objectContaining({ code: 'UDS_INVALID_ARGUMENT' }));
    expect(() => resolveLimits({ deliverTruncated: 'yes' as unknown as boolean })).toThrow(expect.objectContaining({ code: 'UDS_INVALID_ARGUMENT' }));
  });
});
