import { WSAPROTOCOL_INFOW_OFFSETS as OFF } from './constants.js';
import { writeGuid } from './guid.js';
import { allocateNativeBlock, slab } from './native-slab.js';
import { LITTLE_ENDIAN_HOST, WORD, swapBlockOrder } from './native-words.js';
import type { ProtocolInfo } from './protocol-info.js';
import { validateProtocolInfo } from './validate-protocol-info.js';

/**
 * Encodes `info` as the 628-byte little-endian Win32 `WSAPROTOCOL_INFOW` (offsets: REFERENCE.md §1 and
 * `WSAPROTOCOL_INFOW_OFFSETS`). `ChainEntries` past the given ones and `szProtocol` past its NUL are
 * zero. The export context does not fit this form: only `dwProviderReserved` (the export id) travels.
 *
 * The result is a view into a shared slab (like a small `Buffer`): use its `byteOffset`, or `slice()` it.
 *
 * @throws WsaError `WSAEINVAL` when `info` breaks a rule of `validateProtocolInfo`.
 */
export function toNativeLayout(info: ProtocolInfo): Uint8Array {
  validateProtocolInfo(info, 'toNativeLayout');
  const bytes = allocateNativeBlock();
  // One store per field through the slab's views (native-words.ts); an Int32Array store of a uint32
  // keeps its 32 bits (ToInt32 is modulo 2^32), so the dw* fields take the same view.
  const i32 = slab.i32;
  const w = slab.word;
  i32[w + WORD.dwServiceFlags1] = info.dwServiceFlags1;
  i32[w + WORD.dwServiceFlags2] = info.dwServiceFlags2;
  i32[w + WORD.dwServiceFlags3] = info.dwServiceFlags3;
  i32[w + WORD.dwServiceFlags4] = info.dwServiceFlags4;
  i32[w + WORD.dwProviderFlags] = info.dwProviderFlags;
  writeGuid(info.ProviderId, i32, w + (OFF.ProviderId >> 2));
  i32[w + WORD.dwCatalogEntryId] = info.dwCatalogEntryId;
  i32[w + WORD.ChainLen] = info.ProtocolChain.chainLen;
  const entries = info.ProtocolChain.chainEntries;
  // The validator allows at most MAX_PROTOCOL_CHAIN entries; the rest of the 7 stay zero.
  for (let i = 0; i < entries.length; i++) i32[w + WORD.ChainEntries + i] = entries[i] as number;
  i32[w + WORD.iVersion] = info.iVersion;
  i32[w + WORD.iAddressFamily] = info.iAddressFamily;
  i32[w + WORD.iMaxSockAddr] = info.iMaxSockAddr;
  i32[w + WORD.iMinSockAddr] = info.iMinSockAddr;
  i32[w + WORD.iSocketType] = info.iSocketType;
  i32[w + WORD.iProtocol] = info.iProtocol;
  i32[w + WORD.iProtocolMaxOffset] = info.iProtocolMaxOffset;
  i32[w + WORD.iNetworkByteOrder] = info.iNetworkByteOrder;
  i32[w + WORD.iSecurityScheme] = info.iSecurityScheme;
  i32[w + WORD.dwMessageSize] = info.dwMessageSize;
  i32[w + WORD.dwProviderReserved] = info.dwProviderReserved;
  const sz = info.szProtocol;
  // UTF-16 code units, one store each; the validator guarantees <= 255 of them, so unit 255 (the NUL) stays 0.
  const u16 = slab.u16;
  const unit = slab.unit + WORD.szProtocol;
  for (let i = 0; i < sz.length; i++) u16[unit + i] = sz.charCodeAt(i);
  if (!LITTLE_ENDIAN_HOST) swapBlockOrder(slab.bytes, slab.start);
  return bytes;
}
