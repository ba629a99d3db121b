import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { isWsaError } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { MAX_APP_MESSAGE_BYTES, MAX_READ_AHEAD_BYTES } from './constants.js';
import {
  decodeExport,
  decodeExportReply,
  decodeSourceFrame,
  decodeTargetFrame,
  encodeExport,
  encodeExportReply,
  encodeSourceFrame,
  encodeTargetNotice,
  encodeTargetReply,
  ExportStatus,
  type ExportMessage,
} from './export-codec.js';

const root = protobuf.loadSync(fileURLToPath(new URL('../proto/sanshare/v1/export.proto', import.meta.url)));
const ExportType = root.lookupType('sanshare.v1.Export');
const ReplyType = root.lookupType('sanshare.v1.ExportReply');
const SourceFrameType = root.lookupType('sanshare.v1.SourceFrame');
const TargetFrameType = root.lookupType('sanshare.v1.TargetFrame');

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const i32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const exportArb: fc.Arbitrary<ExportMessage> = fc.record({
  version: u32,
  exportId: u32,
  nonce: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  socketCookie: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  targetPid: u32,
  socket: fc.record({ addressFamily: i32, socketType: i32, protocol: i32, catalogEntryId: u32, listening: fc.constant(true as const) }, { requiredKeys: ['addressFamily', 'socketType', 'protocol', 'catalogEntryId'] }),
  options: fc.record({ rcvtimeoMs: u32, sndtimeoMs: u32 }),
  readAhead: fc.uint8Array({ maxLength: 512 }),
  appMessage: fc.option(fc.uint8Array({ maxLength: 256 }), { nil: undefined }),
});

describe('export-codec', () => {
  it('should round-trip every Export message', () => {
    fc.assert(
      fc.property(exportArb, (m) => {
        const back = decodeExport(encodeExport(m));
        const plain = (x: ExportMessage): ExportMessage => ({
          ...x,
          nonce: new Uint8Array(x.nonce),
          readAhead: new Uint8Array(x.readAhead),
          ...(x.appMessage === undefined ? {} : { appMessage: new Uint8Array(x.appMessage) }),
        });
        expect(plain(back)).toEqual(plain(m));
        // Presence is the signal: an empty message is still a message, and no message stays absent.
        expect(back.appMessage === undefined).toBe(m.appMessage === undefined);
      }),
    );
  });

  it('should encode Export byte for byte as protobufjs does from the .proto', () => {
    fc.assert(
      fc.property(exportArb, (m) => {
        const viaProto = ExportType.encode(
          ExportType.fromObject({
            version: m.version,
            exportId: m.exportId,
            nonce: m.nonce,
            socketCookie: m.socketCookie.toString(),
            targetPid: m.targetPid,
            socket: m.socket,
            options: m.options,
            readAhead: m.readAhead,
            ...(m.appMessage === undefined ? {} : { appMessage: m.appMessage }),
          }),
        ).finish();
        expect(Buffer.from(encodeExport(m)).equals(Buffer.from(viaProto))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('should decode what protobufjs encodes for ExportReply, including a 64-bit expiry', () => {
    const expiresAtMs = Date.now() + 30_000;
    const bytes = ReplyType.encode(
      ReplyType.fromObject({ exportId: 7, status: 'STATUS_NO_BUFFERS', expiresAtMs: String(expiresAtMs), message: 'full' }),
    ).finish();
    expect(decodeExportReply(bytes)).toEqual({ exportId: 7, status: ExportStatus.NO_BUFFERS, expiresAtMs, message: 'full' });
    const mine = encodeExportReply({ exportId: 7, status: ExportStatus.NO_BUFFERS, expiresAtMs, message: 'full' });
    expect(Buffer.from(mine).equals(Buffer.from(bytes))).toBe(true);
  });

  it.each([1, 0xffff_ffff, 0x1_0000_0000, 0x1_0000_0005, Number.MAX_SAFE_INTEGER])('should write expiry %i as protobufjs writes its fixed64', (expiresAtMs) => {
    const bytes = ReplyType.encode(ReplyType.fromObject({ exportId: 7, status: 'STATUS_OK', expiresAtMs: String(expiresAtMs) })).finish();
    const mine = encodeExportReply({ exportId: 7, status: ExportStatus.OK, expiresAtMs, message: '' });
    expect(Buffer.from(mine).equals(Buffer.from(bytes))).toBe(true);
    expect(decodeExportReply(mine).expiresAtMs).toBe(expiresAtMs);
  });

  it('should agree with protobufjs on export credits (granted ids packed, import timeout)', () => {
    const reply = { exportId: 9, status: ExportStatus.OK, expiresAtMs: 42, message: '', grantedExportIds: [1, 0xffffffff, 77], importTimeoutMs: 30_000 };
    const bytes = ReplyType.encode(
      ReplyType.fromObject({ exportId: 9, status: 'STATUS_OK', expiresAtMs: '42', grantedExportIds: [1, 0xffffffff, 77], importTimeoutMs: 30_000 }),
    ).finish();
    expect(Buffer.from(encodeExportReply(reply)).equals(Buffer.from(bytes))).toBe(true);
    expect(decodeExportReply(bytes)).toEqual(reply);
  });

  it('should encode and decode the envelopes as protobufjs does from the .proto', () => {
    fc.assert(
      fc.property(exportArb, (m) => {
        const viaProto = SourceFrameType.encode(SourceFrameType.fromObject({ export: { ...m, socketCookie: m.socketCookie.toString() } })).finish();
        expect(Buffer.from(encodeSourceFrame(m)).equals(Buffer.from(viaProto))).toBe(true);
        expect(encodeSourceFrame(decodeSourceFrame(viaProto) as ExportMessage)).toEqual(encodeSourceFrame(m));
      }),
      { numRuns: 200 },
    );
    // Notices, the one-claim fast path included, at every varint length of an id.
    const ids = [1, 127, 128, 16383, 16384, 0x1f_ffff, 0x20_0000, 0x0fff_ffff, 0x1000_0000, 0xffff_ffff];
    const notices = [
      ...ids.map((id) => ({ claimedExportIds: [id], lapsedExportIds: [] })),
      { claimedExportIds: [5, 6], lapsedExportIds: [0xffff_ffff] },
      { claimedExportIds: [], lapsedExportIds: [9] },
      { claimedExportIds: [], lapsedExportIds: [] },
    ];
    for (const notice of notices) {
      const viaProto = TargetFrameType.encode(TargetFrameType.fromObject({ notice })).finish();
      expect([...encodeTargetNotice(notice)]).toEqual([...viaProto]);
      expect(decodeTargetFrame(viaProto)).toEqual({ reply: undefined, notice });
    }
    const reply = { exportId: 9, status: ExportStatus.OK, expiresAtMs: 42, message: '', grantedExportIds: [1, 0xffffffff], importTimeoutMs: 30_000 };
    const replyViaProto = TargetFrameType.encode(
      TargetFrameType.fromObject({ reply: { exportId: 9, status: 'STATUS_OK', expiresAtMs: '42', grantedExportIds: [1, 0xffffffff], importTimeoutMs: 30_000 } }),
    ).finish();
    expect([...encodeTargetReply(reply)]).toEqual([...replyViaProto]);
    expect(decodeTargetFrame(replyViaProto)).toEqual({ reply, notice: undefined });
  });

  it('should refuse both members of a oneof, a version-1 frame with a reason, and skip an unknown member', () => {
    const reply = encodeTargetReply({ exportId: 3, status: ExportStatus.OK, expiresAtMs: 5, message: '' });
    const notice = encodeTargetNotice({ claimedExportIds: [3], lapsedExportIds: [] });
    expect(problem(() => decodeTargetFrame(Uint8Array.from([...reply, ...notice])))).toMatch(/oneof body: more than one member/);
    expect(problem(() => decodeTargetFrame(encodeExportReply({ exportId: 3, status: ExportStatus.OK, expiresAtMs: 5, message: '' })))).toMatch(/version 1 frame .* older @sanshare\/provider/);
    expect(problem(() => decodeSourceFrame(encodeExport(sample)))).toMatch(/version 1 frame .* this target speaks version 2/);
    expect(decodeTargetFrame(Uint8Array.from(tagged(7, 2, [8, 1])))).toEqual({ reply: undefined, notice: undefined });
    expect(decodeSourceFrame(Uint8Array.from(tagged(7, 2, [8, 1])))).toBeUndefined();
    expect(problem(() => decodeSourceFrame(encodeSourceFrame({ ...sample, nonce: Uint8Array.of(1, 2, 3) })))).toMatch(/SourceFrame\.export\.nonce \(nonce = 3\).*3 bytes, expected exactly 16/);
  });

  it('should skip unknown fields', () => {
    const known = encodeExportReply({ exportId: 3, status: ExportStatus.OK, expiresAtMs: 5, message: '' });
    const withUnknown = new Uint8Array([...known, (15 << 3) | 0, 1, (14 << 3) | 2, 2, 0xaa, 0xbb]);
    expect(decodeExportReply(withUnknown)).toEqual({ exportId: 3, status: ExportStatus.OK, expiresAtMs: 5, message: '' });
  });

  it('should throw WSAEINVAL, never anything else, on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        for (const decode of [decodeExport, decodeExportReply]) {
          try {
            decode(bytes);
          } catch (error) {
            expect(isWsaError(error, 'WSAEINVAL')).toBe(true);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('should reject a truncated message with WSAEINVAL', () => {
    const bytes = encodeExport({
      version: 1, exportId: 9, nonce: new Uint8Array(16).fill(1), socketCookie: 123n, targetPid: 42,
      socket: { addressFamily: 2, socketType: 1, protocol: 6, catalogEntryId: 1001 },
      options: { rcvtimeoMs: 0, sndtimeoMs: 0 }, readAhead: new Uint8Array(100), appMessage: undefined,
    });
    expect(() => decodeExport(bytes.subarray(0, bytes.length - 1))).toThrow(/WSAEINVAL/);
  });

  it('should decode what protobufjs encodes for any Export, exactly', () => {
    fc.assert(
      fc.property(exportArb, (m) => {
        const viaProto = ExportType.encode(ExportType.fromObject({ ...m, socketCookie: m.socketCookie.toString() })).finish();
        expect(Buffer.from(encodeExport(decodeExport(viaProto))).equals(Buffer.from(viaProto))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('should refuse a singular field sent twice, where protobufjs keeps the last one', () => {
    const once = encodeExport(sample);
    // export_id again: protobufjs reads the second value and says nothing.
    const twice = Uint8Array.from([...once, ...tagged(2, 0, varint(7))]);
    expect(ExportType.decode(twice).toJSON()['exportId']).toBe(7);
    expect(problem(() => decodeExport(twice))).toMatch(/exportId \(export_id = 2\).*singular field appears more than once/);
    // An embedded message twice (proto3 would merge them), and a field twice inside one.
    expect(problem(() => decodeExport(Uint8Array.from([...once, ...tagged(6, 2, [8, 2])])))).toMatch(/socket \(socket = 6\).*more than once/);
    expect(problem(() => decodeExport(Uint8Array.from([...tagged(6, 2, [8, 2, 8, 10])])))).toMatch(/addressFamily.*more than once/);
    const reply = encodeExportReply({ exportId: 3, status: ExportStatus.OK, expiresAtMs: 5, message: '' });
    expect(problem(() => decodeExportReply(Uint8Array.from([...reply, ...tagged(2, 0, [4])])))).toMatch(/status \(status = 2\).*more than once/);
  });

  it('should accept granted_export_ids packed, unpacked and mixed, as a repeated field', () => {
    const bytes = Uint8Array.from([...tagged(5, 0, varint(1)), ...tagged(5, 2, [...varint(2), ...varint(0xffffffff)]), ...tagged(5, 0, varint(3))]);
    expect(decodeExportReply(bytes).grantedExportIds).toEqual([1, 2, 0xffffffff, 3]);
    expect(ReplyType.decode(bytes).toJSON()['grantedExportIds']).toEqual([1, 2, 0xffffffff, 3]);
  });

  it('should refuse groups, known field or unknown, which proto3 does not have', () => {
    // A start-group tag (wire type 3) and its end-group (4): protobufjs skips the unknown one.
    const unknownGroup = [...varint((20 << 3) | 3), ...varint((20 << 3) | 4)];
    expect(() => ExportType.decode(Uint8Array.from([...encodeExport(sample), ...unknownGroup]))).not.toThrow();
    expect(problem(() => decodeExport(Uint8Array.from([...encodeExport(sample), ...unknownGroup])))).toMatch(/wire type start-group is not allowed/);
    expect(problem(() => decodeExport(Uint8Array.from([...varint((2 << 3) | 3), ...varint((2 << 3) | 4)])))).toMatch(/start-group/);
    expect(problem(() => decodeExportReply(Uint8Array.from([...varint((9 << 3) | 4)])))).toMatch(/end-group/);
    expect(problem(() => decodeExport(Uint8Array.from(tagged(6, 2, varint((9 << 3) | 3)))))).toMatch(/start-group/);
  });

  it('should refuse a known field with another wire type', () => {
    expect(problem(() => decodeExport(Uint8Array.from(tagged(2, 2, [1, 7]))))).toMatch(/exportId.*wire type length-delimited, expected varint/);
    expect(problem(() => decodeExport(Uint8Array.from(tagged(4, 0, [1]))))).toMatch(/socketCookie.*expected fixed64/);
    expect(problem(() => decodeExportReply(Uint8Array.from(tagged(4, 0, [1]))))).toMatch(/message.*expected length-delimited/);
  });

  it('should refuse a varint out of its field\'s range, where protobufjs truncates it', () => {
    // export_id = 2^32 + 5: protobufjs reads 5.
    const wide = Uint8Array.from(tagged(2, 0, varint(2n ** 32n + 5n)));
    expect(ExportType.decode(wide).toJSON()['exportId']).toBe(5);
    expect(problem(() => decodeExport(wide))).toMatch(/exportId.*out of uint32 range/);
    // An int32 that is neither zero- nor sign-extended.
    expect(problem(() => decodeExport(Uint8Array.from(tagged(6, 2, [8, ...varint(2n ** 32n + 2n)]))))).toMatch(/addressFamily.*out of int32 range/);
    expect(problem(() => decodeExportReply(Uint8Array.from(tagged(2, 0, varint(2n ** 40n)))))).toMatch(/status.*out of int32 range/);
    // More than 64 bits, and an expiry past 2^53 (not exact as a number).
    expect(problem(() => decodeExport(Uint8Array.from(tagged(1, 0, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]))))).toMatch(/64 bits/);
    const late = Buffer.alloc(8);
    late.writeBigUInt64LE(2n ** 53n);
    expect(problem(() => decodeExportReply(Uint8Array.from(tagged(3, 1, [...late]))))).toMatch(/expiresAtMs.*over 2\^53-1/);
  });

  it('should refuse read-ahead and application messages over their limits', () => {
    const over = (field: number, limit: number): Uint8Array => Uint8Array.from(tagged(field, 2, [...new Uint8Array(limit + 1)]));
    expect(problem(() => decodeExport(over(8, MAX_READ_AHEAD_BYTES)))).toMatch(/readAhead.*exceed the limit/);
    expect(problem(() => decodeExport(over(9, MAX_APP_MESSAGE_BYTES)))).toMatch(/appMessage.*exceed the limit/);
  });

  it('should return bytes that share no memory with the frame', () => {
    const frame = Buffer.from(encodeExport({ ...sample, readAhead: Uint8Array.of(1, 2, 3), appMessage: Uint8Array.of(9) }));
    const decoded = decodeExport(frame);
    frame.fill(0);
    expect([...decoded.nonce]).toEqual([...sample.nonce]);
    expect([...decoded.readAhead]).toEqual([1, 2, 3]);
    expect([...(decoded.appMessage ?? [])]).toEqual([9]);
  });
});

/** A well-formed Export. */
const sample: ExportMessage = {
  version: 2, exportId: 9, nonce: new Uint8Array(16).fill(1), socketCookie: 123n, targetPid: 42,
  socket: { addressFamily: 2, socketType: 1, protocol: 6, catalogEntryId: 1001 },
  options: { rcvtimeoMs: 0, sndtimeoMs: 0 }, readAhead: new Uint8Array(0), appMessage: undefined,
};

/** Varint bytes of a non-negative integer. */
function varint(value: bigint | number): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? byte | 0x80 : byte);
  } while (v > 0n);
  return out;
}

/** Field `number` with wire type `wireType`: its tag, then `body` (length-prefixed when `wireType` is 2). */
function tagged(number: number, wireType: number, body: number[]): number[] {
  return [...varint((number << 3) | wireType), ...(wireType === 2 ? varint(body.length) : []), ...body];
}

/** The message of the WSAEINVAL that `run` throws (and fails the test for anything else). */
function problem(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isWsaError(error, 'WSAEINVAL')) return error.message;
    throw error;
  }
  throw new Error('expected a WSAEINVAL');
}
