import { WSAPROTOCOL_INFOW_OFFSETS as OFF, WSAPROTOCOL_INFOW_SIZE } from './constants.js';

/*
 * The native codec reads and writes the 32-bit fields of WSAPROTOCOL_INFOW through Int32Array and
 * Uint32Array views, and szProtocol through a Uint16Array view: one indexed load or store per field
 * instead of four byte operations and shifts (or a DataView call) each. Typed arrays use the host's
 * byte order and need aligned offsets, so:
 *
 * - blocks this package allocates (native-slab.ts) sit at multiples of 628 = 4 x 157 in their slab;
 * - a buffer to decode is first copied into one aligned scratch block (a memcpy of 628 bytes, cheaper
 *   than the byte-by-byte reads it replaces, and it keeps no reference to the caller's buffer);
 * - on a big-endian host the words and units of a block are swapped in place, after writing or after
 *   the copy (`swapBlockOrder`), so the same view code serves both orders.
 */

/** True on little-endian hosts (x64, arm64...), where the Win32 layout is the host's own byte order. */
export const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Word index of each 32-bit field (its byte offset / 4), and unit index of szProtocol (offset / 2). */
export const WORD = {
  dwServiceFlags1: OFF.dwServiceFlags1 >> 2,
  dwServiceFlags2: OFF.dwServiceFlags2 >> 2,
  dwServiceFlags3: OFF.dwServiceFlags3 >> 2,
  dwServiceFlags4: OFF.dwServiceFlags4 >> 2,
  dwProviderFlags: OFF.dwProviderFlags >> 2,
  dwCatalogEntryId: OFF.dwCatalogEntryId >> 2,
  ChainLen: OFF.ChainLen >> 2,
  ChainEntries: OFF.ChainEntries >> 2,
  iVersion: OFF.iVersion >> 2,
  iAddressFamily: OFF.iAddressFamily >> 2,
  iMaxSockAddr: OFF.iMaxSockAddr >> 2,
  iMinSockAddr: OFF.iMinSockAddr >> 2,
  iSocketType: OFF.iSocketType >> 2,
  iProtocol: OFF.iProtocol >> 2,
  iProtocolMaxOffset: OFF.iProtocolMaxOffset >> 2,
  iNetworkByteOrder: OFF.iNetworkByteOrder >> 2,
  iSecurityScheme: OFF.iSecurityScheme >> 2,
  dwMessageSize: OFF.dwMessageSize >> 2,
  dwProviderReserved: OFF.dwProviderReserved >> 2,
  szProtocol: OFF.szProtocol >> 1,
} as const;

/**
 * Swaps the 32-bit fields and the szProtocol units of the block at `start` between little-endian and
 * the host's order (its own inverse). The GUID bytes (20..35) are bytes in both orders: left alone.
 * Only big-endian hosts call it.
 */
export function swapBlockOrder(bytes: Uint8Array, start: number): void {
  for (let at = 0; at < OFF.szProtocol; at += 4) {
    if (at === OFF.ProviderId) at = OFF.dwCatalogEntryId;
    const i = start + at;
    const b0 = bytes[i] as number;
    const b1 = bytes[i + 1] as number;
    bytes[i] = bytes[i + 3] as number;
    bytes[i + 1] = bytes[i + 2] as number;
    bytes[i + 2] = b1;
    bytes[i + 3] = b0;
  }
  for (let at = start + OFF.szProtocol; at < start + WSAPROTOCOL_INFOW_SIZE; at += 2) {
    const b0 = bytes[at] as number;
    bytes[at] = bytes[at + 1] as number;
    bytes[at + 1] = b0;
  }
}

/** One aligned 628-byte block and its views, that fromNativeLayout decodes from. */
const scratchBuffer = new ArrayBuffer(WSAPROTOCOL_INFOW_SIZE);
export const scratch = {
  bytes: new Uint8Array(scratchBuffer),
  u32: new Uint32Array(scratchBuffer),
  i32: new Int32Array(scratchBuffer),
  u16: new Uint16Array(scratchBuffer),
};

/** Copies a 628-byte native block into `scratch`, in host order. */
export function loadScratch(bytes: Uint8Array): void {
  scratch.bytes.set(bytes);
  if (!LITTLE_ENDIAN_HOST) swapBlockOrder(scratch.bytes, 0);
}
