/**
 * Writes protobuf fields straight into one buffer of the exact size: the messages encoded once per
 * moved connection (its `ConnectionState`, its `MovedSocket`) are a handful of length-delimited
 * fields, and protobufjs's `Writer` (an operation list, then a copy) cost several microseconds each.
 * The caller sizes the message first (`lenFieldSize`), checks its limits, then writes the fields in
 * number order, defaults omitted: the bytes protobufjs writes (the codec tests compare them).
 */

/** Bytes of `value` (an unsigned 32-bit integer) as a varint. */
export function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x20_0000 ? 3 : value < 0x1000_0000 ? 4 : 5;
}

/** Bytes of a length-delimited field (tag below 128: fields 1-15) whose content is `length` bytes. */
export function lenFieldSize(length: number): number {
  return 1 + varintSize(length) + length;
}

/** A buffer of a known size, filled front to back. */
export class FieldWriter {
  readonly bytes: Buffer;
  #at = 0;

  constructor(size: number) {
    this.bytes = Buffer.allocUnsafe(size);
  }

  /** A varint (tags of fields 1-15 and lengths). */
  varint(value: number): this {
    let v = value >>> 0;
    while (v >= 0x80) {
      this.bytes[this.#at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.bytes[this.#at++] = v;
    return this;
  }

  /** Field `tag` with `text` as UTF-8, its byte length `byteLength` (from `Buffer.byteLength`). */
  string(tag: number, text: string, byteLength: number): this {
    this.varint(tag).varint(byteLength);
    if (byteLength > 0) this.#at += this.bytes.write(text, this.#at, byteLength, 'utf8');
    return this;
  }

  /** Field `tag` with `data`. */
  data(tag: number, data: Uint8Array): this {
    this.varint(tag).varint(data.length);
    this.bytes.set(data, this.#at);
    this.#at += data.length;
    return this;
  }

  /** The message, once every byte of it was written (a mismatch with its size is a bug here). */
  finish(): Buffer {
    if (this.#at !== this.bytes.length) throw new Error(`FieldWriter: wrote ${this.#at} of ${this.bytes.length} bytes`);
    return this.bytes;
  }
}
