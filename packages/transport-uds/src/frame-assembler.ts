import { FLAG_CONTINUATION, FLAG_MORE, HEADER_BYTES } from './constants.js';
import { UdsError } from './errors.js';
import { decodeFrameHeader } from './frame-header.js';
import type { UdsMessage } from './types.js';

/** Limits a receiver enforces on what its peer sends. */
export interface AssemblerLimits {
  maxMessageBytes: number;
  maxFdsPerMessage: number;
}

interface Partial {
  data: Uint8Array;
  received: number;
  fds: number[];
  /** Descriptors the kernel dropped from the first record (0 when all arrived). */
  dropped: number;
}

/**
 * Turns received records back into messages and rejects anything that is not a valid frame
 * sequence. Pure (no I/O, never closes a descriptor): when {@link push} throws, the caller closes
 * the record's descriptors and those returned by {@link abandon}.
 */
export class FrameAssembler {
  readonly #limits: AssemblerLimits;
  #partial: Partial | undefined;

  constructor(limits: AssemblerLimits) {
    this.#limits = limits;
  }

  /** Whether a multi-record message is half received. */
  get inProgress(): boolean {
    return this.#partial !== undefined;
  }

  /**
   * Takes one record (`record` may be a view into a reused buffer: it is copied) and the
   * descriptors that arrived with it. `dropped` says the kernel reported `MSG_CTRUNC` for this
   * record: it could not install every descriptor sent (the receiver is out of descriptors), so
   * fewer arrived than the header announces; the message is then completed with `truncated`.
   * Returns the completed message, or null when more records of it are due. Throws UdsError
   * (`UDS_MALFORMED_FRAME`, `UDS_VERSION_MISMATCH`, `UDS_FRAME_TOO_LARGE`, `UDS_TOO_MANY_FDS`);
   * the descriptors are then still the caller's.
   */
  push(record: Uint8Array, fds: readonly number[], dropped = false): UdsMessage | null {
    if (record.length === 0 && fds.length > 0) {
      throw new UdsError('UDS_MALFORMED_FRAME', `the peer sent ${fds.length} descriptor(s) with no message`);
    }
    const header = decodeFrameHeader(record);
    const chunk = record.length - HEADER_BYTES;
    const { maxMessageBytes, maxFdsPerMessage } = this.#limits;
    if (header.messageLength > maxMessageBytes) {
      throw new UdsError(
        'UDS_FRAME_TOO_LARGE',
        `the peer announced a ${header.messageLength}-byte message; the limit is ${maxMessageBytes} bytes`,
      );
    }
    if (header.fdCount > maxFdsPerMessage || fds.length > maxFdsPerMessage) {
      throw new UdsError(
        'UDS_TOO_MANY_FDS',
        `the peer sent ${Math.max(header.fdCount, fds.length)} descriptors; the limit is ${maxFdsPerMessage}`,
      );
    }
    if (dropped) {
      // The kernel installs descriptors in the order sent and stops at the first it cannot: what
      // arrived is a prefix of what the header announces, never more, never all.
      if (fds.length >= header.fdCount) {
        throw new UdsError(
          'UDS_MALFORMED_FRAME',
          `the frame announces ${header.fdCount} descriptor(s), ${fds.length} arrived and the kernel dropped more (MSG_CTRUNC): the peer attached descriptors its frame does not announce`,
        );
      }
    } else if (header.fdCount !== fds.length) {
      throw new UdsError(
        'UDS_MALFORMED_FRAME',
        `the frame announces ${header.fdCount} descriptor(s) but ${fds.length} arrived with it`,
      );
    }
    const lost = dropped ? header.fdCount - fds.length : 0;
    const more = (header.flags & FLAG_MORE) !== 0;
    const continuation = (header.flags & FLAG_CONTINUATION) !== 0;
    const end = header.chunkOffset + chunk;
    if (end > header.messageLength) {
      throw new UdsError(
        'UDS_MALFORMED_FRAME',
        `record payload ends at byte ${end}, beyond the announced message length ${header.messageLength}`,
      );
    }
    if (more ? end === header.messageLength || chunk === 0 : end !== header.messageLength) {
      throw new UdsError(
        'UDS_MALFORMED_FRAME',
        more
          ? 'a record flagged MORE completes the message or carries no payload'
          : `the last record ends at byte ${end} of a ${header.messageLength}-byte message`,
      );
    }

    if (!continuation) {
      if (this.#partial !== undefined) {
        throw new UdsError('UDS_MALFORMED_FRAME', 'a new message began before the previous one was complete');
      }
      if (header.chunkOffset !== 0) {
        throw new UdsError('UDS_MALFORMED_FRAME', `the first record of a message starts at offset ${header.chunkOffset}`);
      }
      if (!more) return complete(record.slice(HEADER_BYTES), [...fds], lost);
      const data = new Uint8Array(header.messageLength);
      data.set(record.subarray(HEADER_BYTES), 0);
      this.#partial = { data, received: chunk, fds: [...fds], dropped: lost };
      return null;
    }

    const partial = this.#partial;
    if (partial === undefined) {
      throw new UdsError('UDS_MALFORMED_FRAME', 'a continuation record arrived with no message in progress');
    }
    if (header.fdCount !== 0) {
      throw new UdsError('UDS_MALFORMED_FRAME', 'descriptors on a continuation record (only the first record may carry them)');
    }
    if (header.messageLength !== partial.data.length || header.chunkOffset !== partial.received) {
      throw new UdsError(
        'UDS_MALFORMED_FRAME',
        `continuation out of sequence: offset ${header.chunkOffset} of ${header.messageLength}, ` +
          `expected ${partial.received} of ${partial.data.length}`,
      );
    }
    partial.data.set(record.subarray(HEADER_BYTES), partial.received);
    partial.received = end;
    if (more) return null;
    this.#partial = undefined;
    return complete(partial.data, partial.fds, partial.dropped);
  }

  /** Drops a half-received message and hands back its descriptors (for the caller to close). */
  abandon(): number[] {
    const fds = this.#partial?.fds ?? [];
    this.#partial = undefined;
    return fds;
  }
}

function complete(data: Uint8Array, fds: number[], dropped: number): UdsMessage {
  return dropped === 0 ? { data, fds } : { data, fds, truncated: true, droppedFds: dropped };
}
