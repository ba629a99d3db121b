import {
  DEFAULT_MAX_FDS_PER_MESSAGE,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_QUEUED_MESSAGES,
  SCM_MAX_FD,
} from './constants.js';
import { UdsError } from './errors.js';
import type { ConnectionLimits } from './types.js';

/** {@link ConnectionLimits} with every default applied and every value checked. */
export interface ResolvedLimits {
  maxMessageBytes: number;
  maxFdsPerMessage: number;
  maxQueuedMessages: number;
  deliverTruncated: boolean;
}

/** The wire format's length fields are u32. */
const MAX_WIRE_LENGTH = 0xffff_ffff;

export function checkInteger(value: unknown, name: string, min: number, max: number, why = ''): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new UdsError('UDS_INVALID_ARGUMENT', `${name} must be an integer from ${min} to ${max}${why}, got ${String(value)}`);
  }
  return value;
}

function checkBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') {
    throw new UdsError('UDS_INVALID_ARGUMENT', `${name} must be true or false, got ${String(value)}`);
  }
  return value;
}

/** Applies defaults; throws UdsError `UDS_INVALID_ARGUMENT` for a value out of range. */
export function resolveLimits(options: ConnectionLimits): ResolvedLimits {
  return {
    maxMessageBytes: checkInteger(
      options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      'maxMessageBytes',
      0,
      MAX_WIRE_LENGTH,
      ' (the wire format announces lengths in 32 bits)',
    ),
    maxFdsPerMessage: checkInteger(
      options.maxFdsPerMessage ?? DEFAULT_MAX_FDS_PER_MESSAGE,
      'maxFdsPerMessage',
      0,
      SCM_MAX_FD,
      ' (SCM_MAX_FD: the kernel passes no more in one message; send a larger batch as several messages)',
    ),
    maxQueuedMessages: checkInteger(options.maxQueuedMessages ?? DEFAULT_MAX_QUEUED_MESSAGES, 'maxQueuedMessages', 1, 1_000_000),
    deliverTruncated: checkBoolean(options.deliverTruncated ?? false, 'deliverTruncated'),
  };
}
