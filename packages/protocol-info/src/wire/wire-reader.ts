import { WsaError } from '../errors.js';
import type { StringMemo } from './string-memo.js';
import { WIRE_TYPE_NAMES, WireType } from './wire-type.js';

/**
 * The one strict protobuf reader of sanshare: every message that crosses a process boundary (the
 * protocol info, the providers' `Export` / `ExportReply`, the switch's channel frames) is decoded
 * with it, so they all reject the same things.
 *
 * Why not protobufjs's `Reader`, as the schema tool it is: it is lenient where sanshare must not be.
 * It truncates a uint32 varint of 2^32 or more to 32 bits, reads any varint as an int32, lets the
 * caller skip a group, and does not notice a singular field sent twice (last one wins): each hands
 * the caller a value other than the one sent. A strict wrapper around it would re-check every value
 * it returns, a second pass over the same bytes; this reader checks while it reads. protobufjs
 * stays the reference: each codec's tests decode protobufjs's bytes here and compare.
 *
 * Rules, each a `WsaError` `WSAEINVAL` naming the message, field and byte offset:
 * - a tag's field number is 1..2^29-1; wire types 3 and 4 (groups) and 6, 7 are refused anywhere;
 * - a known field has its declared wire type (`field`); a singular field appears at most once;
 * - varints have at most 10 bytes and fit 64 bits; uint32 below 2^32; int32 and enum zero- or
 *   sign-extended 32-bit values; `uint53` below 2^53;
 * - a length never runs past the end of its message, and nothing else does;
 * - strings are valid UTF-8 (RFC 3629: shortest form, no surrogates, at most U+10FFFF);
 * - unknown fields of an allowed wire type are skipped (forward compatibility).
 *
 * A read is synchronous and not re-entrant: a codec may keep one reader and `reset` it per message,
 * which saves an allocation per decode. State is plain fields of one object, so V8 keeps one shape.
 */
export class WireReader {
  /** The bytes being read; empty between messages (`release`), so no caller's buffer is kept alive. */
  buf: Uint8Array = EMPTY;
  /** The next byte to read. */
  pos = 0;
  /** Low and high 32 bits (unsigned) of the last varint read. */
  lo = 0;
  hi = 0;
  /** Wire type of the last tag read. */
  wireType = 0;
  /** Where the reader is, for error messages only: set cheaply, formatted only on failure. */
  #path = '';
  #label = '';
  #at = 0;
  readonly #context: string;

  /** `context` starts every error message: the decode call or message kind (`'decodeProtocolInfo'`). */
  constructor(context: string) {
    this.#context = context;
  }

  /** Starts reading `bytes` from offset 0. */
  reset(bytes: Uint8Array): this {
    this.buf = bytes;
    this.pos = 0;
    this.#path = '';
    this.#label = '';
    this.#at = 0;
    return this;
  }

  /** Drops the reference to the last message's bytes. */
  release(): void {
    this.buf = EMPTY;
  }

  /** Throws the `WSAEINVAL` of a malformed message, saying where. */
  fail(problem: string): never {
    const where = this.#label === '' ? this.#path : `${this.#path}.${this.#label}`;
    throw new WsaError('WSAEINVAL', `${this.#context}: ${where} at byte ${this.#at}: ${problem}`);
  }

  /** Reads a varint that ends before `end` into `lo`/`hi`. */
  varint(end: number): void {
    // Most tags and small values fit in one byte: take those without the loop.
    const first = this.pos < end ? (this.buf[this.pos] as number) : 0x80;
    if (first < 0x80) {
      this.pos++;
      this.lo = first;
      this.hi = 0;
      return;
    }
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) this.fail(`truncated inside a varint at byte ${this.pos}`);
      const b = this.buf[this.pos++] as number;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      // The 10th byte holds bit 63 only; anything more (over 64 bits, or an 11th byte) is invalid.
      if (i === 9 && b > 1) this.fail(`varint at byte ${this.pos - 10} does not fit in 64 bits`);
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return;
      }
    }
  }

  /**
   * Reads a tag before `end`; returns its field number and leaves its wire type in `wireType`.
   * `path` names the message being read, for errors. Groups and wire types 6 and 7 fail here, for
   * known and unknown fields alike.
   */
  tag(end: number, path: string): number {
    this.#path = path;
    this.#label = '';
    this.#at = this.pos;
    this.varint(end);
    const wireType = this.lo & 7;
    this.wireType = wireType;
    const number = this.lo >>> 3;
    if (this.hi !== 0 || number === 0) this.fail('field number out of range (1..2^29-1)');
    if (wireType === WireType.START_GROUP || wireType === WireType.END_GROUP || wireType > WireType.FIXED32) {
      this.#label = `field ${number}`;
      this.fail(`wire type ${WIRE_TYPE_NAMES[wireType]} is not allowed`);
    }
    return number;
  }

  /**
   * Enters known singular field `number` (named `label` in errors): checks its wire type and that
   * it was not seen before. `seen` is the caller's bit set of the message's fields (numbers 1..31);
   * returns it with this field added.
   */
  field(label: string, expected: number, seen: number, number: number): number {
    this.#label = label;
    if (this.wireType !== expected) this.fail(`wire type ${WIRE_TYPE_NAMES[this.wireType]}, expected ${WIRE_TYPE_NAMES[expected]}`);
    if (number > 31) this.fail('field number above 31 cannot be tracked as singular');
    const bit = (1 << (number - 1)) >>> 0;
    if ((seen & bit) !== 0) this.fail('singular field appears more than once');
    return (seen | bit) >>> 0;
  }

  /** Enters a known repeated field (no singular check); `expected` may be several wire types. */
  repeated(label: string, ...expected: number[]): void {
    this.#label = label;
    if (!expected.includes(this.wireType)) {
      this.fail(`wire type ${WIRE_TYPE_NAMES[this.wireType]}, expected ${expected.map((t) => WIRE_TYPE_NAMES[t]).join(' or ')}`);
    }
  }

  uint32(end: number): number {
    this.varint(end);
    if (this.hi !== 0) this.fail('value is out of uint32 range');
    return this.lo;
  }

  /** An int32 (or enum) is its value zero-extended (>= 0) or sign-extended to 64 bits (< 0): nothing else. */
  int32(end: number): number {
    this.varint(end);
    if (this.hi === 0 && this.lo < 0x8000_0000) return this.lo;
    if (this.hi === 0xffff_ffff && this.lo >= 0x8000_0000) return this.lo | 0;
    return this.fail('value is out of int32 range');
  }

  /** A uint64 varint that must be below 2^53, as a number (milliseconds since the epoch, say). */
  uint53(end: number): number {
    this.varint(end);
    if (this.hi >= 0x20_0000) this.fail('value is over 2^53-1');
    return this.hi * 0x1_0000_0000 + this.lo;
  }

  /** A uint64 varint, exact, as a bigint. */
  uint64(end: number): bigint {
    this.varint(end);
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** A bool: varint 0 or 1 only. */
  bool(end: number): boolean {
    this.varint(end);
    if (this.hi !== 0 || this.lo > 1) this.fail('value is not a bool (0 or 1)');
    return this.lo === 1;
  }

  /** A fixed64 (8 bytes, little-endian), exact, as a bigint. */
  fixed64(end: number): bigint {
    if (end - this.pos < 8) this.fail(`truncated fixed64 at byte ${this.pos}`);
    const b = this.buf;
    const p = this.pos;
    const lo = ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16) | ((b[p + 3] as number) << 24)) >>> 0;
    const hi = ((b[p + 4] as number) | ((b[p + 5] as number) << 8) | ((b[p + 6] as number) << 16) | ((b[p + 7] as number) << 24)) >>> 0;
    this.pos = p + 8;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** A fixed64 that must be below 2^53, as a number. */
  fixed53(end: number): number {
    const value = this.fixed64(end);
    if (value > 0x1f_ffff_ffff_ffffn) this.fail('value is over 2^53-1');
    return Number(value);
  }

  /** Reads a length prefix and checks that the bytes it announces are there; returns the length. */
  length(end: number): number {
    this.varint(end);
    if (this.hi !== 0 || this.lo > end - this.pos) {
      this.fail(`length ${this.hi !== 0 ? 'of 2^32 or more' : this.lo} at byte ${this.pos} runs past the end (${end - this.pos} bytes left)`);
    }
    return this.lo;
  }

  /** Reads a length prefix; returns where the embedded message (or packed run) ends. */
  message(end: number): number {
    const length = this.length(end);
    return this.pos + length;
  }

  /** A bytes field, copied into a plain `Uint8Array` of its own (the caller may reuse its buffer), at most `maxBytes`. */
  bytes(end: number, maxBytes = Infinity): Uint8Array {
    const length = this.length(end);
    if (length > maxBytes) this.fail(`${length} bytes exceed the limit of ${maxBytes}`);
    const copy = this.buf.slice(this.pos, this.pos + length);
    this.pos += length;
    // `slice` of a Buffer shares memory: copy again in that case, so nothing aliases the input.
    return Buffer.isBuffer(copy) ? new Uint8Array(copy) : copy;
  }

  /** A string field (valid UTF-8). `memo` returns the previous string when the bytes are the same. */
  string(end: number, memo?: StringMemo): string {
    const length = this.length(end);
    const start = this.pos;
    this.pos += length;
    const known = memo?.get(this.buf, start, this.pos);
    if (known !== undefined) return known;
    if (!isUtf8(this.buf, start, this.pos)) this.fail('string is not valid UTF-8');
    const text = length === 0 ? '' : utf8Slice !== undefined ? utf8Slice.call(this.buf, start, this.pos) : utf8Decoder.decode(this.buf.subarray(start, this.pos));
    memo?.set(this.buf, start, this.pos, text);
    return text;
  }

  /** Appends a repeated uint32 field's values (one varint, or a packed run) to `into`, at most `max` in all (`noun` names them in the error). */
  uint32s(end: number, into: number[], max = Infinity, noun = 'values'): void {
    if (this.wireType === WireType.VARINT) into.push(this.uint32(end));
    else {
      const stop = this.message(end);
      while (this.pos < stop) into.push(this.uint32(stop));
    }
    if (into.length > max) this.fail(`more than ${max} ${noun}`);
  }

  /** Skips the value of an unknown field `number` (its wire type was checked by `tag`). */
  skip(number: number, end: number): void {
    this.#label = `unknown field ${number}`;
    switch (this.wireType) {
      case WireType.VARINT:
        this.varint(end);
        return;
      case WireType.FIXED64:
        if (end - this.pos < 8) this.fail(`truncated fixed64 at byte ${this.pos}`);
        this.pos += 8;
        return;
      case WireType.LEN: {
        // Not `this.pos += this.length()`: that reads `pos` before `length` moves it past the prefix.
        const length = this.length(end);
        this.pos += length;
        return;
      }
      default:
        if (end - this.pos < 4) this.fail(`truncated fixed32 at byte ${this.pos}`);
        this.pos += 4;
    }
  }
}

const EMPTY: Uint8Array = new Uint8Array(0);

/** `Buffer.prototype.utf8Slice` decodes UTF-8 from any Uint8Array without a view (as protobufjs does on Node). */
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice?: (this: Uint8Array, start: number, end: number) => string }).utf8Slice;
const utf8Decoder = new TextDecoder('utf-8');

/** True when `buf[start, end)` is valid UTF-8 (RFC 3629: shortest form, no surrogates, <= U+10FFFF). */
export function isUtf8(buf: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const b = buf[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
      cp = b & 0x07;
    } else {
      return false;
    }
    if (end - i <= need) return false;
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k] as number;
      if ((c & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}
