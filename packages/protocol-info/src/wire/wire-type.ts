/**
 * Protobuf wire types (https://protobuf.dev/programming-guides/encoding/#structure): the low three
 * bits of every tag. sanshare's messages use 0, 1 and 2; 5 is skipped when unknown; groups (3, 4)
 * and the unassigned 6 and 7 are refused everywhere.
 */
export const WireType = {
  /** int32, uint32, uint64, bool, enum: a varint of 1 to 10 bytes. */
  VARINT: 0,
  /** fixed64: 8 bytes, little-endian. */
  FIXED64: 1,
  /** string, bytes, embedded messages, packed repeated scalars: a varint length, then the bytes. */
  LEN: 2,
  /** proto2 groups: not part of proto3, refused. */
  START_GROUP: 3,
  END_GROUP: 4,
  /** fixed32: 4 bytes, little-endian. */
  FIXED32: 5,
} as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

/** Names of the eight wire-type values, for error messages. */
export const WIRE_TYPE_NAMES: readonly string[] = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32', '6', '7'];

/** The tag of field `number` with wire type `wireType`: `(number << 3) | wireType`, as a uint32. */
export function wireTag(number: number, wireType: WireType): number {
  return ((number << 3) | wireType) >>> 0;
}
