import { AF, HANDOFF_NONCE_LENGTH, MAX_PROTOCOL_CHAIN, NETWORK_BYTE_ORDER, SOCK, WSAPROTOCOL_LEN } from './constants.js';
import { WsaError } from './errors.js';
import type { ProtocolInfo } from './protocol-info.js';

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

/** The `i*` fields that are plain Win32 `int`s (the enumerated ones are checked against their sets). */
const INT32_FIELDS = ['iVersion', 'iMaxSockAddr', 'iMinSockAddr', 'iProtocol', 'iProtocolMaxOffset', 'iSecurityScheme'] as const;

/**
 * The enumerated `i*` fields and the values sanshare knows. The protobuf schema models them as enums;
 * a value outside is an "unknown enum value", rejected by every codec so both forms accept the same set.
 */
const ENUM_FIELDS = [
  ['iAddressFamily', new Set<number>(Object.values(AF))],
  ['iSocketType', new Set<number>([0, ...Object.values(SOCK)])],
  ['iNetworkByteOrder', new Set<number>(Object.values(NETWORK_BYTE_ORDER))],
] as const;

const GUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UINT64_DECIMAL = /^(?:0|[1-9][0-9]{0,19})$/;
const UINT64_MAX = 0xffff_ffff_ffff_ffffn;

/** Short, safe rendering of a bad value for an error message (never the whole of a huge string). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return `a ${typeof value}`;
}

function fail(context: string, field: string, rule: string, value: unknown): never {
  throw new WsaError('WSAEINVAL', `${context}: ${field} ${rule}, got ${describeValue(value)}`);
}

function isUint32(value: unknown): value is number {
  return typeof value === 'number' && value >>> 0 === value;
}

function isInt32(value: unknown): value is number {
  return typeof value === 'number' && (value | 0) === value;
}

/**
 * Returns the index of the first problem in `text` as `szProtocol`: a NUL (the native form ends the
 * string there) or an unpaired surrogate (not representable in UTF-8 nor by Windows APIs); -1 if none.
 */
export function findBadCodeUnit(text: string): number {
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

function validateHandoff(handoff: unknown, dwProviderReserved: number, context: string): void {
  if (typeof handoff !== 'object' || handoff === null) fail(context, 'handoff', 'must be an object', handoff);
  const h = handoff as Record<string, unknown>;
  if (!isUint32(h['exportId']) || h['exportId'] === 0) fail(context, 'handoff.exportId', 'must be a non-zero uint32', h['exportId']);
  if (h['exportId'] !== dwProviderReserved) {
    // The native form keeps only dwProviderReserved: the two must agree or the forms would disagree.
    fail(context, 'handoff.exportId', `must equal dwProviderReserved (${dwProviderReserved})`, h['exportId']);
  }
  if (!isUint32(h['sourcePid'])) fail(context, 'handoff.sourcePid', 'must be a uint32 (0..4294967295)', h['sourcePid']);
  if (!isUint32(h['targetPid'])) fail(context, 'handoff.targetPid', 'must be a uint32 (0..4294967295)', h['targetPid']);
  const cookie = h['socketCookie'];
  if (typeof cookie !== 'string' || !UINT64_DECIMAL.test(cookie) || BigInt(cookie) > UINT64_MAX) {
    fail(context, 'handoff.socketCookie', 'must be a uint64 in canonical decimal (no sign, no leading zero)', cookie);
  }
  const nonce = h['nonce'];
  if (!(nonce instanceof Uint8Array) || nonce.length !== HANDOFF_NONCE_LENGTH) {
    fail(context, 'handoff.nonce', `must be a Uint8Array of ${HANDOFF_NONCE_LENGTH} bytes`, nonce instanceof Uint8Array ? `${nonce.length} bytes` : nonce);
  }
  const expires = h['expiresAtMs'];
  if (typeof expires !== 'number' || !Number.isSafeInteger(expires) || expires < 0) {
    fail(context, 'handoff.expiresAtMs', 'must be an integer 0..2^53-1 (ms since the Unix epoch)', expires);
  }
}

/**
 * Checks that `value` is a `ProtocolInfo` every codec can carry exactly; the four codecs call it on
 * what they encode and on what they decode, so both forms accept exactly the same values.
 *
 * Rules: `dw*` fields are uint32, `i*` fields int32; `iAddressFamily` is one of `AF`, `iSocketType` 0 or
 * one of `SOCK`, `iNetworkByteOrder` one of `NETWORK_BYTE_ORDER`; `ProviderId` is canonical lowercase
 * GUID text; `ProtocolChain.chainLen` is 0..7, `chainEntries` at most 7 uint32 with no trailing 0 (the
 * native form's padding), and with `chainLen >= 2` exactly `chainLen` non-zero ids; `szProtocol` is at
 * most 255 UTF-16 code units with no NUL and no unpaired surrogate; `handoff`, when present, has a
 * non-zero `exportId` equal to `dwProviderReserved`, uint32 pids, a canonical decimal uint64
 * `socketCookie`, a 16-byte `nonce` and a safe-integer `expiresAtMs`.
 *
 * @param context - Names the caller in the error message (`'encodeProtocolInfo'`, say).
 * @throws WsaError `WSAEINVAL`, its message naming the field, the rule and the value, on the first violation.
 */
export function validateProtocolInfo(value: unknown, context = 'validateProtocolInfo'): asserts value is ProtocolInfo {
  if (typeof value !== 'object' || value === null) fail(context, 'ProtocolInfo', 'must be an object', value);
  const info = value as Record<string, unknown>;
  for (const field of UINT32_FIELDS) {
    if (!isUint32(info[field])) fail(context, field, 'must be a uint32 (an integer 0..4294967295)', info[field]);
  }
  for (const field of INT32_FIELDS) {
    if (!isInt32(info[field])) fail(context, field, 'must be an int32 (an integer -2147483648..2147483647)', info[field]);
  }
  for (const [field, known] of ENUM_FIELDS) {
    const v = info[field];
    if (!isInt32(v)) fail(context, field, 'must be an int32', v);
    if (!known.has(v)) fail(context, field, `must be one of ${[...known].join(', ')}`, v);
  }
  const guid = info['ProviderId'];
  if (typeof guid !== 'string' || !GUID_TEXT.test(guid)) {
    fail(context, 'ProviderId', 'must be a GUID in canonical lowercase text (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)', guid);
  }
  const chain = info['ProtocolChain'];
  if (typeof chain !== 'object' || chain === null) fail(context, 'ProtocolChain', 'must be an object', chain);
  const { chainLen, chainEntries } = chain as Record<string, unknown>;
  if (!isInt32(chainLen) || chainLen < 0 || chainLen > MAX_PROTOCOL_CHAIN) {
    fail(context, 'ProtocolChain.chainLen', `must be an integer 0..${MAX_PROTOCOL_CHAIN} (MAX_PROTOCOL_CHAIN)`, chainLen);
  }
  if (!Array.isArray(chainEntries)) fail(context, 'ProtocolChain.chainEntries', 'must be an array', chainEntries);
  if (chainEntries.length > MAX_PROTOCOL_CHAIN) {
    fail(context, 'ProtocolChain.chainEntries', `must hold at most ${MAX_PROTOCOL_CHAIN} entries (MAX_PROTOCOL_CHAIN)`, chainEntries);
  }
  for (let i = 0; i < chainEntries.length; i++) {
    if (!isUint32(chainEntries[i])) fail(context, `ProtocolChain.chainEntries[${i}]`, 'must be a uint32', chainEntries[i]);
  }
  if (chainEntries.length > 0 && chainEntries[chainEntries.length - 1] === 0) {
    fail(context, `ProtocolChain.chainEntries[${chainEntries.length - 1}]`, 'must not be a trailing 0 (zeros are the native padding)', 0);
  }
  if (chainLen >= 2) {
    if (chainEntries.length !== chainLen) {
      fail(context, 'ProtocolChain.chainEntries', `must hold exactly chainLen (${chainLen}) entries`, chainEntries);
    }
    const zero = chainEntries.indexOf(0);
    if (zero !== -1) fail(context, `ProtocolChain.chainEntries[${zero}]`, 'must be a catalog entry id, not 0, in a chain', 0);
  }
  const sz = info['szProtocol'];
  if (typeof sz !== 'string') fail(context, 'szProtocol', 'must be a string', sz);
  if (sz.length > WSAPROTOCOL_LEN) fail(context, 'szProtocol', `must be at most ${WSAPROTOCOL_LEN} UTF-16 code units (WSAPROTOCOL_LEN)`, sz);
  const bad = findBadCodeUnit(sz);
  if (bad !== -1) {
    fail(context, 'szProtocol', `must contain no NUL and no unpaired surrogate (code unit ${bad} is 0x${sz.charCodeAt(bad).toString(16)})`, sz);
  }
  const handoff = info['handoff'];
  if (handoff !== undefined) validateHandoff(handoff, info['dwProviderReserved'] as number, context);
}
