import { MAX_PROTOCOL_CHAIN, WSAPROTOCOL_INFOW_OFFSETS as OFF, WSAPROTOCOL_INFOW_SIZE } from './constants.js';
import { writeGuid } from './guid.js';
import type { ProtocolInfo } from './protocol-info.js';
import { validateProtocolInfo } from './validate-protocol-info.js';

/**
 * Encodes `info` as the 628-byte little-endian Win32 `WSAPROTOCOL_INFOW` (offsets: REFERENCE.md §1 and
 * `WSAPROTOCOL_INFOW_OFFSETS`). `ChainEntries` past the given ones and `szProtocol` past its NUL are
 * zero. The hand-off context does not fit this form: only `dwProviderReserved` (the export id) travels.
 *
 * @throws WsaError `WSAEINVAL` when `info` breaks a rule of `validateProtocolInfo`.
 */
export function toNativeLayout(info: ProtocolInfo): Uint8Array {
  validateProtocolInfo(info, 'toNativeLayout');
  const bytes = new Uint8Array(WSAPROTOCOL_INFOW_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint32(OFF.dwServiceFlags1, info.dwServiceFlags1, true);
  view.setUint32(OFF.dwServiceFlags2, info.dwServiceFlags2, true);
  view.setUint32(OFF.dwServiceFlags3, info.dwServiceFlags3, true);
  view.setUint32(OFF.dwServiceFlags4, info.dwServiceFlags4, true);
  view.setUint32(OFF.dwProviderFlags, info.dwProviderFlags, true);
  writeGuid(info.ProviderId, bytes, OFF.ProviderId);
  view.setUint32(OFF.dwCatalogEntryId, info.dwCatalogEntryId, true);
  view.setInt32(OFF.ChainLen, info.ProtocolChain.chainLen, true);
  const entries = info.ProtocolChain.chainEntries;
  for (let i = 0; i < entries.length && i < MAX_PROTOCOL_CHAIN; i++) {
    view.setUint32(OFF.ChainEntries + 4 * i, entries[i] as number, true);
  }
  view.setInt32(OFF.iVersion, info.iVersion, true);
  view.setInt32(OFF.iAddressFamily, info.iAddressFamily, true);
  view.setInt32(OFF.iMaxSockAddr, info.iMaxSockAddr, true);
  view.setInt32(OFF.iMinSockAddr, info.iMinSockAddr, true);
  view.setInt32(OFF.iSocketType, info.iSocketType, true);
  view.setInt32(OFF.iProtocol, info.iProtocol, true);
  view.setInt32(OFF.iProtocolMaxOffset, info.iProtocolMaxOffset, true);
  view.setInt32(OFF.iNetworkByteOrder, info.iNetworkByteOrder, true);
  view.setInt32(OFF.iSecurityScheme, info.iSecurityScheme, true);
  view.setUint32(OFF.dwMessageSize, info.dwMessageSize, true);
  view.setUint32(OFF.dwProviderReserved, info.dwProviderReserved, true);
  const sz = info.szProtocol;
  // UTF-16LE code units; the validator guarantees <= 255 of them, so the NUL at unit 255 or earlier stays 0.
  for (let i = 0, at = OFF.szProtocol; i < sz.length; i++, at += 2) {
    const unit = sz.charCodeAt(i);
    bytes[at] = unit & 0xff;
    bytes[at + 1] = unit >>> 8;
  }
  return bytes;
}
