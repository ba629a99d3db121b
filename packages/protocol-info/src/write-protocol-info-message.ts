import type { ProtocolInfo } from './protocol-info.js';

/*
 * A hand-written, schema-specific protobuf encoder for sanshare.v1.ProtocolInfo
 * (proto/sanshare/v1/protocol_info.proto). It writes exactly the bytes protobufjs's generated encoder
 * (src/gen/, `pnpm generate`) writes for the same info, which the tests check on random infos:
 *
 * - fields in field-number order; a scalar holding 0 and a string holding '' are omitted (proto3);
 * - uint32 as a varint of at most 5 bytes; a negative int32 or enum sign-extended to 10 bytes;
 * - protocol_chain omitted only when chainLen is 0 and there are no entries; chain_entries packed;
 * - exportContext written whenever present; uint64 fields as varints of their 64 bits; nonce as bytes.
 *
 * Why not protobufjs's encoder: it builds a message object and a list of write operations, forks a
 * writer per sub-message and copies into a buffer at the end; for this 100-byte message that cost more
 * than the whole strict decode (bench/, docs/decisions/0001-protobuf-codegen.md). Here one pass
 * computes the exact size, one allocation holds the result, one pass writes it: no intermediate object.
 * The info must already have passed validateProtocolInfo (the caller does it): ranges, GUID text, chain
 * shape and surrogate pairing are not checked again here.
 */

/** Size of a uint32 as a varint. */
function varint32Size(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x20_0000 ? 3 : value < 0x1000_0000 ? 4 : 5;
}

/** Size of a 64-bit value (low and high uint32 halves) as a varint: 7 bits per byte. */
function varint64Size(low: number, high: number): number {
  return high === 0 ? varint32Size(low) : Math.ceil((64 - Math.clz32(high)) / 7);
}

/** Size of a present uint32 field with a one- or two-byte tag; 0 when the value is 0 (omitted). */
function uint32FieldSize(tagSize: number, value: number): number {
  return value === 0 ? 0 : tagSize + varint32Size(value);
}

/** Size of a present int32/enum field: a negative value is sign-extended to 64 bits, 10 bytes. */
function int32FieldSize(tagSize: number, value: number): number {
  return value === 0 ? 0 : tagSize + (value < 0 ? 10 : varint32Size(value));
}

function putVarint32(buf: Uint8Array, pos: number, value: number): number {
  while (value > 0x7f) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buf[pos++] = value;
  return pos;
}

function putVarint64(buf: Uint8Array, pos: number, low: number, high: number): number {
  while (high !== 0) {
    buf[pos++] = (low & 0x7f) | 0x80;
    low = ((low >>> 7) | (high << 25)) >>> 0;
    high >>>= 7;
  }
  return putVarint32(buf, pos, low);
}

/** Writes tag and value of a uint32 field unless the value is 0. `tag` is (field << 3) | wire type. */
function putUint32Field(buf: Uint8Array, pos: number, tag: number, value: number): number {
  if (value === 0) return pos;
  return putVarint32(buf, putVarint32(buf, pos, tag), value);
}

function putInt32Field(buf: Uint8Array, pos: number, tag: number, value: number): number {
  if (value === 0) return pos;
  pos = putVarint32(buf, pos, tag);
  return value < 0 ? putVarint64(buf, pos, value >>> 0, 0xffff_ffff) : putVarint32(buf, pos, value);
}

/**
 * The UTF-8 bytes of the last `szProtocol` encoded. A provider writes the same catalog string into
 * every protocol info, so measuring and transcoding it once is enough; a fixed scratch of 255 x 3 bytes
 * (the most 255 UTF-16 units take: a surrogate pair is 2 units, 4 bytes) means a miss allocates nothing.
 */
const szMemo = { text: '', length: 0, bytes: new Uint8Array(255 * 3) };

/** UTF-8 of a string with no unpaired surrogate (validated) into `szMemo`, unless it is already there. */
function rememberSz(text: string): void {
  if (text === szMemo.text) return;
  const out = szMemo.bytes;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) {
      out[n++] = unit;
    } else if (unit < 0x800) {
      out[n++] = 0xc0 | (unit >>> 6);
      out[n++] = 0x80 | (unit & 0x3f);
    } else if (unit >= 0xd800 && unit <= 0xdbff) {
      const point = 0x1_0000 + ((unit - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00);
      out[n++] = 0xf0 | (point >>> 18);
      out[n++] = 0x80 | ((point >>> 12) & 0x3f);
      out[n++] = 0x80 | ((point >>> 6) & 0x3f);
      out[n++] = 0x80 | (point & 0x3f);
    } else {
      out[n++] = 0xe0 | (unit >>> 12);
      out[n++] = 0x80 | ((unit >>> 6) & 0x3f);
      out[n++] = 0x80 | (unit & 0x3f);
    }
  }
  szMemo.length = n;
  szMemo.text = text;
}

/** 2^32, to split a 64-bit value held in a double into its uint32 halves. */
const TWO_POW_32 = 0x1_0000_0000;

/**
 * Encodes a validated `info` as `sanshare.v1.ProtocolInfo`, byte for byte what protobufjs's generated
 * encoder writes. The result is a `Buffer` from Node's pool (as protobufjs returns on Node): honour its
 * `byteOffset`, or `slice()` it, before using `.buffer`.
 */
export function writeProtocolInfoMessage(info: ProtocolInfo): Uint8Array {
  // Pass 1: exact sizes, inner messages first (their length prefixes depend on them).
  const chain = info.ProtocolChain;
  const entries = chain.chainEntries;
  const entryCount = entries.length;
  let packed = 0;
  for (let i = 0; i < entryCount; i++) packed += varint32Size(entries[i] as number);
  const chainBody = int32FieldSize(1, chain.chainLen) + (entryCount === 0 ? 0 : 1 + varint32Size(packed) + packed);
  const hasChain = chain.chainLen !== 0 || entryCount !== 0;

  const exportContext = info.exportContext;
  let exportContextBody = 0;
  let cookieLow = 0;
  let cookieHigh = 0;
  let expiresLow = 0;
  let expiresHigh = 0;
  if (exportContext !== undefined) {
    // The cookie is canonical decimal (validated). Up to 15 digits it is below 2^53, exact in a double:
    // the usual case, as cookies count up from 1. Longer ones take BigInt, which costs more than the
    // rest of the encoding (a digit loop on two halves was no cheaper: double division and boxing).
    const text = exportContext.socketCookie;
    if (text.length <= 15) {
      let value = 0;
      for (let i = 0; i < text.length; i++) value = value * 10 + (text.charCodeAt(i) - 0x30);
      cookieHigh = Math.floor(value / TWO_POW_32);
      cookieLow = value - cookieHigh * TWO_POW_32;
    } else {
      const value = BigInt(text);
      cookieHigh = Number(value >> 32n);
      cookieLow = Number(value & 0xffff_ffffn);
    }
    // A safe integer: the high half is below 2^21, the low half exact.
    expiresHigh = Math.floor(exportContext.expiresAtMs / TWO_POW_32);
    expiresLow = exportContext.expiresAtMs - expiresHigh * TWO_POW_32;
    const nonceLength = exportContext.nonce.length;
    exportContextBody =
      uint32FieldSize(1, exportContext.exportId) +
      uint32FieldSize(1, exportContext.sourcePid) +
      uint32FieldSize(1, exportContext.targetPid) +
      (cookieLow === 0 && cookieHigh === 0 ? 0 : 1 + varint64Size(cookieLow, cookieHigh)) +
      (nonceLength === 0 ? 0 : 1 + varint32Size(nonceLength) + nonceLength) +
      (expiresLow === 0 && expiresHigh === 0 ? 0 : 1 + varint64Size(expiresLow, expiresHigh));
  }

  const providerId = info.ProviderId; // canonical GUID text: ASCII, one byte per character
  const sz = info.szProtocol;
  rememberSz(sz);
  const szLength = szMemo.length;

  const size =
    uint32FieldSize(1, info.dwServiceFlags1) +
    uint32FieldSize(1, info.dwServiceFlags2) +
    uint32FieldSize(1, info.dwServiceFlags3) +
    uint32FieldSize(1, info.dwServiceFlags4) +
    uint32FieldSize(1, info.dwProviderFlags) +
    (providerId.length === 0 ? 0 : 1 + varint32Size(providerId.length) + providerId.length) +
    uint32FieldSize(1, info.dwCatalogEntryId) +
    (hasChain ? 1 + varint32Size(chainBody) + chainBody : 0) +
    int32FieldSize(1, info.iVersion) +
    int32FieldSize(1, info.iAddressFamily) +
    int32FieldSize(1, info.iMaxSockAddr) +
    int32FieldSize(1, info.iMinSockAddr) +
    int32FieldSize(1, info.iSocketType) +
    int32FieldSize(1, info.iProtocol) +
    int32FieldSize(1, info.iProtocolMaxOffset) +
    int32FieldSize(2, info.iNetworkByteOrder) +
    int32FieldSize(2, info.iSecurityScheme) +
    uint32FieldSize(2, info.dwMessageSize) +
    uint32FieldSize(2, info.dwProviderReserved) +
    (szLength === 0 ? 0 : 2 + varint32Size(szLength) + szLength) +
    (exportContext === undefined ? 0 : 2 + varint32Size(exportContextBody) + exportContextBody);

  // Pass 2: one allocation (a slice of Node's Buffer pool, as protobufjs's writer takes), every byte written.
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  pos = putUint32Field(buf, pos, 8, info.dwServiceFlags1);
  pos = putUint32Field(buf, pos, 16, info.dwServiceFlags2);
  pos = putUint32Field(buf, pos, 24, info.dwServiceFlags3);
  pos = putUint32Field(buf, pos, 32, info.dwServiceFlags4);
  pos = putUint32Field(buf, pos, 40, info.dwProviderFlags);
  if (providerId.length !== 0) {
    buf[pos++] = 50;
    pos = putVarint32(buf, pos, providerId.length);
    for (let i = 0; i < providerId.length; i++) buf[pos++] = providerId.charCodeAt(i);
  }
  pos = putUint32Field(buf, pos, 56, info.dwCatalogEntryId);
  if (hasChain) {
    buf[pos++] = 66;
    pos = putVarint32(buf, pos, chainBody);
    pos = putInt32Field(buf, pos, 8, chain.chainLen);
    if (entryCount !== 0) {
      buf[pos++] = 18;
      pos = putVarint32(buf, pos, packed);
      for (let i = 0; i < entryCount; i++) pos = putVarint32(buf, pos, entries[i] as number);
    }
  }
  pos = putInt32Field(buf, pos, 72, info.iVersion);
  pos = putInt32Field(buf, pos, 80, info.iAddressFamily);
  pos = putInt32Field(buf, pos, 88, info.iMaxSockAddr);
  pos = putInt32Field(buf, pos, 96, info.iMinSockAddr);
  pos = putInt32Field(buf, pos, 104, info.iSocketType);
  pos = putInt32Field(buf, pos, 112, info.iProtocol);
  pos = putInt32Field(buf, pos, 120, info.iProtocolMaxOffset);
  pos = putInt32Field(buf, pos, 128, info.iNetworkByteOrder);
  pos = putInt32Field(buf, pos, 136, info.iSecurityScheme);
  pos = putUint32Field(buf, pos, 144, info.dwMessageSize);
  pos = putUint32Field(buf, pos, 152, info.dwProviderReserved);
  if (szLength !== 0) {
    pos = putVarint32(buf, pos, 162);
    pos = putVarint32(buf, pos, szLength);
    const bytes = szMemo.bytes;
    for (let i = 0; i < szLength; i++) buf[pos++] = bytes[i] as number;
  }
  if (exportContext !== undefined) {
    pos = putVarint32(buf, pos, 170);
    pos = putVarint32(buf, pos, exportContextBody);
    pos = putUint32Field(buf, pos, 8, exportContext.exportId);
    pos = putUint32Field(buf, pos, 16, exportContext.sourcePid);
    pos = putUint32Field(buf, pos, 24, exportContext.targetPid);
    if (cookieLow !== 0 || cookieHigh !== 0) {
      buf[pos++] = 32;
      pos = putVarint64(buf, pos, cookieLow, cookieHigh);
    }
    const nonce = exportContext.nonce;
    if (nonce.length !== 0) {
      buf[pos++] = 42;
      pos = putVarint32(buf, pos, nonce.length);
      for (let i = 0; i < nonce.length; i++) buf[pos++] = nonce[i] as number;
    }
    if (expiresLow !== 0 || expiresHigh !== 0) {
      buf[pos++] = 48;
      pos = putVarint64(buf, pos, expiresLow, expiresHigh);
    }
  }
  return buf;
}
