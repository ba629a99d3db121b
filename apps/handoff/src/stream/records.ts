/**
 * The byte stream the sample exchanges: fixed 12-byte records, `<tag><10 decimal digits>\n`.
 *
 * Fixed-size, self-describing records let every process check what it reads as it reads it (the
 * numbers of one tag must follow each other), and let a reader that starts mid-stream (the
 * destination, after a hand-off) find its place. The remote peer streams tag `S` (0, 1, 2, ...) and
 * echoes every record it receives, whole; the applications send lowercase tags.
 */
export const RECORD_SIZE = 12;
const DIGITS = 10;
const MAX_NUMBER = 10 ** DIGITS - 1;

/** A decoded record. */
export interface StreamRecord {
  tag: string;
  n: number;
}

/** Encodes one record. */
export function encodeRecord(tag: string, n: number): Buffer {
  if (!/^[A-Za-z]$/.test(tag)) throw new RangeError(`a record tag is one ASCII letter, got '${tag}'`);
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_NUMBER) throw new RangeError(`a record number is 0..${MAX_NUMBER}, got ${n}`);
  return Buffer.from(`${tag}${String(n).padStart(DIGITS, '0')}\n`, 'latin1');
}

/** Encodes `count` consecutive records of `tag` starting at `first`, as one buffer. */
export function encodeRecords(tag: string, first: number, count: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i += 1) parts.push(encodeRecord(tag, first + i));
  return Buffer.concat(parts);
}

/**
 * Thrown when bytes that should be records are not: a malformed record, or a number of a tag that
 * does not follow the previous one (a lost, repeated or reordered byte).
 */
export class StreamCheckError extends Error {
  override readonly name = 'StreamCheckError' as const;
  readonly code = 'ERR_STREAM_CHECK' as const;
}

/** True when `value` is a `StreamCheckError` (by name and code). */
export function isStreamCheckError(value: unknown): value is StreamCheckError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { name?: unknown; code?: unknown };
  return candidate.name === 'StreamCheckError' && candidate.code === 'ERR_STREAM_CHECK';
}

/**
 * Splits a byte stream into records, checking each, and remembers for every tag the first and last
 * number seen. Records may arrive split across reads; `pending` says how many bytes of the current
 * record are still missing (so a reader can stop exactly at a record boundary).
 */
export class RecordReader {
  private partial: Buffer = Buffer.alloc(0);
  private readonly seen = new Map<string, { first: number; last: number; count: number }>();
  /** Every record in order of arrival, when `keep` is set. */
  readonly records: StreamRecord[] = [];
  /** Total bytes fed. */
  bytes = 0;

  constructor(private readonly options: { keep?: boolean; expectFirst?: Record<string, number> } = {}) {}

  /** Bytes missing to complete the record in progress (0 at a record boundary). */
  get pending(): number {
    return this.partial.length === 0 ? 0 : RECORD_SIZE - this.partial.length;
  }

  /** Feeds bytes; returns the records they completed. @throws StreamCheckError on a bad record. */
  feed(chunk: Uint8Array): StreamRecord[] {
    this.bytes += chunk.length;
    const data = this.partial.length > 0 ? Buffer.concat([this.partial, chunk]) : Buffer.from(chunk);
    const complete = data.length - (data.length % RECORD_SIZE);
    const out: StreamRecord[] = [];
    for (let offset = 0; offset < complete; offset += RECORD_SIZE) {
      const record = decodeRecord(data.subarray(offset, offset + RECORD_SIZE));
      this.check(record);
      out.push(record);
      if (this.options.keep === true) this.records.push(record);
    }
    this.partial = Buffer.from(data.subarray(complete));
    return out;
  }

  /** First and last number and count seen for `tag`. */
  range(tag: string): { first: number; last: number; count: number } | undefined {
    return this.seen.get(tag);
  }

  /** Every tag seen, with its range. */
  ranges(): Record<string, { first: number; last: number; count: number }> {
    return Object.fromEntries(this.seen);
  }

  private check(record: StreamRecord): void {
    const previous = this.seen.get(record.tag);
    if (previous === undefined) {
      const expected = this.options.expectFirst?.[record.tag];
      if (expected !== undefined && record.n !== expected) {
        throw new StreamCheckError(`first '${record.tag}' record is ${record.n}, expected ${expected}`);
      }
      this.seen.set(record.tag, { first: record.n, last: record.n, count: 1 });
      return;
    }
    if (record.n !== previous.last + 1) {
      throw new StreamCheckError(`'${record.tag}' record ${record.n} follows ${previous.last}: a byte was lost, repeated or reordered`);
    }
    previous.last = record.n;
    previous.count += 1;
  }
}

/** Decodes one 12-byte record. @throws StreamCheckError when malformed. */
export function decodeRecord(bytes: Uint8Array): StreamRecord {
  const text = Buffer.from(bytes).toString('latin1');
  const match = /^([A-Za-z])(\d{10})\n$/.exec(text);
  if (match === null || match[1] === undefined || match[2] === undefined) {
    throw new StreamCheckError(`malformed record ${JSON.stringify(text)}`);
  }
  return { tag: match[1], n: Number(match[2]) };
}
