import { markAsUntransferable } from 'node:worker_threads';
import { WSAPROTOCOL_INFOW_SIZE } from './constants.js';

/**
 * Zeroed 628-byte blocks carved out of a shared slab, as `Buffer.allocUnsafe` carves small buffers out
 * of its pool: a fresh `ArrayBuffer` per call costs more than the whole encoding (measured in
 * bench/). Each block is handed out once and the slab is never written again by this module, so a
 * block is all zeros until its caller writes it. Consequence for users: `bytes.buffer` is the slab, so
 * always honour `bytes.byteOffset` (or copy with `bytes.slice()`).
 *
 * Blocks start at multiples of 628 = 4 x 157 bytes, so the slab's Int32Array and Uint16Array views
 * (`slab.i32`, `slab.u16`) address every field of a block by index (native-words.ts).
 */
const BLOCKS_PER_SLAB = 64;

/** The current slab, its views, and where the block last handed out starts in them. */
export const slab = newSlab();

function newSlab(): { bytes: Uint8Array; i32: Int32Array; u16: Uint16Array; next: number; start: number; word: number; unit: number } {
  const buffer = new ArrayBuffer(WSAPROTOCOL_INFOW_SIZE * BLOCKS_PER_SLAB);
  // As Node does for its Buffer pool: a caller listing `bytes.buffer` in a postMessage transfer list
  // gets a copy instead of detaching everyone else's blocks.
  markAsUntransferable(buffer);
  return { bytes: new Uint8Array(buffer), i32: new Int32Array(buffer), u16: new Uint16Array(buffer), next: 0, start: 0, word: 0, unit: 0 };
}

/** Returns a zeroed 628-byte view of the current slab; `slab.start`/`word`/`unit` locate it. */
export function allocateNativeBlock(): Uint8Array {
  if (slab.next === BLOCKS_PER_SLAB) {
    const fresh = newSlab();
    slab.bytes = fresh.bytes;
    slab.i32 = fresh.i32;
    slab.u16 = fresh.u16;
    slab.next = 0;
  }
  const start = WSAPROTOCOL_INFOW_SIZE * slab.next++;
  slab.start = start;
  slab.word = start >> 2;
  slab.unit = start >> 1;
  return new Uint8Array(slab.bytes.buffer, start, WSAPROTOCOL_INFOW_SIZE);
}
