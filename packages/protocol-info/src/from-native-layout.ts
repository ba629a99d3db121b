import { MAX_PROTOCOL_CHAIN, WSAPROTOCOL_INFOW_OFFSETS as OFF, WSAPROTOCOL_INFOW_SIZE, WSAPROTOCOL_LEN } from './constants.js';
import { WsaError } from './errors.js';
import { readGuid } from './guid.js';
import { WORD, loadScratch, scratch } from './native-words.js';
import type { ProtocolInfo } from './protocol-info.js';
import { checkChain, checkByteOrder, checkSzProtocol } from './validate-protocol-info.js';

/** `Buffer.prototype.ucs2Slice` decodes UTF-16LE from any Uint8Array, 3x faster than the alternatives. */
const ucs2Slice = (Buffer.prototype as unknown as { ucs2Slice?: (this: Uint8Array, start: number, end: number) => string }).ucs2Slice;

/** UTF-16LE code units in bytes [start, end) as a string, unpaired surrogates kept (checked afterwards). */
function utf16le(bytes: Uint8Array, start: number, end: number): string {
  if (ucs2Slice !== undefined) return ucs2Slice.call(bytes, start, end);
  let text = '';
  for (let at = start; at < end; at += 2) text += String.fromCharCode((bytes[at] as number) | ((bytes[at + 1] as number) << 8));
  return text;
}

/**
 * The last szProtocol decoded, by its UTF-16 units (a provider's catalog string, the same in every
 * info: see StringMemo for why). Checked again on every use (checkSzProtocol).
 */
const szMemo = { units: new Uint16Array(WSAPROTOCOL_LEN), length: -1, text: '' };

/**
 * Finds szProtocol's NUL in `scratch` and returns its length in units, comparing the units with the
 * remembered string's on the way (one pass for both, no second loop on a hit);
 * `scan.matched` tells whether they are the remembered ones.
 */
const scan = { matched: false };
function scanSz(): number {
  const u16 = scratch.u16;
  const units = szMemo.units;
  const known = szMemo.length;
  let matched = true;
  let length = 0;
  for (;;) {
    const unit = u16[WORD.szProtocol + length] as number;
    if (unit === 0) break;
    if (length === WSAPROTOCOL_LEN) {
      throw new WsaError('WSAEINVAL', `fromNativeLayout: szProtocol has no terminating NUL in its ${WSAPROTOCOL_LEN + 1} code units`);
    }
    if (matched && (length >= known || unit !== units[length])) matched = false;
    length++;
  }
  scan.matched = matched && length === known;
  return length;
}

/**
 * Decodes a 628-byte little-endian Win32 `WSAPROTOCOL_INFOW`. `szProtocol` ends at its first NUL (the
 * bytes after it are ignored); trailing zero `ChainEntries` are padding and are dropped. The result has
 * no `exportContext`: the native form carries only the export id, in `dwProviderReserved`.
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
  // One aligned copy in host order, then one indexed load per field (native-words.ts).
  loadScratch(bytes);
  const { u32, i32, u16 } = scratch;
  let entryCount = MAX_PROTOCOL_CHAIN;
  while (entryCount > 0 && u32[WORD.ChainEntries + entryCount - 1] === 0) entryCount--;
  const chainEntries: number[] = [];
  for (let i = 0; i < entryCount; i++) chainEntries.push(u32[WORD.ChainEntries + i] as number);
  const length = scanSz();
  let szProtocol = szMemo.text;
  if (!scan.matched) {
    // From the caller's bytes, which are little-endian on every host.
    szProtocol = utf16le(bytes, OFF.szProtocol, OFF.szProtocol + 2 * length);
    szMemo.units.set(u16.subarray(WORD.szProtocol, WORD.szProtocol + length));
    szMemo.length = length;
    szMemo.text = szProtocol;
  }
  const info: ProtocolInfo = {
    dwServiceFlags1: u32[WORD.dwServiceFlags1] as number,
    dwServiceFlags2: u32[WORD.dwServiceFlags2] as number,
    dwServiceFlags3: u32[WORD.dwServiceFlags3] as number,
    dwServiceFlags4: u32[WORD.dwServiceFlags4] as number,
    dwProviderFlags: u32[WORD.dwProviderFlags] as number,
    ProviderId: readGuid(scratch.bytes, OFF.ProviderId),
    dwCatalogEntryId: u32[WORD.dwCatalogEntryId] as number,
    ProtocolChain: { chainLen: i32[WORD.ChainLen] as number, chainEntries },
    iVersion: i32[WORD.iVersion] as number,
    iAddressFamily: i32[WORD.iAddressFamily] as number,
    iMaxSockAddr: i32[WORD.iMaxSockAddr] as number,
    iMinSockAddr: i32[WORD.iMinSockAddr] as number,
    iSocketType: i32[WORD.iSocketType] as number,
    iProtocol: i32[WORD.iProtocol] as number,
    iProtocolMaxOffset: i32[WORD.iProtocolMaxOffset] as number,
    iNetworkByteOrder: i32[WORD.iNetworkByteOrder] as number,
    iSecurityScheme: i32[WORD.iSecurityScheme] as number,
    dwMessageSize: u32[WORD.dwMessageSize] as number,
    dwProviderReserved: u32[WORD.dwProviderReserved] as number,
    szProtocol,
  };
  // The rules four bytes can break (a uint32 read from four bytes is always a uint32, and readGuid
  // always writes canonical text): known enum values, the chain's shape, szProtocol's surrogates.
  checkByteOrder(info, 'fromNativeLayout');
  checkChain(info.ProtocolChain, 'fromNativeLayout');
  checkSzProtocol(szProtocol, 'fromNativeLayout');
  return info;
}
