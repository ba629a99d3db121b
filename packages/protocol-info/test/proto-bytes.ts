/**
 * A minimal protobuf writer for tests, written from the protobuf encoding spec
 * (https://protobuf.dev/programming-guides/encoding/) and independent of protobufjs and of the codec
 * under test: each helper returns the bytes of one field.
 */
export function varint(value: bigint | number): number[] {
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n; // negative int32/int64: two's complement over 64 bits, 10 bytes
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

export const tag = (field: number, wire: number): number[] => varint((field << 3) | wire);
export const vfield = (field: number, value: bigint | number): number[] => [...tag(field, 0), ...varint(value)];
export const lfield = (field: number, bytes: ArrayLike<number>): number[] => [...tag(field, 2), ...varint(bytes.length), ...Array.from(bytes)];
export const sfield = (field: number, text: string): number[] => lfield(field, Buffer.from(text, 'utf8'));
export const bytesOf = (...fields: number[][]): Uint8Array => Uint8Array.from(fields.flat());
