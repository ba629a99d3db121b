import { MAX_PROTOCOL_CHAIN } from './constants.js';
import { WsaError } from './errors.js';
import type { ExportContext, ProtocolChain, ProtocolInfo } from './protocol-info.js';
import { StringMemo } from './wire/string-memo.js';
import { WireReader } from './wire/wire-reader.js';
import { WireType } from './wire/wire-type.js';

/**
 * The strict decoder of `sanshare.v1.ProtocolInfo` (proto/sanshare/v1/protocol_info.proto): one pass
 * of the shared strict reader (`./wire/wire-reader.ts`) that checks the wire format and builds the model.
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
const { VARINT, LEN } = WireType;

/** One reader for every decode: a decode is synchronous and not re-entrant, and this saves an allocation. */
const r = new WireReader('decodeProtocolInfo');

// Valid UTF-8 only: the string checks of the validator still run on what these return.
const providerIdMemo = new StringMemo();
const szProtocolMemo = new StringMemo();

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
const EXPORT_CONTEXT_PATH = 'ProtocolInfo.exportContext (export_context = 21)';

/** `ProtocolChain`; merges into `chain` (proto3 merges a message field that appears twice, but we reject that). */
function readChain(end: number, chain: ProtocolChain): void {
  let seen = 0;
  const entries = chain.chainEntries;
  while (r.pos < end) {
    const number = r.tag(end, CHAIN_PATH);
    if (number === 1) {
      seen = r.field('chainLen (chain_len = 1)', VARINT, seen, 1);
      chain.chainLen = r.int32(end);
    } else if (number === 2) {
      // Repeated scalars may come packed (length-delimited) or one varint per element, even mixed.
      r.repeated('chainEntries (chain_entries = 2)', VARINT, LEN);
      r.uint32s(end, entries, MAX_PROTOCOL_CHAIN, 'entries (MAX_PROTOCOL_CHAIN)');
    } else {
      r.skip(number, end);
    }
  }
}

function readHandoff(end: number): ExportContext {
  const exportContext: ExportContext = { exportId: 0, sourcePid: 0, targetPid: 0, socketCookie: '0', nonce: EMPTY, expiresAtMs: 0 };
  let seen = 0;
  while (r.pos < end) {
    const number = r.tag(end, EXPORT_CONTEXT_PATH);
    switch (number) {
      case 1:
        seen = r.field('exportId (export_id = 1)', VARINT, seen, number);
        exportContext.exportId = r.uint32(end);
        break;
      case 2:
        seen = r.field('sourcePid (source_pid = 2)', VARINT, seen, number);
        exportContext.sourcePid = r.uint32(end);
        break;
      case 3:
        seen = r.field('targetPid (target_pid = 3)', VARINT, seen, number);
        exportContext.targetPid = r.uint32(end);
        break;
      case 4:
        seen = r.field('socketCookie (socket_cookie = 4)', VARINT, seen, number);
        r.varint(end);
        // Exact as a double below 2^53 (the usual case: cookies count up from 1); BigInt only above.
        exportContext.socketCookie = r.hi < 0x20_0000 ? safeIntegerToDecimal(r.hi * 0x1_0000_0000 + r.lo) : ((BigInt(r.hi) << 32n) | BigInt(r.lo)).toString();
        break;
      case 5: {
        seen = r.field('nonce (nonce = 5)', LEN, seen, number);
        const length = r.length(end);
        // A copy into a plain Uint8Array: the caller may reuse `bytes`, and Buffer#slice would share it.
        const nonce = new Uint8Array(length);
        for (let i = 0; i < length; i++) nonce[i] = r.buf[r.pos + i] as number;
        exportContext.nonce = nonce;
        r.pos += length;
        break;
      }
      case 6:
        seen = r.field('expiresAtMs (expires_at_ms = 6)', VARINT, seen, number);
        r.varint(end);
        if (r.hi >= 0x20_0000) r.fail('value is over 2^53-1');
        exportContext.expiresAtMs = r.hi * 0x1_0000_0000 + r.lo;
        break;
      default:
        r.skip(number, end);
    }
  }
  return exportContext;
}

/**
 * Decodes `bytes` as a `sanshare.v1.ProtocolInfo` under the rules above. Absent fields take their
 * proto3 defaults (0, '', no chain = `{ chainLen: 0, chainEntries: [] }`, no hand-off). Semantic rules
 * (GUID text, enum values, chain shape, hand-off) are the validator's, applied by the caller.
 */
export function readProtocolInfoMessage(bytes: Uint8Array): ProtocolInfo {
  r.reset(bytes);
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
    while (r.pos < end) {
      const number = r.tag(end, 'ProtocolInfo');
      switch (number) {
        case 1:
          seen = r.field('dwServiceFlags1 (service_flags1 = 1)', VARINT, seen, number);
          info.dwServiceFlags1 = r.uint32(end);
          break;
        case 2:
          seen = r.field('dwServiceFlags2 (service_flags2 = 2)', VARINT, seen, number);
          info.dwServiceFlags2 = r.uint32(end);
          break;
        case 3:
          seen = r.field('dwServiceFlags3 (service_flags3 = 3)', VARINT, seen, number);
          info.dwServiceFlags3 = r.uint32(end);
          break;
        case 4:
          seen = r.field('dwServiceFlags4 (service_flags4 = 4)', VARINT, seen, number);
          info.dwServiceFlags4 = r.uint32(end);
          break;
        case 5:
          seen = r.field('dwProviderFlags (provider_flags = 5)', VARINT, seen, number);
          info.dwProviderFlags = r.uint32(end);
          break;
        case 6:
          seen = r.field('ProviderId (provider_id = 6)', LEN, seen, number);
          info.ProviderId = r.string(end, providerIdMemo);
          break;
        case 7:
          seen = r.field('dwCatalogEntryId (catalog_entry_id = 7)', VARINT, seen, number);
          info.dwCatalogEntryId = r.uint32(end);
          break;
        case 8: {
          seen = r.field('ProtocolChain (protocol_chain = 8)', LEN, seen, number);
          const length = r.length(end);
          readChain(r.pos + length, info.ProtocolChain);
          break;
        }
        case 9:
          seen = r.field('iVersion (version = 9)', VARINT, seen, number);
          info.iVersion = r.int32(end);
          break;
        case 10:
          seen = r.field('iAddressFamily (address_family = 10)', VARINT, seen, number);
          info.iAddressFamily = r.int32(end);
          break;
        case 11:
          seen = r.field('iMaxSockAddr (max_sock_addr = 11)', VARINT, seen, number);
          info.iMaxSockAddr = r.int32(end);
          break;
        case 12:
          seen = r.field('iMinSockAddr (min_sock_addr = 12)', VARINT, seen, number);
          info.iMinSockAddr = r.int32(end);
          break;
        case 13:
          seen = r.field('iSocketType (socket_type = 13)', VARINT, seen, number);
          info.iSocketType = r.int32(end);
          break;
        case 14:
          seen = r.field('iProtocol (protocol = 14)', VARINT, seen, number);
          info.iProtocol = r.int32(end);
          break;
        case 15:
          seen = r.field('iProtocolMaxOffset (protocol_max_offset = 15)', VARINT, seen, number);
          info.iProtocolMaxOffset = r.int32(end);
          break;
        case 16:
          seen = r.field('iNetworkByteOrder (network_byte_order = 16)', VARINT, seen, number);
          info.iNetworkByteOrder = r.int32(end);
          break;
        case 17:
          seen = r.field('iSecurityScheme (security_scheme = 17)', VARINT, seen, number);
          info.iSecurityScheme = r.int32(end);
          break;
        case 18:
          seen = r.field('dwMessageSize (message_size = 18)', VARINT, seen, number);
          info.dwMessageSize = r.uint32(end);
          break;
        case 19:
          seen = r.field('dwProviderReserved (provider_reserved = 19)', VARINT, seen, number);
          info.dwProviderReserved = r.uint32(end);
          break;
        case 20:
          seen = r.field('szProtocol (sz_protocol = 20)', LEN, seen, number);
          info.szProtocol = r.string(end, szProtocolMemo);
          break;
        case 21: {
          seen = r.field('exportContext (export_context = 21)', LEN, seen, number);
          const length = r.length(end);
          info.exportContext = readHandoff(r.pos + length);
          break;
        }
        default:
          r.skip(number, end);
      }
    }
  } finally {
    // Drop the reference so that this module does not keep the caller's buffer alive.
    r.release();
  }
  return info;
}
