/**
 * `@sanshare/protocol-info/wire`: the one strict protobuf reader every sanshare message is decoded
 * with (the protocol info here, the providers' `Export` / `ExportReply`, the switch's channel
 * frames), and the wire-type constants. A peer in another language needs none of this: the rules
 * it enforces are written in docs/protocol-info.md ("What a decoder must reject").
 *
 * @example
 * ```ts
 * import { WireReader, WireType } from '@sanshare/protocol-info/wire';
 *
 * // message Ping { uint32 id = 1; string note = 2; }
 * const reader = new WireReader('decodePing');
 * function decodePing(bytes: Uint8Array): { id: number; note: string } {
 *   const r = reader.reset(bytes);
 *   const end = bytes.length;
 *   const ping = { id: 0, note: '' };
 *   let seen = 0;
 *   try {
 *     while (r.pos < end) {
 *       const number = r.tag(end, 'Ping');
 *       if (number === 1) { seen = r.field('id', WireType.VARINT, seen, 1); ping.id = r.uint32(end); }
 *       else if (number === 2) { seen = r.field('note', WireType.LEN, seen, 2); ping.note = r.string(end); }
 *       else r.skip(number, end);
 *     }
 *   } finally {
 *     r.release();
 *   }
 *   return ping;
 * }
 * decodePing(Uint8Array.of(0x08, 0x07, 0x12, 0x02, 0x68, 0x69)); // { id: 7, note: 'hi' }
 * ```
 *
 * @packageDocumentation
 */
export { WireReader, isUtf8 } from './wire-reader.js';
export { StringMemo } from './string-memo.js';
export { WireType, WIRE_TYPE_NAMES, wireTag } from './wire-type.js';
