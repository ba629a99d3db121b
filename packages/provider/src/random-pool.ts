/**
 * Random bytes for export ids and nonces, drawn from a pooled `crypto.randomFillSync` buffer: one
 * call into OpenSSL per 256 hand-offs instead of two per hand-off (they showed in the profile).
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 256 * 20;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/** Where the next `length` bytes of the pool start (refilled when fewer are left). */
function take(length: number): number {
  if (offset + length > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const at = offset;
  offset += length;
  return at;
}

/** `length` fresh cryptographically random bytes (a copy: the pool is reused). */
export function randomBytesPooled(length: number): Uint8Array {
  const at = take(length);
  // Copied byte by byte: a nonce is 16 bytes, and a `subarray` view to copy from cost more.
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = pool[at + i] as number;
  return out;
}

/** A random uint32 in 1..0xFFFFFFFF (export ids are never 0), read from the pool in place. */
export function randomExportId(): number {
  for (;;) {
    const id = pool.readUInt32BE(take(4));
    if (id !== 0) return id;
  }
}
