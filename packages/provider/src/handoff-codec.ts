/**
 * The hand-off messages of proto/sanshare/v1/handoff.proto, encoded with protobufjs's `Writer` and
 * `Reader` by hand. Why not generated code: the messages are two, flat and small; a hand codec keeps
 * 64-bit fields exact without `Long`, rejects malformed input with one clear error, and costs no
 * reflection at run time (a hand-off is on the hot path). `handoff-codec.test.ts` parses the `.proto`
 * with protobufjs and checks that both encodings agree, so the file stays the source of truth.
 */
import protobuf from 'protobufjs/minimal.js';
import { WsaError } from '@sanshare/protocol-info';

/** `Status` of an `ExportReply`. */
export const HandoffStatus = {
  UNSPECIFIED: 0,
  OK: 1,
  NO_BUFFERS: 2,
  NO_DESCRIPTORS: 3,
  INVALID: 4,
  ID_IN_USE: 5,
} as const;
export type HandoffStatus = (typeof HandoffStatus)[keyof typeof HandoffStatus];

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
  status: HandoffStatus;
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

/** Protobuf wire types used here. */
const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;

const tag = (field: number, wireType: number): number => ((field << 3) | wireType) >>> 0;

function writeFixed64(w: protobuf.Writer, field: number, value: bigint): void {
  w.uint32(tag(field, FIXED64))
    .fixed32(Number(value & 0xffffffffn))
    .fixed32(Number((value >> 32n) & 0xffffffffn));
}

function readFixed64(r: protobuf.Reader): bigint {
  const lo = BigInt(r.fixed32());
  const hi = BigInt(r.fixed32());
  return (hi << 32n) | lo;
}

function invalid(what: string, cause?: unknown): WsaError {
  return new WsaError('WSAEINVAL', `malformed hand-off message: ${what}`, cause === undefined ? undefined : { cause });
}

/** Runs `decode` over a sub-message or the whole buffer, turning protobufjs range errors into WSAEINVAL. */
function guarded<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof WsaError) throw error;
    throw invalid(what, error);
  }
}

/** Reads fields up to `end`, calling `onField` for each; unknown fields are skipped (proto3 rules). */
function readFields(r: protobuf.Reader, end: number, onField: (field: number, wireType: number) => boolean): void {
  while (r.pos < end) {
    const key = r.uint32();
    const field = key >>> 3;
    const wireType = key & 7;
    if (field === 0) throw invalid('field number 0');
    if (!onField(field, wireType)) r.skipType(wireType);
  }
  if (r.pos !== end) throw invalid('truncated field');
}

function expectType(actual: number, expected: number, name: string): void {
  if (actual !== expected) throw invalid(`field ${name} has wire type ${actual}, expected ${expected}`);
}

function encodeEssentials(w: protobuf.Writer, s: SocketEssentials): void {
  w.fork();
  if (s.addressFamily !== 0) w.uint32(tag(1, VARINT)).int32(s.addressFamily);
  if (s.socketType !== 0) w.uint32(tag(2, VARINT)).int32(s.socketType);
  if (s.protocol !== 0) w.uint32(tag(3, VARINT)).int32(s.protocol);
  if (s.catalogEntryId !== 0) w.uint32(tag(4, VARINT)).uint32(s.catalogEntryId);
  w.ldelim();
}

function encodeOptions(w: protobuf.Writer, o: EmulatedOptions): void {
  w.fork();
  if (o.rcvtimeoMs !== 0) w.uint32(tag(1, VARINT)).uint32(o.rcvtimeoMs);
  if (o.sndtimeoMs !== 0) w.uint32(tag(2, VARINT)).uint32(o.sndtimeoMs);
  w.ldelim();
}

/** Encodes an `Export` message (field order = field numbers, as protobufjs does). */
export function encodeExport(m: ExportMessage): Uint8Array {
  const w = protobuf.Writer.create();
  if (m.version !== 0) w.uint32(tag(1, VARINT)).uint32(m.version);
  if (m.exportId !== 0) w.uint32(tag(2, VARINT)).uint32(m.exportId);
  if (m.nonce.length > 0) w.uint32(tag(3, LEN)).bytes(m.nonce);
  if (m.socketCookie !== 0n) writeFixed64(w, 4, m.socketCookie);
  if (m.targetPid !== 0) w.uint32(tag(5, VARINT)).uint32(m.targetPid);
  w.uint32(tag(6, LEN));
  encodeEssentials(w, m.socket);
  w.uint32(tag(7, LEN));
  encodeOptions(w, m.options);
  if (m.readAhead.length > 0) w.uint32(tag(8, LEN)).bytes(m.readAhead);
  // proto3 `optional`: written when present, even empty (presence is what asks for delivery).
  if (m.appMessage !== undefined) w.uint32(tag(9, LEN)).bytes(m.appMessage);
  return w.finish();
}

/** Decodes an `Export` message; throws `WsaError` `WSAEINVAL` when it is malformed. */
export function decodeExport(data: Uint8Array): ExportMessage {
  return guarded('Export', () => {
    const r = protobuf.Reader.create(data);
    const m: ExportMessage = {
      version: 0,
      exportId: 0,
      nonce: new Uint8Array(0),
      socketCookie: 0n,
      targetPid: 0,
      socket: { addressFamily: 0, socketType: 0, protocol: 0, catalogEntryId: 0 },
      options: { rcvtimeoMs: 0, sndtimeoMs: 0 },
      readAhead: new Uint8Array(0),
      appMessage: undefined,
    };
    readFields(r, r.len, (field, wt) => {
      switch (field) {
        case 1: expectType(wt, VARINT, 'version'); m.version = r.uint32(); return true;
        case 2: expectType(wt, VARINT, 'export_id'); m.exportId = r.uint32(); return true;
        case 3: expectType(wt, LEN, 'nonce'); m.nonce = r.bytes(); return true;
        case 4: expectType(wt, FIXED64, 'socket_cookie'); m.socketCookie = readFixed64(r); return true;
        case 5: expectType(wt, VARINT, 'target_pid'); m.targetPid = r.uint32(); return true;
        case 6: {
          expectType(wt, LEN, 'socket');
          const end = r.uint32() + r.pos;
          readFields(r, end, (f, t) => {
            if (f < 1 || f > 4) return false;
            expectType(t, VARINT, `socket.${f}`);
            if (f === 1) m.socket.addressFamily = r.int32();
            else if (f === 2) m.socket.socketType = r.int32();
            else if (f === 3) m.socket.protocol = r.int32();
            else m.socket.catalogEntryId = r.uint32();
            return true;
          });
          return true;
        }
        case 7: {
          expectType(wt, LEN, 'options');
          const end = r.uint32() + r.pos;
          readFields(r, end, (f, t) => {
            if (f !== 1 && f !== 2) return false;
            expectType(t, VARINT, `options.${f}`);
            if (f === 1) m.options.rcvtimeoMs = r.uint32();
            else m.options.sndtimeoMs = r.uint32();
            return true;
          });
          return true;
        }
        case 8: expectType(wt, LEN, 'read_ahead'); m.readAhead = r.bytes(); return true;
        case 9: expectType(wt, LEN, 'app_message'); m.appMessage = r.bytes(); return true;
        default: return false;
      }
    });
    return m;
  });
}

/** Encodes an `ExportReply` message. */
export function encodeExportReply(m: ExportReplyMessage): Uint8Array {
  const w = protobuf.Writer.create();
  if (m.exportId !== 0) w.uint32(tag(1, VARINT)).uint32(m.exportId);
  if (m.status !== 0) w.uint32(tag(2, VARINT)).int32(m.status);
  if (m.expiresAtMs !== 0) writeFixed64(w, 3, BigInt(m.expiresAtMs));
  if (m.message.length > 0) w.uint32(tag(4, LEN)).string(m.message);
  const granted = m.grantedExportIds ?? [];
  if (granted.length > 0) {
    // Packed, as proto3 encodes repeated scalars.
    w.uint32(tag(5, LEN)).fork();
    for (const id of granted) w.uint32(id);
    w.ldelim();
  }
  if (m.importTimeoutMs !== undefined && m.importTimeoutMs !== 0) w.uint32(tag(6, VARINT)).uint32(m.importTimeoutMs);
  return w.finish();
}

const STATUSES: ReadonlySet<number> = new Set(Object.values(HandoffStatus));

/** Decodes an `ExportReply` message; throws `WsaError` `WSAEINVAL` when it is malformed. */
export function decodeExportReply(data: Uint8Array): ExportReplyMessage {
  return guarded('ExportReply', () => {
    const r = protobuf.Reader.create(data);
    const m: ExportReplyMessage = { exportId: 0, status: HandoffStatus.UNSPECIFIED, expiresAtMs: 0, message: '' };
    readFields(r, r.len, (field, wt) => {
      switch (field) {
        case 1: expectType(wt, VARINT, 'export_id'); m.exportId = r.uint32(); return true;
        case 2: {
          expectType(wt, VARINT, 'status');
          const status = r.int32();
          // An unknown status from a newer provider reads as UNSPECIFIED: not OK, so the caller fails safe.
          m.status = STATUSES.has(status) ? (status as HandoffStatus) : HandoffStatus.UNSPECIFIED;
          return true;
        }
        case 3: expectType(wt, FIXED64, 'expires_at_ms'); m.expiresAtMs = Number(readFixed64(r)); return true;
        case 4: expectType(wt, LEN, 'message'); m.message = r.string(); return true;
        case 5: {
          // Parsers must accept repeated scalars packed and unpacked.
          const granted = (m.grantedExportIds ??= []);
          if (wt === VARINT) {
            granted.push(r.uint32());
            return true;
          }
          expectType(wt, LEN, 'granted_export_ids');
          const end = r.uint32() + r.pos;
          while (r.pos < end) granted.push(r.uint32());
          if (r.pos !== end) throw invalid('truncated granted_export_ids');
          return true;
        }
        case 6: expectType(wt, VARINT, 'import_timeout_ms'); m.importTimeoutMs = r.uint32(); return true;
        default: return false;
      }
    });
    return m;
  });
}
