/**
 * Random bytes for export ids and nonces, drawn from a pooled `crypto.randomFillSync` buffer: one
 * call into OpenSSL per 256 hand-offs instead of two per hand-off (they showed in the profile).
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 256 * 20;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/** `length` fresh cryptographically random bytes (a copy: the pool is reused). */
export function randomBytesPooled(length: number): Uint8Array {
  if (offset + length > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = new Uint8Array(pool.subarray(offset, offset + length));
  offset += length;
  return out;
}

/** A random uint32 in 1..0xFFFFFFFF (export ids are never 0). */
export function randomExportId(): number {
  for (;;) {
    const bytes = randomBytesPooled(4);
    const id = ((bytes[0] as number) << 24 | (bytes[1] as number) << 16 | (bytes[2] as number) << 8 | (bytes[3] as number)) >>> 0;
    if (id !== 0) return id;
  }
}
