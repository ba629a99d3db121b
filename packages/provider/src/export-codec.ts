/**
 * The messages of proto/sanshare/v1/export.proto: `Export` (source to target, with the socket's
 * descriptor) and `ExportReply` (target to source).
 *
 * Encoded with protobufjs's `Writer`, by hand: the messages are two, flat and small, and a hand
 * encoder keeps 64-bit fields exact without `Long` and costs no reflection on the hot path.
 * Decoded with `WireReader` from `@sanshare/protocol-info/wire`, the one strict reader every
 * sanshare message goes through, so an `Export` is refused for exactly what a protocol info is
 * refused for: a singular field sent twice, a known field with another wire type, a group, a varint
 * out of its type's range, a length past the end, a string that is not UTF-8 (each `WSAEINVAL`,
 * naming the field and byte offset). Unknown fields are skipped (proto3 forward compatibility).
 * `export-codec.test.ts` parses the `.proto` with protobufjs and checks that both encodings agree,
 * so the `.proto` stays the source of truth.
 */
import protobuf from 'protobufjs/minimal.js';
import { WireReader, WireType, wireTag } from '@sanshare/protocol-info/wire';
import { MAX_APP_MESSAGE_BYTES, MAX_READ_AHEAD_BYTES } from './constants.js';

/** `Status` of an `ExportReply`. */
export const ExportStatus = {
  UNSPECIFIED: 0,
  OK: 1,
  NO_BUFFERS: 2,
  NO_DESCRIPTORS: 3,
  INVALID: 4,
  ID_IN_USE: 5,
} as const;
export type ExportStatus = (typeof ExportStatus)[keyof typeof ExportStatus];

/** `SocketEssentials`. */
export interface SocketEssentials {
  addressFamily: number;
  socketType: number;
  protocol: number;
  catalogEntryId: number;
}

/** `EmulatedOptions`: milliseconds, 0 = none. */
export interface EmulatedOptions {
  rcvtimeoMs: number;
  sndtimeoMs: number;
}

/** `Export`: source to target, with the socket's descriptor attached. */
export interface ExportMessage {
  version: number;
  exportId: number;
  nonce: Uint8Array;
  /** `SO_COOKIE`, a uint64. */
  socketCookie: bigint;
  targetPid: number;
  socket: SocketEssentials;
  options: EmulatedOptions;
  readAhead: Uint8Array;
  /**
   * The application's message (WSPDuplicateSocketWithMessage): present, even empty, when the
   * target must deliver the socket with its protocol info through WSPReceiveDuplicate. Always
   * present as a key (undefined when absent), so that every message has one shape.
   */
  appMessage: Uint8Array | undefined;
}

/** `ExportReply`: target to source. */
export interface ExportReplyMessage {
  exportId: number;
  status: ExportStatus;
  expiresAtMs: number;
  message: string;
  /**
   * Export credits (docs/provider.md "Export credits"): ids the target reserved for this channel.
   * The source may send an `Export` with one of them and return without waiting for its reply.
   */
  grantedExportIds?: number[];
  /** The target's `importTimeoutMs`, sent with grants: the source's estimate of a pipelined export's expiry. */
  importTimeoutMs?: number;
}

const { VARINT, FIXED64, LEN } = WireType;

function writeFixed64(w: protobuf.Writer, field: number, value: bigint): void {
  w.uint32(wireTag(field, FIXED64))
    .fixed32(Number(value & 0xffffffffn))
    .fixed32(Number((value >> 32n) & 0xffffffffn));
}

function encodeEssentials(w: protobuf.Writer, s: SocketEssentials): void {
  w.fork();
  if (s.addressFamily !== 0) w.uint32(wireTag(1, VARINT)).int32(s.addressFamily);
  if (s.socketType !== 0) w.uint32(wireTag(2, VARINT)).int32(s.socketType);
  if (s.protocol !== 0) w.uint32(wireTag(3, VARINT)).int32(s.protocol);
  if (s.catalogEntryId !== 0) w.uint32(wireTag(4, VARINT)).uint32(s.catalogEntryId);
  w.ldelim();
}

function encodeOptions(w: protobuf.Writer, o: EmulatedOptions): void {
  w.fork();
  if (o.rcvtimeoMs !== 0) w.uint32(wireTag(1, VARINT)).uint32(o.rcvtimeoMs);
  if (o.sndtimeoMs !== 0) w.uint32(wireTag(2, VARINT)).uint32(o.sndtimeoMs);
  w.ldelim();
}

/** Encodes an `Export` message (field order = field numbers, as protobufjs does). */
export function encodeExport(m: ExportMessage): Uint8Array {
  const w = protobuf.Writer.create();
  if (m.version !== 0) w.uint32(wireTag(1, VARINT)).uint32(m.version);
  if (m.exportId !== 0) w.uint32(wireTag(2, VARINT)).uint32(m.exportId);
  if (m.nonce.length > 0) w.uint32(wireTag(3, LEN)).bytes(m.nonce);
  if (m.socketCookie !== 0n) writeFixed64(w, 4, m.socketCookie);
  if (m.targetPid !== 0) w.uint32(wireTag(5, VARINT)).uint32(m.targetPid);
  w.uint32(wireTag(6, LEN));
  encodeEssentials(w, m.socket);
  w.uint32(wireTag(7, LEN));
  encodeOptions(w, m.options);
  if (m.readAhead.length > 0) w.uint32(wireTag(8, LEN)).bytes(m.readAhead);
  // proto3 `optional`: written when present, even empty (presence is what asks for delivery).
  if (m.appMessage !== undefined) w.uint32(wireTag(9, LEN)).bytes(m.appMessage);
  return w.finish();
}

/** Encodes an `ExportReply` message. */
export function encodeExportReply(m: ExportReplyMessage): Uint8Array {
  const w = protobuf.Writer.create();
  if (m.exportId !== 0) w.uint32(wireTag(1, VARINT)).uint32(m.exportId);
  if (m.status !== 0) w.uint32(wireTag(2, VARINT)).int32(m.status);
  if (m.expiresAtMs !== 0) writeFixed64(w, 3, BigInt(m.expiresAtMs));
  if (m.message.length > 0) w.uint32(wireTag(4, LEN)).string(m.message);
  const granted = m.grantedExportIds ?? [];
  if (granted.length > 0) {
    // Packed, as proto3 encodes repeated scalars.
    w.uint32(wireTag(5, LEN)).fork();
    for (const id of granted) w.uint32(id);
    w.ldelim();
  }
  if (m.importTimeoutMs !== undefined && m.importTimeoutMs !== 0) w.uint32(wireTag(6, VARINT)).uint32(m.importTimeoutMs);
  return w.finish();
}

/** One reader per message kind: a decode is synchronous and not re-entrant, and this saves an allocation per hand-off. */
const exportReader = new WireReader('decodeExport');
const replyReader = new WireReader('decodeExportReply');

const SOCKET_PATH = 'Export.socket (socket = 6)';
const OPTIONS_PATH = 'Export.options (options = 7)';

/** `SocketEssentials` up to `end`, into `into` (a message field sent twice is refused by its caller). */
function readEssentials(r: WireReader, end: number, into: SocketEssentials): void {
  let seen = 0;
  while (r.pos < end) {
    const number = r.tag(end, SOCKET_PATH);
    switch (number) {
      case 1:
        seen = r.field('addressFamily (address_family = 1)', VARINT, seen, number);
        into.addressFamily = r.int32(end);
        break;
      case 2:
        seen = r.field('socketType (socket_type = 2)', VARINT, seen, number);
        into.socketType = r.int32(end);
        break;
      case 3:
        seen = r.field('protocol (protocol = 3)', VARINT, seen, number);
        into.protocol = r.int32(end);
        break;
      case 4:
        seen = r.field('catalogEntryId (catalog_entry_id = 4)', VARINT, seen, number);
        into.catalogEntryId = r.uint32(end);
        break;
      default:
        r.skip(number, end);
    }
  }
}

/** `EmulatedOptions` up to `end`, into `into`. */
function readOptions(r: WireReader, end: number, into: EmulatedOptions): void {
  let seen = 0;
  while (r.pos < end) {
    const number = r.tag(end, OPTIONS_PATH);
    if (number === 1) {
      seen = r.field('rcvtimeoMs (rcvtimeo_ms = 1)', VARINT, seen, number);
      into.rcvtimeoMs = r.uint32(end);
    } else if (number === 2) {
      seen = r.field('sndtimeoMs (sndtimeo_ms = 2)', VARINT, seen, number);
      into.sndtimeoMs = r.uint32(end);
    } else {
      r.skip(number, end);
    }
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Decodes an `Export` message; throws `WsaError` `WSAEINVAL` when it is malformed (the rules above),
 * or when `read_ahead` or `app_message` is over its documented limit (1 MiB, 64 KiB). The bytes
 * fields are copies: nothing returned shares memory with `data`.
 */
export function decodeExport(data: Uint8Array): ExportMessage {
  const r = exportReader.reset(data);
  const end = data.length;
  // Every property in one literal, in one order: one hidden class for every decoded message.
  const m: ExportMessage = {
    version: 0,
    exportId: 0,
    nonce: EMPTY,
    socketCookie: 0n,
    targetPid: 0,
    socket: { addressFamily: 0, socketType: 0, protocol: 0, catalogEntryId: 0 },
    options: { rcvtimeoMs: 0, sndtimeoMs: 0 },
    readAhead: EMPTY,
    appMessage: undefined,
  };
  let seen = 0;
  try {
    while (r.pos < end) {
      const number = r.tag(end, 'Export');
      switch (number) {
        case 1:
          seen = r.field('version (version = 1)', VARINT, seen, number);
          m.version = r.uint32(end);
          break;
        case 2:
          seen = r.field('exportId (export_id = 2)', VARINT, seen, number);
          m.exportId = r.uint32(end);
          break;
        case 3:
          seen = r.field('nonce (nonce = 3)', LEN, seen, number);
          m.nonce = r.bytes(end);
          break;
        case 4:
          seen = r.field('socketCookie (socket_cookie = 4)', FIXED64, seen, number);
          m.socketCookie = r.fixed64(end);
          break;
        case 5:
          seen = r.field('targetPid (target_pid = 5)', VARINT, seen, number);
          m.targetPid = r.uint32(end);
          break;
        case 6:
          // proto3 would merge a message field sent twice; like the protocol info, sanshare refuses it.
          seen = r.field('socket (socket = 6)', LEN, seen, number);
          readEssentials(r, r.message(end), m.socket);
          break;
        case 7:
          seen = r.field('options (options = 7)', LEN, seen, number);
          readOptions(r, r.message(end), m.options);
          break;
        case 8:
          seen = r.field('readAhead (read_ahead = 8)', LEN, seen, number);
          m.readAhead = r.bytes(end, MAX_READ_AHEAD_BYTES);
          break;
        case 9:
          seen = r.field('appMessage (app_message = 9)', LEN, seen, number);
          m.appMessage = r.bytes(end, MAX_APP_MESSAGE_BYTES);
          break;
        default:
          r.skip(number, end);
      }
    }
  } finally {
    // Drop the reference so that this module does not keep the frame's buffer alive.
    r.release();
  }
  return m;
}

const STATUSES: ReadonlySet<number> = new Set(Object.values(ExportStatus));

/** Decodes an `ExportReply` message; throws `WsaError` `WSAEINVAL` when it is malformed (the rules above). */
export function decodeExportReply(data: Uint8Array): ExportReplyMessage {
  const r = replyReader.reset(data);
  const end = data.length;
  const m: ExportReplyMessage = { exportId: 0, status: ExportStatus.UNSPECIFIED, expiresAtMs: 0, message: '' };
  let seen = 0;
  try {
    while (r.pos < end) {
      const number = r.tag(end, 'ExportReply');
      switch (number) {
        case 1:
          seen = r.field('exportId (export_id = 1)', VARINT, seen, number);
          m.exportId = r.uint32(end);
          break;
        case 2: {
          seen = r.field('status (status = 2)', VARINT, seen, number);
          const status = r.int32(end);
          // An unknown status from a newer provider reads as UNSPECIFIED: not OK, so the caller fails safe.
          m.status = STATUSES.has(status) ? (status as ExportStatus) : ExportStatus.UNSPECIFIED;
          break;
        }
        case 3:
          seen = r.field('expiresAtMs (expires_at_ms = 3)', FIXED64, seen, number);
          // Milliseconds since the epoch: a number, exact only below 2^53, so nothing above is accepted.
          m.expiresAtMs = r.fixed53(end);
          break;
        case 4:
          seen = r.field('message (message = 4)', LEN, seen, number);
          m.message = r.string(end);
          break;
        case 5:
          // Repeated scalars may come packed or one varint per element, even mixed (proto3 parsers accept both).
          r.repeated('grantedExportIds (granted_export_ids = 5)', VARINT, LEN);
          r.uint32s(end, (m.grantedExportIds ??= []));
          break;
        case 6:
          seen = r.field('importTimeoutMs (import_timeout_ms = 6)', VARINT, seen, number);
          m.importTimeoutMs = r.uint32(end);
          break;
        default:
          r.skip(number, end);
      }
    }
  } finally {
    r.release();
  }
  return m;
}
