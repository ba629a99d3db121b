import { WSAPROTOCOL_INFOW_OFFSETS as OFF } from './constants.js';
import { writeGuid } from './guid.js';
import { allocateNativeBlock } from './native-slab.js';
import type { ProtocolInfo } from './protocol-info.js';
import { validateProtocolInfo } from './validate-protocol-info.js';

/** Writes a 32-bit value little-endian; `value | 0` and `value >>> 0` write the same four bytes. */
function put32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value;
  bytes[at + 1] = value >>> 8;
  bytes[at + 2] = value >>> 16;
  bytes[at + 3] = value >>> 24;
}

/**
 * Encodes `info` as the 628-byte little-endian Win32 `WSAPROTOCOL_INFOW` (offsets: REFERENCE.md §1 and
 * `WSAPROTOCOL_INFOW_OFFSETS`). `ChainEntries` past the given ones and `szProtocol` past its NUL are
 * zero. The hand-off context does not fit this form: only `dwProviderReserved` (the export id) travels.
 *
 * The result is a view into a shared slab (like a small `Buffer`): use its `byteOffset`, or `slice()` it.
 *
 * @throws WsaError `WSAEINVAL` when `info` breaks a rule of `validateProtocolInfo`.
 */
export function toNativeLayout(info: ProtocolInfo): Uint8Array {
  validateProtocolInfo(info, 'toNativeLayout');
  const bytes = allocateNativeBlock();
  put32(bytes, OFF.dwServiceFlags1, info.dwServiceFlags1);
  put32(bytes, OFF.dwServiceFlags2, info.dwServiceFlags2);
  put32(bytes, OFF.dwServiceFlags3, info.dwServiceFlags3);
  put32(bytes, OFF.dwServiceFlags4, info.dwServiceFlags4);
  put32(bytes, OFF.dwProviderFlags, info.dwProviderFlags);
  writeGuid(info.ProviderId, bytes, OFF.ProviderId);
  put32(bytes, OFF.dwCatalogEntryId, info.dwCatalogEntryId);
  put32(bytes, OFF.ChainLen, info.ProtocolChain.chainLen);
  const entries = info.ProtocolChain.chainEntries;
  // The validator allows at most MAX_PROTOCOL_CHAIN entries; the rest of the 7 stay zero.
  for (let i = 0; i < entries.length; i++) put32(bytes, OFF.ChainEntries + 4 * i, entries[i] as number);
  put32(bytes, OFF.iVersion, info.iVersion);
  put32(bytes, OFF.iAddressFamily, info.iAddressFamily);
  put32(bytes, OFF.iMaxSockAddr, info.iMaxSockAddr);
  put32(bytes, OFF.iMinSockAddr, info.iMinSockAddr);
  put32(bytes, OFF.iSocketType, info.iSocketType);
  put32(bytes, OFF.iProtocol, info.iProtocol);
  put32(bytes, OFF.iProtocolMaxOffset, info.iProtocolMaxOffset);
  put32(bytes, OFF.iNetworkByteOrder, info.iNetworkByteOrder);
  put32(bytes, OFF.iSecurityScheme, info.iSecurityScheme);
  put32(bytes, OFF.dwMessageSize, info.dwMessageSize);
  put32(bytes, OFF.dwProviderReserved, info.dwProviderReserved);
  const sz = info.szProtocol;
  // UTF-16LE code units; the validator guarantees <= 255 of them, so unit 255 (the NUL) stays 0.
  for (let i = 0, at = OFF.szProtocol; i < sz.length; i++, at += 2) {
    const unit = sz.charCodeAt(i);
    bytes[at] = unit;
    bytes[at + 1] = unit >>> 8;
  }
  return bytes;
}
