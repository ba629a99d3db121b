/**
 * The messages of proto/sanshare/v1/export.proto (version 2): the envelopes `SourceFrame` (source to
 * target: an `Export`, with the socket's descriptor) and `TargetFrame` (target to source: an
 * `ExportReply` or an `ExportNotice`). Every transport message of a channel is one envelope.
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
import { WsaError } from '@sanshare/protocol-info';
import { MAX_APP_MESSAGE_BYTES, MAX_BATCH_EXPORTS, MAX_EXPORT_CREDITS, MAX_NOTICE_IDS, MAX_READ_AHEAD_BYTES, NONCE_BYTES } from './constants.js';

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
  /**
   * A listening socket (field 5, proto3 `bool`: absent means false). Optional here so that every
   * connected socket's essentials keep their shape; the decoder sets it only when the field is there.
   */
  listening?: boolean;
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

/** `ExportNotice`: target to source, how exports of the channel ended. */
export interface ExportNoticeMessage {
  /** Imported by WSPSocket in the target (the notice was written before that WSPSocket returned). */
  claimedExportIds: number[];
  /** Never importable any more (expired, or refused after a credit): the source takes the socket back. */
  lapsedExportIds: number[];
}

/**
 * A decoded `TargetFrame`: exactly one of `reply`, `notice` and `batchReply` is set, or neither when the frame's
 * body is a member this version does not know (a newer target's message type: skipped, as proto3
 * skips an unknown field).
 */
export interface TargetFrameMessage {
  reply: ExportReplyMessage | undefined;
  notice: ExportNoticeMessage | undefined;
  /** The replies of an `ExportBatchReply`: one per export of the batch it answers, in its order. */
  batchReply: ExportReplyMessage[] | undefined;
}

const { VARINT, FIXED64, LEN } = WireType;

function writeFixed64(w: protobuf.Writer, field: number, value: bigint): void {
  w.uint32(wireTag(field, FIXED64))
    .fixed32(Number(value & 0xffffffffn))
    .fixed32(Number((value >> 32n) & 0xffffffffn));
}

/**
 * `writeFixed64` of a non-negative safe integer (a time in ms) without BigInt: `>>> 0` is the value
 * modulo 2^32 for every integer up to 2^53. A batch reply writes one per export.
 */
function writeFixed64Number(w: protobuf.Writer, field: number, value: number): void {
  w.uint32(wireTag(field, FIXED64))
    .fixed32(value >>> 0)
    .fixed32(Math.floor(value / 0x1_0000_0000) >>> 0);
}

function encodeEssentials(w: protobuf.Writer, s: SocketEssentials): void {
  w.fork();
  if (s.addressFamily !== 0) w.uint32(wireTag(1, VARINT)).int32(s.addressFamily);
  if (s.socketType !== 0) w.uint32(wireTag(2, VARINT)).int32(s.socketType);
  if (s.protocol !== 0) w.uint32(wireTag(3, VARINT)).int32(s.protocol);
  if (s.catalogEntryId !== 0) w.uint32(wireTag(4, VARINT)).uint32(s.catalogEntryId);
  if (s.listening === true) w.uint32(wireTag(5, VARINT)).bool(true);
  w.ldelim();
}

function encodeOptions(w: protobuf.Writer, o: EmulatedOptions): void {
  w.fork();
  if (o.rcvtimeoMs !== 0) w.uint32(wireTag(1, VARINT)).uint32(o.rcvtimeoMs);
  if (o.sndtimeoMs !== 0) w.uint32(wireTag(2, VARINT)).uint32(o.sndtimeoMs);
  w.ldelim();
}

/** Encodes a bare `Export` message (field order = field numbers, as protobufjs does). */
export function encodeExport(m: ExportMessage): Uint8Array {
  const w = protobuf.Writer.create();
  writeExport(w, m);
  return w.finish();
}

/** Encodes the `SourceFrame` that carries `m`: what a source sends. */
export function encodeSourceFrame(m: ExportMessage): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32(wireTag(1, LEN)).fork();
  writeExport(w, m);
  w.ldelim();
  return w.finish();
}

function writeExport(w: protobuf.Writer, m: ExportMessage): void {
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
}

/**
 * Encodes a bare `ExportReply` message: what a version-1 source reads (a target answers a version-1
 * export with one, so that the old source learns why it was refused); version 2 wraps it in a
 * `TargetFrame` (`encodeTargetReply`).
 */
export function encodeExportReply(m: ExportReplyMessage): Uint8Array {
  const w = protobuf.Writer.create();
  writeExportReply(w, m);
  return w.finish();
}

/** Encodes the `TargetFrame` that carries the reply `m`. */
export function encodeTargetReply(m: ExportReplyMessage): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32(wireTag(1, LEN)).fork();
  writeExportReply(w, m);
  w.ldelim();
  return w.finish();
}

/** Encodes the `TargetFrame` that carries an `ExportBatchReply`: `replies`, one per export of the batch, in its order. */
export function encodeTargetBatchReply(replies: readonly ExportReplyMessage[]): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32(wireTag(3, LEN)).fork();
  for (const reply of replies) {
    w.uint32(wireTag(1, LEN)).fork();
    writeExportReply(w, reply);
    w.ldelim();
  }
  w.ldelim();
  return w.finish();
}

/** Encodes the `TargetFrame` that carries the notice `m` (ids packed, as proto3 encodes repeated scalars). */
export function encodeTargetNotice(m: ExportNoticeMessage): Uint8Array {
  // The common notice, one claim, written straight into 8 bytes at most (a notice per import).
  if (m.claimedExportIds.length === 1 && m.lapsedExportIds.length === 0) return oneClaim(m.claimedExportIds[0] as number);
  const w = protobuf.Writer.create();
  w.uint32(wireTag(2, LEN)).fork();
  writePacked(w, 1, m.claimedExportIds);
  writePacked(w, 2, m.lapsedExportIds);
  w.ldelim();
  return w.finish();
}

/** `TargetFrame { notice { claimed_export_ids: [id] } }`: the bytes protobufjs writes, without a Writer. */
function oneClaim(id: number): Uint8Array {
  const length = id < 0x80 ? 1 : id < 0x4000 ? 2 : id < 0x20_0000 ? 3 : id < 0x1000_0000 ? 4 : 5;
  const out = new Uint8Array(4 + length);
  out[0] = wireTag(2, LEN);
  out[1] = length + 2;
  out[2] = wireTag(1, LEN);
  out[3] = length;
  let v = id >>> 0;
  let at = 4;
  while (v >= 0x80) {
    out[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[at] = v;
  return out;
}

function writePacked(w: protobuf.Writer, field: number, ids: readonly number[]): void {
  if (ids.length === 0) return;
  w.uint32(wireTag(field, LEN)).fork();
  for (const id of ids) w.uint32(id);
  w.ldelim();
}

function writeExportReply(w: protobuf.Writer, m: ExportReplyMessage): void {
  if (m.exportId !== 0) w.uint32(wireTag(1, VARINT)).uint32(m.exportId);
  if (m.status !== 0) w.uint32(wireTag(2, VARINT)).int32(m.status);
  if (m.expiresAtMs !== 0) writeFixed64Number(w, 3, m.expiresAtMs);
  if (m.message.length > 0) w.uint32(wireTag(4, LEN)).string(m.message);
  // Packed, as proto3 encodes repeated scalars.
  if (m.grantedExportIds !== undefined) writePacked(w, 5, m.grantedExportIds);
  if (m.importTimeoutMs !== undefined && m.importTimeoutMs !== 0) w.uint32(wireTag(6, VARINT)).uint32(m.importTimeoutMs);
}

/** One reader per direction: a decode is synchronous and not re-entrant, and this saves an allocation per hand-off. */
const sourceReader = new WireReader('decodeSourceFrame');
const targetReader = new WireReader('decodeTargetFrame');
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
      case 5:
        seen = r.field('listening (listening = 5)', VARINT, seen, number);
        into.listening = r.bool(end);
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

/** A fresh `Export` with every field at its zero value: one literal, one order, one hidden class for every decoded message. */
function emptyExport(): ExportMessage {
  return {
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
}

/** The fields of an `Export` from `r.pos` up to `end`, into `m`; `path` names the message in errors. */
function readExport(r: WireReader, end: number, m: ExportMessage, path: string): void {
  const start = r.pos;
  let seen = 0;
  while (r.pos < end) {
    const number = r.tag(end, path);
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
        m.nonce = r.bytes(end, NONCE_BYTES);
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
  // The nonce authenticates the import (all 16 bytes in the protobuf form, 8 in the native one):
  // shorter, and an importer would be checked against fewer random bits than the protocol promises.
  if (m.nonce.length !== NONCE_BYTES) {
    throw new WsaError('WSAEINVAL', `${r === exportReader ? 'decodeExport' : 'decodeSourceFrame'}: ${path}.nonce (nonce = 3) at byte ${start}: ${m.nonce.length} bytes, expected exactly ${NONCE_BYTES}`);
  }
}

/**
 * Decodes a bare `Export` message; throws `WsaError` `WSAEINVAL` when it is malformed (the rules
 * above), when `read_ahead` or `app_message` is over its documented limit (1 MiB, 64 KiB), or when
 * `nonce` is not exactly 16 bytes. The bytes fields are copies: nothing returned shares memory with
 * `data`.
 */
export function decodeExport(data: Uint8Array): ExportMessage {
  const r = exportReader.reset(data);
  const m = emptyExport();
  try {
    readExport(r, data.length, m, 'Export');
  } finally {
    // Drop the reference so that this module does not keep the frame's buffer alive.
    r.release();
  }
  return m;
}

/**
 * A decoded `SourceFrame`: its `export`, or its `batch` (the exports of an `ExportBatch`, in order:
 * descriptor i of the message is the socket of `batch[i]`), or neither when the frame holds no member
 * this version knows.
 */
export interface SourceFrameBody {
  export: ExportMessage | undefined;
  batch: ExportMessage[] | undefined;
}

/** The exports of an `ExportBatch` up to `end`: each read as a lone `Export` is, and at most `MAX_BATCH_EXPORTS`. */
function readExportBatch(r: WireReader, end: number): ExportMessage[] {
  const exports: ExportMessage[] = [];
  while (r.pos < end) {
    const number = r.tag(end, 'SourceFrame.export_batch');
    if (number === 1) {
      r.repeated('exports (exports = 1)', LEN);
      if (exports.length === MAX_BATCH_EXPORTS) r.fail(`more than ${MAX_BATCH_EXPORTS} exports in one batch (one descriptor each, and SCM_MAX_FD is ${MAX_BATCH_EXPORTS})`);
      const m = emptyExport();
      readExport(r, r.message(end), m, `SourceFrame.export_batch.exports[${exports.length}]`);
      exports.push(m);
    } else {
      r.skip(number, end);
    }
  }
  return exports;
}

/**
 * Decodes a `SourceFrame`: its `Export` or its `ExportBatch` (each export checked as `decodeExport`
 * does, at most 253 of them), neither when the frame holds no member this version knows. Two members,
 * or one twice, is malformed. A version-1 frame (a bare `Export`, whose first field is the varint
 * `version`) is refused with a reason that says so.
 */
export function decodeSourceFrameBody(data: Uint8Array): SourceFrameBody {
  const r = sourceReader.reset(data);
  const end = data.length;
  const body: SourceFrameBody = { export: undefined, batch: undefined };
  try {
    while (r.pos < end) {
      const number = r.tag(end, 'SourceFrame');
      if (number === 1 || number === 2) {
        if (number === 1 && r.wireType === VARINT) {
          r.fail('this is a version 1 frame (a bare Export, without the SourceFrame envelope): this target speaks version 2; run the same @sanshare/provider version in both processes');
        }
        r.field(number === 1 ? 'export (export = 1)' : 'exportBatch (export_batch = 2)', LEN, 0, number);
        if (body.export !== undefined || body.batch !== undefined) r.fail('oneof body: more than one member, or the member more than once');
        const stop = r.message(end);
        if (number === 1) {
          const m = emptyExport();
          readExport(r, stop, m, 'SourceFrame.export');
          body.export = m;
        } else {
          body.batch = readExportBatch(r, stop);
        }
      } else {
        r.skip(number, end);
      }
    }
  } finally {
    r.release();
  }
  return body;
}

/**
 * Decodes a `SourceFrame` that carries one `Export` (as `decodeSourceFrameBody`): the export, or
 * undefined when the frame holds another member (a batch) or none this version knows.
 */
export function decodeSourceFrame(data: Uint8Array): ExportMessage | undefined {
  return decodeSourceFrameBody(data).export;
}

/**
 * The `SourceFrame` carrying an `ExportBatch` of `exports`, each already encoded by `encodeExport`
 * (a source measures them to split a batch into messages: `batchFrameBytes`).
 */
export function encodeSourceBatch(exports: readonly Uint8Array[]): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32(wireTag(2, LEN)).fork();
  for (const bytes of exports) w.uint32(wireTag(1, LEN)).bytes(bytes);
  w.ldelim();
  return w.finish();
}

function varintBytes(value: number): number {
  let bytes = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 128)) bytes++;
  return bytes;
}

/** What one encoded `Export` of `exportBytes` bytes adds to an `ExportBatch` (its tag, length and bytes). */
export function batchEntryBytes(exportBytes: number): number {
  return 1 + varintBytes(exportBytes) + exportBytes;
}

/** The size of the `SourceFrame` `encodeSourceBatch` builds from entries totalling `entriesBytes` (`batchEntryBytes` each). */
export function batchFrameBytes(entriesBytes: number): number {
  return 1 + varintBytes(entriesBytes) + entriesBytes;
}

/** True when `data` starts like a version-1 `Export` (field 1, a varint): its source reads bare `ExportReply`s. */
export function isVersion1Export(data: Uint8Array): boolean {
  return data[0] === wireTag(1, VARINT);
}

const STATUSES: ReadonlySet<number> = new Set(Object.values(ExportStatus));

function readExportReply(r: WireReader, end: number, m: ExportReplyMessage, path: string): void {
  let seen = 0;
  while (r.pos < end) {
    const number = r.tag(end, path);
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
        r.uint32s(end, (m.grantedExportIds ??= []), MAX_EXPORT_CREDITS, 'granted export ids (the most a window holds)');
        break;
      case 6:
        seen = r.field('importTimeoutMs (import_timeout_ms = 6)', VARINT, seen, number);
        m.importTimeoutMs = r.uint32(end);
        break;
      default:
        r.skip(number, end);
    }
  }
}

function readExportNotice(r: WireReader, end: number, m: ExportNoticeMessage): void {
  while (r.pos < end) {
    const number = r.tag(end, 'TargetFrame.notice');
    if (number === 1) {
      r.repeated('claimedExportIds (claimed_export_ids = 1)', VARINT, LEN);
      r.uint32s(end, m.claimedExportIds, MAX_NOTICE_IDS, 'claimed export ids');
    } else if (number === 2) {
      r.repeated('lapsedExportIds (lapsed_export_ids = 2)', VARINT, LEN);
      r.uint32s(end, m.lapsedExportIds, MAX_NOTICE_IDS, 'lapsed export ids');
    } else {
      r.skip(number, end);
    }
  }
}

/** Decodes a bare `ExportReply` message (a version-1 target's); throws `WsaError` `WSAEINVAL` when it is malformed (the rules above). */
export function decodeExportReply(data: Uint8Array): ExportReplyMessage {
  const r = replyReader.reset(data);
  const m: ExportReplyMessage = { exportId: 0, status: ExportStatus.UNSPECIFIED, expiresAtMs: 0, message: '' };
  try {
    readExportReply(r, data.length, m, 'ExportReply');
  } finally {
    r.release();
  }
  return m;
}

/** The replies of an `ExportBatchReply` up to `end`, at most `MAX_BATCH_EXPORTS`. */
function readBatchReply(r: WireReader, end: number): ExportReplyMessage[] {
  const replies: ExportReplyMessage[] = [];
  while (r.pos < end) {
    const number = r.tag(end, 'TargetFrame.batch_reply');
    if (number === 1) {
      r.repeated('replies (replies = 1)', LEN);
      if (replies.length === MAX_BATCH_EXPORTS) r.fail(`more than ${MAX_BATCH_EXPORTS} replies (a batch holds at most ${MAX_BATCH_EXPORTS} exports)`);
      const reply: ExportReplyMessage = { exportId: 0, status: ExportStatus.UNSPECIFIED, expiresAtMs: 0, message: '' };
      readExportReply(r, r.message(end), reply, `TargetFrame.batch_reply.replies[${replies.length}]`);
      replies.push(reply);
    } else {
      r.skip(number, end);
    }
  }
  return replies;
}

/**
 * Decodes a `TargetFrame`: its reply, its notice or its batch reply (none for a member this version
 * does not know); `WSAEINVAL` when it is malformed, when two members (or one twice) are there, or
 * when it is a version-1 frame (a bare `ExportReply`, whose first field is a varint), with a reason
 * that says so.
 */
export function decodeTargetFrame(data: Uint8Array): TargetFrameMessage {
  const r = targetReader.reset(data);
  const end = data.length;
  const frame: TargetFrameMessage = { reply: undefined, notice: undefined, batchReply: undefined };
  try {
    while (r.pos < end) {
      const number = r.tag(end, 'TargetFrame');
      if (number === 1 || number === 2 || number === 3) {
        if (number !== 3 && r.wireType === VARINT) {
          r.fail('this is a version 1 frame (a bare ExportReply, without the TargetFrame envelope): the target runs an older @sanshare/provider; run the same version in both processes');
        }
        r.field(number === 1 ? 'reply (reply = 1)' : number === 2 ? 'notice (notice = 2)' : 'batchReply (batch_reply = 3)', LEN, 0, number);
        if (frame.reply !== undefined || frame.notice !== undefined || frame.batchReply !== undefined) r.fail('oneof body: more than one member (or one twice)');
        const stop = r.message(end);
        if (number === 1) {
          const reply: ExportReplyMessage = { exportId: 0, status: ExportStatus.UNSPECIFIED, expiresAtMs: 0, message: '' };
          readExportReply(r, stop, reply, 'TargetFrame.reply');
          frame.reply = reply;
        } else if (number === 2) {
          const notice: ExportNoticeMessage = { claimedExportIds: [], lapsedExportIds: [] };
          readExportNotice(r, stop, notice);
          frame.notice = notice;
        } else {
          frame.batchReply = readBatchReply(r, stop);
        }
      } else {
        r.skip(number, end);
      }
    }
  } finally {
    r.release();
  }
  return frame;
}
