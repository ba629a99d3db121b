import { EXPORT_NONCE_LENGTH, MAX_PROTOCOL_CHAIN, NETWORK_BYTE_ORDER, WSAPROTOCOL_LEN } from './constants.js';
import { WsaError } from './errors.js';
import type { ProtocolInfo } from './protocol-info.js';

/*
 * The rules every codec applies, in groups. `validateProtocolInfo` runs them all on a value from a
 * caller. The decoders run the groups their input can break: a uint32 read from four bytes needs no
 * range check, but an address family read from them does (see each decoder).
 */

/** The `dw*` fields: Win32 `DWORD`, so integers 0..2^32-1. */
const UINT32_FIELDS = [
  'dwServiceFlags1',
  'dwServiceFlags2',
  'dwServiceFlags3',
  'dwServiceFlags4',
  'dwProviderFlags',
  'dwCatalogEntryId',
  'dwMessageSize',
  'dwProviderReserved',
] as const;

/**
 * The `i*` fields that are plain Win32 `int`s. `iAddressFamily` and `iSocketType` are among them: a real
 * catalog holds families and types beyond IP and TCP (IPX 6, IrDA 26, Bluetooth 32, Hyper-V 34; RDM,
 * SEQPACKET), and a codec of the structure must carry every one exactly. Whether a provider implements
 * one is the provider's call, at `WSPSocket` (`WSAEAFNOSUPPORT`, `WSAESOCKTNOSUPPORT`...).
 */
const INT32_FIELDS = ['iVersion', 'iAddressFamily', 'iMaxSockAddr', 'iMinSockAddr', 'iSocketType', 'iProtocol', 'iProtocolMaxOffset', 'iSecurityScheme'] as const;

/** `iNetworkByteOrder`: the two values Winsock defines (`BIGENDIAN` 0, `LITTLEENDIAN` 1); anything else is malformed. */
const BYTE_ORDERS: readonly number[] = [NETWORK_BYTE_ORDER.BIGENDIAN, NETWORK_BYTE_ORDER.LITTLEENDIAN];

const UINT64_MAX_DECIMAL = '18446744073709551615';

/** A uint64 in canonical decimal: digits only, no leading zero, at most 2^64 - 1 (no BigInt: it is slow here). */
function isUint64Decimal(text: string): boolean {
  const length = text.length;
  if (length === 0 || length > 20 || (length > 1 && text.charCodeAt(0) === 0x30)) return false;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  // Same length, digits only: string order is numeric order.
  return length < 20 || text <= UINT64_MAX_DECIMAL;
}

/** What the validator is given: anything, read field by field. */
type Loose = { readonly [K in keyof ProtocolInfo]?: unknown };

/** Short, safe rendering of a bad value for an error message (never the whole of a huge string). */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} code units` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return `a ${typeof value}`;
}

/** Throws the WSAEINVAL every rule throws: `<context>: <field> <rule>, got <value>`. */
export function invalid(context: string, field: string, rule: string, value: unknown): never {
  throw new WsaError('WSAEINVAL', `${context}: ${field} ${rule}, got ${describeValue(value)}`);
}

function isUint32(value: unknown): value is number {
  return typeof value === 'number' && value >>> 0 === value;
}

function isInt32(value: unknown): value is number {
  return typeof value === 'number' && (value | 0) === value;
}

/** Canonical lowercase GUID text, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (a loop: faster than a RegExp here). */
function isGuidText(text: string): boolean {
  if (text.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = text.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 0x2d) return false;
    } else if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) {
      return false;
    }
  }
  return true;
}

/**
 * Returns the index of the first problem in `text` as `szProtocol`: a NUL (the native form ends the
 * string there) or an unpaired surrogate (not representable in UTF-8 nor by Windows APIs); -1 if none.
 */
function findBadCodeUnit(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 0) return i;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (next < 0xdc00 || next > 0xdfff) return i;
      i++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return i;
    }
  }
  return -1;
}

/** Rule group: every `dw*` field a uint32, every plain `i*` field an int32. */
export function checkIntegers(info: Loose, context: string): void {
  // One expression per group, then a loop only to name the field that failed.
  if (
    !(
      isUint32(info.dwServiceFlags1) &&
      isUint32(info.dwServiceFlags2) &&
      isUint32(info.dwServiceFlags3) &&
      isUint32(info.dwServiceFlags4) &&
      isUint32(info.dwProviderFlags) &&
      isUint32(info.dwCatalogEntryId) &&
      isUint32(info.dwMessageSize) &&
      isUint32(info.dwProviderReserved)
    )
  ) {
    for (const field of UINT32_FIELDS) {
      if (!isUint32(info[field])) invalid(context, field, 'must be a uint32 (an integer 0..4294967295)', info[field]);
    }
  }
  if (
    !(
      isInt32(info.iVersion) &&
      isInt32(info.iAddressFamily) &&
      isInt32(info.iMaxSockAddr) &&
      isInt32(info.iSocketType) &&
      isInt32(info.iMinSockAddr) &&
      isInt32(info.iProtocol) &&
      isInt32(info.iProtocolMaxOffset) &&
      isInt32(info.iSecurityScheme)
    )
  ) {
    for (const field of INT32_FIELDS) {
      if (!isInt32(info[field])) invalid(context, field, 'must be an int32 (an integer -2147483648..2147483647)', info[field]);
    }
  }
}

/** Rule group: `iNetworkByteOrder` is `BIGENDIAN` (0) or `LITTLEENDIAN` (1). */
export function checkByteOrder(info: Loose, context: string): void {
  const order = info.iNetworkByteOrder;
  if (order !== NETWORK_BYTE_ORDER.BIGENDIAN && order !== NETWORK_BYTE_ORDER.LITTLEENDIAN) {
    invalid(context, 'iNetworkByteOrder', `must be one of ${BYTE_ORDERS.join(', ')}`, order);
  }
}

/*
 * The last ProviderId and szProtocol that passed: a provider sends the same catalog strings in every
 * protocol info, and comparing a string to the last good one (a pointer compare when it is the same
 * string, a memcmp otherwise) is cheaper than walking it again.
 */
let lastGoodGuid: string | undefined;
let lastGoodSz: string | undefined;

/** Rule group: `ProviderId` is canonical lowercase GUID text. */
export function checkProviderId(guid: unknown, context: string): void {
  // The memo holds a string that passed, or nothing: a missing value never matches it.
  if (typeof guid === 'string' && guid === lastGoodGuid) return;
  if (typeof guid !== 'string' || !isGuidText(guid)) {
    invalid(context, 'ProviderId', 'must be a GUID in canonical lowercase text (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)', guid);
  }
  lastGoodGuid = guid;
}

/** Rule group: `ProtocolChain` (chainLen 0..7; entries: at most 7 uint32, no trailing 0, a full chain when chainLen >= 2). */
export function checkChain(chain: unknown, context: string): void {
  if (typeof chain !== 'object' || chain === null) invalid(context, 'ProtocolChain', 'must be an object', chain);
  const { chainLen, chainEntries } = chain as { chainLen?: unknown; chainEntries?: unknown };
  if (!isInt32(chainLen) || chainLen < 0 || chainLen > MAX_PROTOCOL_CHAIN) {
    invalid(context, 'ProtocolChain.chainLen', `must be an integer 0..${MAX_PROTOCOL_CHAIN} (MAX_PROTOCOL_CHAIN)`, chainLen);
  }
  if (!Array.isArray(chainEntries)) invalid(context, 'ProtocolChain.chainEntries', 'must be an array', chainEntries);
  const count = chainEntries.length;
  if (count > MAX_PROTOCOL_CHAIN) {
    invalid(context, 'ProtocolChain.chainEntries', `must hold at most ${MAX_PROTOCOL_CHAIN} entries (MAX_PROTOCOL_CHAIN)`, chainEntries);
  }
  for (let i = 0; i < count; i++) {
    if (!isUint32(chainEntries[i])) invalid(context, `ProtocolChain.chainEntries[${i}]`, 'must be a uint32', chainEntries[i]);
  }
  if (count > 0 && chainEntries[count - 1] === 0) {
    invalid(context, `ProtocolChain.chainEntries[${count - 1}]`, 'must not be a trailing 0 (zeros are the native padding)', 0);
  }
  if (chainLen >= 2) {
    if (count !== chainLen) invalid(context, 'ProtocolChain.chainEntries', `must hold exactly chainLen (${chainLen}) entries`, chainEntries);
    const zero = chainEntries.indexOf(0);
    if (zero !== -1) invalid(context, `ProtocolChain.chainEntries[${zero}]`, 'must be a catalog entry id, not 0, in a chain', 0);
  }
}

/** Rule group: `szProtocol` has at most 255 UTF-16 code units, no NUL, no unpaired surrogate. */
export function checkSzProtocol(sz: unknown, context: string): void {
  if (typeof sz === 'string' && sz === lastGoodSz) return;
  if (typeof sz !== 'string') invalid(context, 'szProtocol', 'must be a string', sz);
  if (sz.length > WSAPROTOCOL_LEN) invalid(context, 'szProtocol', `must be at most ${WSAPROTOCOL_LEN} UTF-16 code units (WSAPROTOCOL_LEN)`, sz);
  const bad = findBadCodeUnit(sz);
  if (bad !== -1) {
    invalid(context, 'szProtocol', `must contain no NUL and no unpaired surrogate (code unit ${bad} is 0x${sz.charCodeAt(bad).toString(16)})`, sz);
  }
  lastGoodSz = sz;
}

/** Rule group: the export context, when present (see `ExportContext`). */
export function checkExportContext(exportContext: unknown, dwProviderReserved: unknown, context: string): void {
  if (exportContext === undefined) return;
  if (typeof exportContext !== 'object' || exportContext === null) invalid(context, 'exportContext', 'must be an object', exportContext);
  const h = exportContext as { readonly [K in keyof import('./protocol-info.js').ExportContext]?: unknown };
  if (!isUint32(h.exportId) || h.exportId === 0) invalid(context, 'exportContext.exportId', 'must be a non-zero uint32', h.exportId);
  if (h.exportId !== dwProviderReserved) {
    // The native form keeps only dwProviderReserved: the two must agree or the two forms would disagree.
    invalid(context, 'exportContext.exportId', `must equal dwProviderReserved (${describeValue(dwProviderReserved)})`, h.exportId);
  }
  if (!isUint32(h.sourcePid)) invalid(context, 'exportContext.sourcePid', 'must be a uint32 (0..4294967295)', h.sourcePid);
  if (!isUint32(h.targetPid)) invalid(context, 'exportContext.targetPid', 'must be a uint32 (0..4294967295)', h.targetPid);
  const cookie = h.socketCookie;
  if (typeof cookie !== 'string' || !isUint64Decimal(cookie)) {
    invalid(context, 'exportContext.socketCookie', 'must be a uint64 in canonical decimal (digits only, no leading zero)', cookie);
  }
  const nonce = h.nonce;
  if (!(nonce instanceof Uint8Array) || nonce.length !== EXPORT_NONCE_LENGTH) {
    invalid(context, 'exportContext.nonce', `must be a Uint8Array of ${EXPORT_NONCE_LENGTH} bytes`, nonce);
  }
  const expires = h.expiresAtMs;
  if (typeof expires !== 'number' || !Number.isSafeInteger(expires) || expires < 0) {
    invalid(context, 'exportContext.expiresAtMs', 'must be an integer 0..2^53-1 (ms since the Unix epoch)', expires);
  }
}

/**
 * Checks that `value` is a `ProtocolInfo` every codec carries exactly. The four codecs apply these
 * rules to what they encode and to what they decode, so both forms accept exactly the same values.
 *
 * Rules: `dw*` fields are uint32, `i*` fields int32 (any address family and socket type: a codec carries
 * what a catalog holds); `iNetworkByteOrder` one of `NETWORK_BYTE_ORDER`; `ProviderId` is canonical lowercase
 * GUID text; `ProtocolChain.chainLen` is 0..7, `chainEntries` at most 7 uint32 with no trailing 0 (the
 * native form's padding), and with `chainLen >= 2` exactly `chainLen` non-zero ids; `szProtocol` is at
 * most 255 UTF-16 code units with no NUL and no unpaired surrogate; `exportContext`, when present, has a
 * non-zero `exportId` equal to `dwProviderReserved`, uint32 pids, a canonical decimal uint64
 * `socketCookie`, a 16-byte `nonce` and a safe-integer `expiresAtMs`. Other properties are ignored.
 *
 * @param context - Names the caller at the start of the error message (`'encodeProtocolInfo'`, say).
 * @throws WsaError `WSAEINVAL`, its message naming the field, the rule and the value, on the first violation.
 */
export function validateProtocolInfo(value: unknown, context = 'validateProtocolInfo'): asserts value is ProtocolInfo {
  if (typeof value !== 'object' || value === null) invalid(context, 'ProtocolInfo', 'must be an object', value);
  const info = value as Loose;
  checkIntegers(info, context);
  checkByteOrder(info, context);
  checkProviderId(info.ProviderId, context);
  checkChain(info.ProtocolChain, context);
  checkSzProtocol(info.szProtocol, context);
  checkExportContext(info.exportContext, info.dwProviderReserved, context);
}
