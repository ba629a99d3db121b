import { MAX_PROTOCOL_CHAIN, WSAPROTOCOL_INFOW_OFFSETS as OFF, WSAPROTOCOL_INFOW_SIZE, WSAPROTOCOL_LEN } from './constants.js';
import { WsaError } from './errors.js';
import { readGuid } from './guid.js';
import { StringMemo } from './string-memo.js';
import type { ProtocolInfo } from './protocol-info.js';
import { checkChain, checkEnums, checkSzProtocol } from './validate-protocol-info.js';

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] as number) | ((bytes[at + 1] as number) << 8) | ((bytes[at + 2] as number) << 16) | ((bytes[at + 3] as number) << 24)) >>> 0;
}

function i32(bytes: Uint8Array, at: number): number {
  return (bytes[at] as number) | ((bytes[at + 1] as number) << 8) | ((bytes[at + 2] as number) << 16) | ((bytes[at + 3] as number) << 24);
}

/** `Buffer.prototype.ucs2Slice` decodes UTF-16LE from any Uint8Array, 3x faster than the alternatives. */
const ucs2Slice = (Buffer.prototype as unknown as { ucs2Slice?: (this: Uint8Array, start: number, end: number) => string }).ucs2Slice;

/** UTF-16LE code units in bytes [start, end) as a string, unpaired surrogates kept (checked afterwards). */
function utf16le(bytes: Uint8Array, start: number, end: number): string {
  if (ucs2Slice !== undefined) return ucs2Slice.call(bytes, start, end);
  let text = '';
  for (let at = start; at < end; at += 2) text += String.fromCharCode((bytes[at] as number) | ((bytes[at + 1] as number) << 8));
  return text;
}

/** The last szProtocol decoded (a provider's catalog string): see StringMemo. Checked again on every use. */
const szProtocolMemo = new StringMemo();

/**
 * Decodes a 628-byte little-endian Win32 `WSAPROTOCOL_INFOW`. `szProtocol` ends at its first NUL (the
 * bytes after it are ignored); trailing zero `ChainEntries` are padding and are dropped. The result has
 * no `handoff`: the native form carries only the export id, in `dwProviderReserved`.
 *
 * @throws WsaError `WSAEINVAL` when `bytes` is not a `Uint8Array` of exactly 628 bytes, `szProtocol` has
 * no NUL in its 256 code units, or a field breaks a rule of `validateProtocolInfo` (an unknown
 * `iAddressFamily`, a `ChainLen` over 7, an unpaired surrogate...); the message names the field.
 */
export function fromNativeLayout(bytes: Uint8Array): ProtocolInfo {
  if (!(bytes instanceof Uint8Array)) {
    throw new WsaError('WSAEINVAL', `fromNativeLayout: bytes must be a Uint8Array of ${WSAPROTOCOL_INFOW_SIZE} bytes, got ${bytes === null ? 'null' : `a ${typeof bytes}`}`);
  }
  if (bytes.length !== WSAPROTOCOL_INFOW_SIZE) {
    throw new WsaError('WSAEINVAL', `fromNativeLayout: WSAPROTOCOL_INFOW is ${WSAPROTOCOL_INFOW_SIZE} bytes, got ${bytes.length}`);
  }
  let entryCount = MAX_PROTOCOL_CHAIN;
  while (entryCount > 0 && u32(bytes, OFF.ChainEntries + 4 * (entryCount - 1)) === 0) entryCount--;
  const chainEntries: number[] = [];
  for (let i = 0; i < entryCount; i++) chainEntries.push(u32(bytes, OFF.ChainEntries + 4 * i));
  let end = OFF.szProtocol;
  const last = OFF.szProtocol + 2 * WSAPROTOCOL_LEN;
  while (((bytes[end] as number) | (bytes[end + 1] as number)) !== 0) {
    if (end === last) {
      throw new WsaError('WSAEINVAL', `fromNativeLayout: szProtocol has no terminating NUL in its ${WSAPROTOCOL_LEN + 1} code units`);
    }
    end += 2;
  }
  let szProtocol = szProtocolMemo.get(bytes, OFF.szProtocol, end);
  if (szProtocol === undefined) {
    szProtocol = utf16le(bytes, OFF.szProtocol, end);
    szProtocolMemo.set(bytes, OFF.szProtocol, end, szProtocol);
  }
  const info: ProtocolInfo = {
    dwServiceFlags1: u32(bytes, OFF.dwServiceFlags1),
    dwServiceFlags2: u32(bytes, OFF.dwServiceFlags2),
    dwServiceFlags3: u32(bytes, OFF.dwServiceFlags3),
    dwServiceFlags4: u32(bytes, OFF.dwServiceFlags4),
    dwProviderFlags: u32(bytes, OFF.dwProviderFlags),
    ProviderId: readGuid(bytes, OFF.ProviderId),
    dwCatalogEntryId: u32(bytes, OFF.dwCatalogEntryId),
    ProtocolChain: { chainLen: i32(bytes, OFF.ChainLen), chainEntries },
    iVersion: i32(bytes, OFF.iVersion),
    iAddressFamily: i32(bytes, OFF.iAddressFamily),
    iMaxSockAddr: i32(bytes, OFF.iMaxSockAddr),
    iMinSockAddr: i32(bytes, OFF.iMinSockAddr),
    iSocketType: i32(bytes, OFF.iSocketType),
    iProtocol: i32(bytes, OFF.iProtocol),
    iProtocolMaxOffset: i32(bytes, OFF.iProtocolMaxOffset),
    iNetworkByteOrder: i32(bytes, OFF.iNetworkByteOrder),
    iSecurityScheme: i32(bytes, OFF.iSecurityScheme),
    dwMessageSize: u32(bytes, OFF.dwMessageSize),
    dwProviderReserved: u32(bytes, OFF.dwProviderReserved),
    szProtocol,
  };
  // The rules four bytes can break (a uint32 read from four bytes is always a uint32, and readGuid
  // always writes canonical text): known enum values, the chain's shape, szProtocol's surrogates.
  checkEnums(info, 'fromNativeLayout');
  checkChain(info.ProtocolChain, 'fromNativeLayout');
  checkSzProtocol(szProtocol, 'fromNativeLayout');
  return info;
}
