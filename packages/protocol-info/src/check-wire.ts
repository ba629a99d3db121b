import { isUtf8 } from 'node:buffer';
import { MAX_PROTOCOL_CHAIN } from './constants.js';
import { WsaError } from './errors.js';

/**
 * A strict pass over protobuf bytes before protobufjs decodes them. protobufjs (like most protobuf
 * runtimes) is lenient where sanshare must not be: it truncates a uint32 varint of 2^32 or more to 32
 * bits, takes any varint as an int32, treats a known field with the wrong wire type as unknown, and
 * lets a singular field repeat (last one wins). Each of those would hand the caller a value other than
 * the one sent, so this pass rejects them with WSAEINVAL naming the field and the byte offset.
 * It allocates nothing but the views `isUtf8` needs, and runs once per decode.
 */

const UINT32 = 0;
const INT32 = 1;
const UINT64 = 2;
/** A uint64 that the model keeps as a JS number, so at most 2^53 - 1. */
const SAFE_UINT64 = 3;
const STRING = 4;
const BYTES = 5;
const MESSAGE = 6;
const REPEATED_UINT32 = 7;

interface FieldSpec {
  /** Model name and proto name, for messages: `dwCatalogEntryId (catalog_entry_id = 7)`. */
  readonly label: string;
  readonly kind: number;
  readonly message?: MessageSpec;
}

interface MessageSpec {
  readonly name: string;
  /** Indexed by field number. */
  readonly fields: ReadonlyArray<FieldSpec | undefined>;
}

function spec(name: string, list: ReadonlyArray<readonly [number, string, string, number, MessageSpec?]>): MessageSpec {
  const fields: Array<FieldSpec | undefined> = [];
  for (const [no, model, proto, kind, message] of list) {
    fields[no] = { label: `${model} (${proto} = ${no})`, kind, ...(message ? { message } : {}) };
  }
  return { name, fields };
}

const CHAIN = spec('ProtocolChain', [
  [1, 'chainLen', 'chain_len', INT32],
  [2, 'chainEntries', 'chain_entries', REPEATED_UINT32],
]);

const HANDOFF = spec('HandoffContext', [
  [1, 'exportId', 'export_id', UINT32],
  [2, 'sourcePid', 'source_pid', UINT32],
  [3, 'targetPid', 'target_pid', UINT32],
  [4, 'socketCookie', 'socket_cookie', UINT64],
  [5, 'nonce', 'nonce', BYTES],
  [6, 'expiresAtMs', 'expires_at_ms', SAFE_UINT64],
]);

const PROTOCOL_INFO = spec('ProtocolInfo', [
  [1, 'dwServiceFlags1', 'service_flags1', UINT32],
  [2, 'dwServiceFlags2', 'service_flags2', UINT32],
  [3, 'dwServiceFlags3', 'service_flags3', UINT32],
  [4, 'dwServiceFlags4', 'service_flags4', UINT32],
  [5, 'dwProviderFlags', 'provider_flags', UINT32],
  [6, 'ProviderId', 'provider_id', STRING],
  [7, 'dwCatalogEntryId', 'catalog_entry_id', UINT32],
  [8, 'ProtocolChain', 'protocol_chain', MESSAGE, CHAIN],
  [9, 'iVersion', 'version', INT32],
  [10, 'iAddressFamily', 'address_family', INT32],
  [11, 'iMaxSockAddr', 'max_sock_addr', INT32],
  [12, 'iMinSockAddr', 'min_sock_addr', INT32],
  [13, 'iSocketType', 'socket_type', INT32],
  [14, 'iProtocol', 'protocol', INT32],
  [15, 'iProtocolMaxOffset', 'protocol_max_offset', INT32],
  [16, 'iNetworkByteOrder', 'network_byte_order', INT32],
  [17, 'iSecurityScheme', 'security_scheme', INT32],
  [18, 'dwMessageSize', 'message_size', UINT32],
  [19, 'dwProviderReserved', 'provider_reserved', UINT32],
  [20, 'szProtocol', 'sz_protocol', STRING],
  [21, 'handoff', 'handoff', MESSAGE, HANDOFF],
]);

const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32', '6', '7'];
const EXPECTED_WIRE = [0, 0, 0, 0, 2, 2, 2, -1];

// Scanner state: the pass is synchronous and not re-entrant, so module state saves allocations.
const EMPTY = new Uint8Array(0);
let buf: Uint8Array = EMPTY;
let pos = 0;
let lo = 0;
let hi = 0;

function fail(where: string, problem: string): never {
  throw new WsaError('WSAEINVAL', `decodeProtocolInfo: ${where}: ${problem}`);
}

/** Reads a varint ending before `end` into `lo`/`hi` (low and high 32 bits). */
function readVarint(end: number, where: string): void {
  lo = 0;
  hi = 0;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) fail(where, `truncated inside a varint at byte ${pos}`);
    const b = buf[pos++] as number;
    if (i < 4) lo |= (b & 0x7f) << (7 * i);
    else if (i === 4) {
      lo |= (b & 0x0f) << 28;
      hi |= (b & 0x7f) >>> 4;
    } else hi |= (b & 0x7f) << (7 * i - 32);
    if (i === 9 && b > 1) fail(where, `varint at byte ${pos - 10} does not fit in 64 bits`);
    if (b < 0x80) {
      lo >>>= 0;
      hi >>>= 0;
      return;
    }
  }
  fail(where, `varint at byte ${pos - 10} is longer than 10 bytes`);
}

function readLength(end: number, where: string): number {
  readVarint(end, where);
  if (hi !== 0 || lo > end - pos) fail(where, `length ${hi !== 0 ? 'over 2^32' : lo} at byte ${pos} runs past the end (${end - pos} bytes left)`);
  return lo;
}

function skipUnknown(wire: number, end: number, where: string): void {
  switch (wire) {
    case 0:
      readVarint(end, where);
      return;
    case 1:
      if (end - pos < 8) fail(where, `truncated fixed64 at byte ${pos}`);
      pos += 8;
      return;
    case 2: {
      // Not `pos += readLength()`: that reads `pos` before readLength moves it past the length.
      const length = readLength(end, where);
      pos += length;
      return;
    }
    case 5:
      if (end - pos < 4) fail(where, `truncated fixed32 at byte ${pos}`);
      pos += 4;
      return;
    default:
      // Groups (3, 4) do not exist in proto3; 6 and 7 are not wire types at all.
      fail(where, `wire type ${WIRE_NAMES[wire]} is not allowed`);
  }
}

function scanMessage(message: MessageSpec, end: number, path: string): void {
  let seen = 0;
  let entries = 0;
  while (pos < end) {
    const tagAt = pos;
    readVarint(end, `${path} tag at byte ${tagAt}`);
    const number = lo >>> 3;
    const wire = lo & 7;
    const tagHigh: number = hi;
    if (tagHigh !== 0 || number === 0) fail(`${path} tag at byte ${tagAt}`, 'field number out of range (1..2^29-1)');
    const field = message.fields[number];
    if (field === undefined) {
      skipUnknown(wire, end, `${path} unknown field ${number} at byte ${tagAt}`);
      continue;
    }
    const where = `${path}.${field.label} at byte ${tagAt}`;
    const kind = field.kind;
    const expected = EXPECTED_WIRE[kind] as number;
    if (kind === REPEATED_UINT32) {
      // Repeated scalars may come packed (length-delimited) or one varint per element, even mixed.
      if (wire === 0) {
        readVarint(end, where);
        if (hi !== 0) fail(where, 'value is out of uint32 range');
        entries++;
      } else if (wire === 2) {
        const length = readLength(end, where);
        const stop = pos + length;
        while (pos < stop) {
          readVarint(stop, where);
          if (hi !== 0) fail(where, 'value is out of uint32 range');
          entries++;
        }
      } else fail(where, `wire type ${WIRE_NAMES[wire]}, expected varint or length-delimited`);
      if (entries > MAX_PROTOCOL_CHAIN) fail(where, `more than ${MAX_PROTOCOL_CHAIN} entries (MAX_PROTOCOL_CHAIN)`);
      continue;
    }
    if (wire !== expected) fail(where, `wire type ${WIRE_NAMES[wire]}, expected ${WIRE_NAMES[expected]}`);
    const bit = 1 << number;
    if ((seen & bit) !== 0) fail(where, 'singular field appears more than once');
    seen |= bit;
    switch (kind) {
      case UINT32:
        readVarint(end, where);
        if (hi !== 0) fail(where, 'value is out of uint32 range');
        break;
      case INT32:
        readVarint(end, where);
        // An int32 is its value zero-extended (>= 0) or sign-extended to 64 bits (< 0): nothing else.
        if (!((hi === 0 && lo < 0x8000_0000) || (hi === 0xffff_ffff && lo >= 0x8000_0000))) fail(where, 'value is out of int32 range');
        break;
      case UINT64:
        readVarint(end, where);
        break;
      case SAFE_UINT64:
        readVarint(end, where);
        if (hi >= 0x20_0000) fail(where, 'value is over 2^53-1');
        break;
      case STRING: {
        const length = readLength(end, where);
        if (!isUtf8(buf.subarray(pos, pos + length))) fail(where, 'string is not valid UTF-8');
        pos += length;
        break;
      }
      case BYTES: {
        const length = readLength(end, where);
        pos += length;
        break;
      }
      default: {
        const length = readLength(end, where);
        const stop = pos + length;
        scanMessage(field.message as MessageSpec, stop, `${path}.${field.label}`);
        break;
      }
    }
  }
}

/**
 * Throws WSAEINVAL (naming the field and byte offset) unless `bytes` is a well-formed
 * `sanshare.v1.ProtocolInfo` under the strict rules above. Semantic rules (GUID text, enum sets,
 * chain shape) are validateProtocolInfo's.
 */
export function checkWire(bytes: Uint8Array): void {
  buf = bytes;
  pos = 0;
  try {
    scanMessage(PROTOCOL_INFO, bytes.length, 'ProtocolInfo');
  } finally {
    // Drop the reference so a caller's buffer is not kept alive by this module.
    buf = EMPTY;
  }
}
