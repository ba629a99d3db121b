import { markAsUntransferable } from 'node:worker_threads';
import { WSAPROTOCOL_INFOW_SIZE } from './constants.js';

/**
 * Zeroed 628-byte blocks carved out of a shared slab, as `Buffer.allocUnsafe` carves small buffers out
 * of its pool: a fresh `ArrayBuffer` per call costs more than the whole encoding (measured in
 * bench/). Each block is handed out once and the slab is never written again by this module, so a
 * block is all zeros until its caller writes it. Consequence for users: `bytes.buffer` is the slab, so
 * always honour `bytes.byteOffset` (or copy with `bytes.slice()`).
 */
const BLOCKS_PER_SLAB = 16;
let slab = newSlab();
let next = 0;

function newSlab(): Uint8Array {
  const bytes = new Uint8Array(WSAPROTOCOL_INFOW_SIZE * BLOCKS_PER_SLAB);
  // As Node does for its Buffer pool: a caller listing `bytes.buffer` in a postMessage transfer list
  // gets a copy instead of detaching everyone else's blocks.
  markAsUntransferable(bytes.buffer);
  return bytes;
}

/** Returns a zeroed 628-byte view of the current slab. */
export function allocateNativeBlock(): Uint8Array {
  if (next === BLOCKS_PER_SLAB) {
    slab = newSlab();
    next = 0;
  }
  const start = WSAPROTOCOL_INFOW_SIZE * next++;
  return slab.subarray(start, start + WSAPROTOCOL_INFOW_SIZE);
}
