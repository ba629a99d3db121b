import { MAX_PROTOCOL_CHAIN } from './constants.js';
import { WsaError } from './errors.js';
import type { HandoffContext, ProtocolChain, ProtocolInfo } from './protocol-info.js';
import { StringMemo } from './string-memo.js';

/**
 * The strict decoder of `sanshare.v1.ProtocolInfo` (proto/sanshare/v1/protocol_info.proto): one pass
 * that checks the wire format and builds the model.
 *
 * Why not protobufjs's generated `decode`: protobufjs, like most protobuf runtimes, is lenient where
 * sanshare must not be. It truncates a uint32 varint of 2^32 or more to 32 bits, takes any varint as an
 * int32, skips a known field sent with the wrong wire type as if unknown, and lets a singular field
 * repeat (last one wins): each hands the caller a value other than the one sent. Checking that needs a
 * full pass over the bytes, and a pass that checks every field can as well keep its value: a second
 * pass by protobufjs would only double the cost (bench/). The generated code stays the reference:
 * property tests decode protobufjs's bytes here and this decoder's input with protobufjs, and compare.
 *
 * Rules (each violation is WSAEINVAL naming the field and byte offset): a known field has its declared
 * wire type (`chain_entries`: packed or not); a singular field appears at most once; uint32 varints are
 * below 2^32; int32 and enum varints are a 32-bit value zero- or sign-extended; `expires_at_ms` is at
 * most 2^53 - 1; strings are valid UTF-8; varints have at most 10 bytes; nothing runs past the end;
 * unknown fields are skipped, except groups (no such thing in proto3) and wire types 6 and 7.
 */

const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * Decoder state. A decode is synchronous and not re-entrant, so one module-level object saves
 * allocations; an object rather than module `let`s, which V8 hole-checks on every access.
 */
const st = {
  buf: EMPTY as Uint8Array,
  pos: 0,
  /** Low and high 32 bits of the last varint read. */
  lo: 0,
  hi: 0,
  /** Wire type of the last tag read. */
  wireType: 0,
  // Where the decoder is, for error messages only: plain assignments, formatted only on failure.
  atPath: '',
  atLabel: '',
  atByte: 0,
};

const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32', '6', '7'];
const VARINT = 0;
const LEN = 2;

function fail(problem: string): never {
  const where = st.atLabel === '' ? `${st.atPath} at byte ${st.atByte}` : `${st.atPath}.${st.atLabel} at byte ${st.atByte}`;
  throw new WsaError('WSAEINVAL', `decodeProtocolInfo: ${where}: ${problem}`);
}

/** `Buffer.prototype.utf8Slice` decodes UTF-8 from any Uint8Array without a view (as protobufjs does on Node). */
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice?: (this: Uint8Array, start: number, end: number) => string }).utf8Slice;
const utf8Decoder = new TextDecoder('utf-8');

/** True when bytes [start, end) are valid UTF-8 (RFC 3629: shortest form, no surrogates, <= U+10FFFF). */
function isUtf8Range(start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const b = st.buf[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
      cp = b & 0x07;
    } else {
      return false;
    }
    if (end - i <= need) return false;
    for (let k = 1; k <= need; k++) {
      const c = st.buf[i + k] as number;
      if ((c & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}

/** Reads a varint ending before `end` into `st.lo`/`st.hi`. */
function readVarint(end: number): void {
  // Most tags and values of a protocol info fit in one byte: take those without the loop.
  const first = st.pos < end ? (st.buf[st.pos] as number) : 0x80;
  if (first < 0x80) {
    st.pos++;
    st.lo = first;
    st.hi = 0;
    return;
  }
  st.lo = 0;
  st.hi = 0;
  for (let i = 0; i < 10; i++) {
    if (st.pos >= end) fail(`truncated inside a varint at byte ${st.pos}`);
    const b = st.buf[st.pos++] as number;
    if (i < 4) st.lo |= (b & 0x7f) << (7 * i);
    else if (i === 4) {
      st.lo |= (b & 0x0f) << 28;
      st.hi |= (b & 0x7f) >>> 4;
    } else st.hi |= (b & 0x7f) << (7 * i - 32);
    // The 10th byte holds bit 63 only; anything more (a value over 64 bits, or an 11th byte) is invalid.
    if (i === 9 && b > 1) fail(`varint at byte ${st.pos - 10} does not fit in 64 bits`);
    if (b < 0x80) {
      st.lo >>>= 0;
      st.hi >>>= 0;
      return;
    }
  }
  fail(`varint at byte ${st.pos - 10} is longer than 10 bytes`); // unreachable: the 10th byte check fires first
}

/** Reads a length prefix and checks the bytes it announces are there; returns the length. */
function readLength(end: number): number {
  readVarint(end);
  if (st.hi !== 0 || st.lo > end - st.pos) fail(`length ${st.hi !== 0 ? 'of 2^32 or more' : st.lo} at byte ${st.pos} runs past the end (${end - st.pos} bytes left)`);
  return st.lo;
}

/** Reads a tag; returns the field number and leaves the wire type in `st.wireType`. */
function readTag(end: number, path: string): number {
  st.atPath = path;
  st.atLabel = '';
  st.atByte = st.pos;
  readVarint(end);
  st.wireType = st.lo & 7;
  const number = st.lo >>> 3;
  const tagHigh: number = st.hi;
  if (tagHigh !== 0 || number === 0) fail('field number out of range (1..2^29-1)');
  return number;
}

/** Enters known field `label`: checks its wire type and that a singular field was not seen before. */
function enter(label: string, expected: number, seen: number, number: number): number {
  st.atLabel = label;
  if (st.wireType !== expected) fail(`wire type ${WIRE_NAMES[st.wireType]}, expected ${WIRE_NAMES[expected]}`);
  const bit = 1 << number;
  if ((seen & bit) !== 0) fail('singular field appears more than once');
  return seen | bit;
}

function uint32(end: number): number {
  readVarint(end);
  if (st.hi !== 0) fail('value is out of uint32 range');
  return st.lo;
}

function int32(end: number): number {
  readVarint(end);
  // An int32 is its value zero-extended (>= 0) or sign-extended to 64 bits (< 0): nothing else.
  if (st.hi === 0 && st.lo < 0x8000_0000) return st.lo;
  if (st.hi === 0xffff_ffff && st.lo >= 0x8000_0000) return st.lo | 0;
  return fail('value is out of int32 range');
}

/** Reads a string field; `memo` returns the previous string when the bytes are the same. */
function string(end: number, memo: StringMemo): string {
  const length = readLength(end);
  const start = st.pos;
  st.pos += length;
  const known = memo.get(st.buf, start, st.pos);
  if (known !== undefined) return known;
  if (!isUtf8Range(start, st.pos)) fail('string is not valid UTF-8');
  const text = length === 0 ? '' : utf8Slice !== undefined ? utf8Slice.call(st.buf, start, st.pos) : utf8Decoder.decode(st.buf.subarray(start, st.pos));
  memo.set(st.buf, start, st.pos, text);
  return text;
}

// Valid UTF-8 only: the string checks of the validator still run on what these return.
const providerIdMemo = new StringMemo();
const szProtocolMemo = new StringMemo();

function skipUnknown(number: number, end: number): void {
  st.atLabel = `unknown field ${number}`;
  switch (st.wireType) {
    case 0:
      readVarint(end);
      return;
    case 1:
      if (end - st.pos < 8) fail(`truncated fixed64 at byte ${st.pos}`);
      st.pos += 8;
      return;
    case 2: {
      // Not `st.pos += readLength()`: that reads `st.pos` before readLength moves it past the length.
      const length = readLength(end);
      st.pos += length;
      return;
    }
    case 5:
      if (end - st.pos < 4) fail(`truncated fixed32 at byte ${st.pos}`);
      st.pos += 4;
      return;
    default:
      fail(`wire type ${WIRE_NAMES[st.wireType]} is not allowed`);
  }
}

/**
 * Decimal text of a non-negative integer below 2^53. V8 prints a small integer (below 2^31) fast and
 * a larger one about 3x slower (measured), so a large one is printed as two small ones.
 */
function safeIntegerToDecimal(value: number): string {
  if (value < 0x8000_0000) return String(value);
  const high = Math.floor(value / 1e9);
  return String(high) + String(value - high * 1e9).padStart(9, '0');
}

const CHAIN_PATH = 'ProtocolInfo.ProtocolChain (protocol_chain = 8)';
const HANDOFF_PATH = 'ProtocolInfo.handoff (handoff = 21)';

/** `ProtocolChain`; merges into `chain` (proto3 merges a message field that appears twice, but we reject that). */
function readChain(end: number, chain: ProtocolChain): void {
  let seen = 0;
  const entries = chain.chainEntries;
  while (st.pos < end) {
    const number = readTag(end, CHAIN_PATH);
    if (number === 1) {
      seen = enter('chainLen (chain_len = 1)', VARINT, seen, 1);
      chain.chainLen = int32(end);
    } else if (number === 2) {
      // Repeated scalars may come packed (length-delimited) or one varint per element, even mixed.
      st.atLabel = 'chainEntries (chain_entries = 2)';
      if (st.wireType === VARINT) {
        entries.push(uint32(end));
      } else if (st.wireType === LEN) {
        const length = readLength(end);
        const stop = st.pos + length;
        while (st.pos < stop) entries.push(uint32(stop));
      } else {
        fail(`wire type ${WIRE_NAMES[st.wireType]}, expected varint or length-delimited`);
      }
      if (entries.length > MAX_PROTOCOL_CHAIN) fail(`more than ${MAX_PROTOCOL_CHAIN} entries (MAX_PROTOCOL_CHAIN)`);
    } else {
      skipUnknown(number, end);
    }
  }
}

function readHandoff(end: number): HandoffContext {
  const handoff: HandoffContext = { exportId: 0, sourcePid: 0, targetPid: 0, socketCookie: '0', nonce: EMPTY, expiresAtMs: 0 };
  let seen = 0;
  while (st.pos < end) {
    const number = readTag(end, HANDOFF_PATH);
    switch (number) {
      case 1:
        seen = enter('exportId (export_id = 1)', VARINT, seen, number);
        handoff.exportId = uint32(end);
        break;
      case 2:
        seen = enter('sourcePid (source_pid = 2)', VARINT, seen, number);
        handoff.sourcePid = uint32(end);
        break;
      case 3:
        seen = enter('targetPid (target_pid = 3)', VARINT, seen, number);
        handoff.targetPid = uint32(end);
        break;
      case 4:
        seen = enter('socketCookie (socket_cookie = 4)', VARINT, seen, number);
        readVarint(end);
        // Exact as a double below 2^53 (the usual case: cookies count up from 1); BigInt only above.
        handoff.socketCookie = st.hi < 0x20_0000 ? safeIntegerToDecimal(st.hi * 0x1_0000_0000 + st.lo) : ((BigInt(st.hi) << 32n) | BigInt(st.lo)).toString();
        break;
      case 5: {
        seen = enter('nonce (nonce = 5)', LEN, seen, number);
        const length = readLength(end);
        // A copy into a plain Uint8Array: the caller may reuse `bytes`, and Buffer#slice would share it.
        const nonce = new Uint8Array(length);
        for (let i = 0; i < length; i++) nonce[i] = st.buf[st.pos + i] as number;
        handoff.nonce = nonce;
        st.pos += length;
        break;
      }
      case 6:
        seen = enter('expiresAtMs (expires_at_ms = 6)', VARINT, seen, number);
        readVarint(end);
        if (st.hi >= 0x20_0000) fail('value is over 2^53-1');
        handoff.expiresAtMs = st.hi * 0x1_0000_0000 + st.lo;
        break;
      default:
        skipUnknown(number, end);
    }
  }
  return handoff;
}

/**
 * Decodes `bytes` as a `sanshare.v1.ProtocolInfo` under the rules above. Absent fields take their
 * proto3 defaults (0, '', no chain = `{ chainLen: 0, chainEntries: [] }`, no hand-off). Semantic rules
 * (GUID text, enum values, chain shape, hand-off) are the validator's, applied by the caller.
 */
export function readProtocolInfoMessage(bytes: Uint8Array): ProtocolInfo {
  st.buf = bytes;
  st.pos = 0;
  const end = bytes.length;
  // Every property in one literal, in one order: one hidden class for every decoded info.
  const info: ProtocolInfo = {
    dwServiceFlags1: 0,
    dwServiceFlags2: 0,
    dwServiceFlags3: 0,
    dwServiceFlags4: 0,
    dwProviderFlags: 0,
    ProviderId: '',
    dwCatalogEntryId: 0,
    ProtocolChain: { chainLen: 0, chainEntries: [] },
    iVersion: 0,
    iAddressFamily: 0,
    iMaxSockAddr: 0,
    iMinSockAddr: 0,
    iSocketType: 0,
    iProtocol: 0,
    iProtocolMaxOffset: 0,
    iNetworkByteOrder: 0,
    iSecurityScheme: 0,
    dwMessageSize: 0,
    dwProviderReserved: 0,
    szProtocol: '',
  };
  let seen = 0;
  try {
    while (st.pos < end) {
      const number = readTag(end, 'ProtocolInfo');
      switch (number) {
        case 1:
          seen = enter('dwServiceFlags1 (service_flags1 = 1)', VARINT, seen, number);
          info.dwServiceFlags1 = uint32(end);
          break;
        case 2:
          seen = enter('dwServiceFlags2 (service_flags2 = 2)', VARINT, seen, number);
          info.dwServiceFlags2 = uint32(end);
          break;
        case 3:
          seen = enter('dwServiceFlags3 (service_flags3 = 3)', VARINT, seen, number);
          info.dwServiceFlags3 = uint32(end);
          break;
        case 4:
          seen = enter('dwServiceFlags4 (service_flags4 = 4)', VARINT, seen, number);
          info.dwServiceFlags4 = uint32(end);
          break;
        case 5:
          seen = enter('dwProviderFlags (provider_flags = 5)', VARINT, seen, number);
          info.dwProviderFlags = uint32(end);
          break;
        case 6:
          seen = enter('ProviderId (provider_id = 6)', LEN, seen, number);
          info.ProviderId = string(end, providerIdMemo);
          break;
        case 7:
          seen = enter('dwCatalogEntryId (catalog_entry_id = 7)', VARINT, seen, number);
          info.dwCatalogEntryId = uint32(end);
          break;
        case 8: {
          seen = enter('ProtocolChain (protocol_chain = 8)', LEN, seen, number);
          const length = readLength(end);
          readChain(st.pos + length, info.ProtocolChain);
          break;
        }
        case 9:
          seen = enter('iVersion (version = 9)', VARINT, seen, number);
          info.iVersion = int32(end);
          break;
        case 10:
          seen = enter('iAddressFamily (address_family = 10)', VARINT, seen, number);
          info.iAddressFamily = int32(end);
          break;
        case 11:
          seen = enter('iMaxSockAddr (max_sock_addr = 11)', VARINT, seen, number);
          info.iMaxSockAddr = int32(end);
          break;
        case 12:
          seen = enter('iMinSockAddr (min_sock_addr = 12)', VARINT, seen, number);
          info.iMinSockAddr = int32(end);
          break;
        case 13:
          seen = enter('iSocketType (socket_type = 13)', VARINT, seen, number);
          info.iSocketType = int32(end);
          break;
        case 14:
          seen = enter('iProtocol (protocol = 14)', VARINT, seen, number);
          info.iProtocol = int32(end);
          break;
        case 15:
          seen = enter('iProtocolMaxOffset (protocol_max_offset = 15)', VARINT, seen, number);
          info.iProtocolMaxOffset = int32(end);
          break;
        case 16:
          seen = enter('iNetworkByteOrder (network_byte_order = 16)', VARINT, seen, number);
          info.iNetworkByteOrder = int32(end);
          break;
        case 17:
          seen = enter('iSecurityScheme (security_scheme = 17)', VARINT, seen, number);
          info.iSecurityScheme = int32(end);
          break;
        case 18:
          seen = enter('dwMessageSize (message_size = 18)', VARINT, seen, number);
          info.dwMessageSize = uint32(end);
          break;
        case 19:
          seen = enter('dwProviderReserved (provider_reserved = 19)', VARINT, seen, number);
          info.dwProviderReserved = uint32(end);
          break;
        case 20:
          seen = enter('szProtocol (sz_protocol = 20)', LEN, seen, number);
          info.szProtocol = string(end, szProtocolMemo);
          break;
        case 21: {
          seen = enter('handoff (handoff = 21)', LEN, seen, number);
          const length = readLength(end);
          info.handoff = readHandoff(st.pos + length);
          break;
        }
        default:
          skipUnknown(number, end);
      }
    }
  } finally {
    // Drop the reference so that this module does not keep the caller's buffer alive.
    st.buf = EMPTY;
  }
  return info;
}
