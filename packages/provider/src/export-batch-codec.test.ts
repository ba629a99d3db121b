/**
 * The batch members of both envelopes (`SourceFrame.export_batch`, `TargetFrame.batch_reply`) against
 * the .proto: byte for byte what protobufjs encodes from it, round trips, the 253-export limit, the
 * oneof, and the size arithmetic a source splits a batch with.
 */
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { isWsaError } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import {
  batchEntryBytes,
  batchFrameBytes,
  decodeSourceFrame,
  decodeSourceFrameBody,
  decodeTargetFrame,
  encodeExport,
  encodeSourceBatch,
  encodeSourceFrame,
  encodeTargetBatchReply,
  ExportStatus,
  type ExportMessage,
} from './export-codec.js';

const root = protobuf.loadSync(fileURLToPath(new URL('../proto/sanshare/v1/export.proto', import.meta.url)));
const SourceFrameType = root.lookupType('sanshare.v1.SourceFrame');
const TargetFrameType = root.lookupType('sanshare.v1.TargetFrame');

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const exportArb: fc.Arbitrary<ExportMessage> = fc.record({
  version: fc.constant(2),
  exportId: fc.integer({ min: 1, max: 0xffffffff }),
  nonce: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  socketCookie: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  targetPid: u32,
  socket: fc.record({ addressFamily: fc.constantFrom(2, 23), socketType: fc.constant(1), protocol: fc.constant(6), catalogEntryId: u32 }),
  options: fc.record({ rcvtimeoMs: u32, sndtimeoMs: u32 }),
  readAhead: fc.uint8Array({ maxLength: 300 }),
  appMessage: fc.option(fc.uint8Array({ maxLength: 200 }), { nil: undefined }),
});

const asProto = (m: ExportMessage): Record<string, unknown> => ({
  version: m.version,
  exportId: m.exportId,
  nonce: m.nonce,
  socketCookie: m.socketCookie.toString(),
  targetPid: m.targetPid,
  socket: m.socket,
  options: m.options,
  readAhead: m.readAhead,
  ...(m.appMessage === undefined ? {} : { appMessage: m.appMessage }),
});

const plain = (m: ExportMessage): unknown => ({ ...m, nonce: [...m.nonce], readAhead: [...m.readAhead], appMessage: m.appMessage === undefined ? undefined : [...m.appMessage] });

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isWsaError(error, 'WSAEINVAL')) return error.message;
    throw error;
  }
  throw new Error('expected a WSAEINVAL');
}

describe('the batch members of the envelopes', () => {
  it('should encode an ExportBatch byte for byte as protobufjs does from the .proto, and decode it back in order', () => {
    fc.assert(
      fc.property(fc.array(exportArb, { minLength: 1, maxLength: 8 }), (exports) => {
        const mine = encodeSourceBatch(exports.map(encodeExport));
        const viaProto = SourceFrameType.encode(SourceFrameType.fromObject({ exportBatch: { exports: exports.map(asProto) } })).finish();
        expect(Buffer.from(mine).equals(Buffer.from(viaProto))).toBe(true);
        const body = decodeSourceFrameBody(mine);
        expect(body.export).toBeUndefined();
        expect(body.batch?.map(plain)).toEqual(exports.map(plain));
        // The size a source computes before building the frame is the frame's size.
        expect(batchFrameBytes(exports.reduce((sum, m) => sum + batchEntryBytes(encodeExport(m).length), 0))).toBe(mine.length);
      }),
      { numRuns: 200 },
    );
  });

  it('should encode an ExportBatchReply byte for byte as protobufjs does, and decode each reply in order', () => {
    const replies = [
      { exportId: 1, status: ExportStatus.OK, expiresAtMs: 1_700_000_000_000, message: '' },
      { exportId: 2, status: ExportStatus.INVALID, expiresAtMs: 0, message: 'the descriptor is not a socket' },
      { exportId: 3, status: ExportStatus.ID_IN_USE, expiresAtMs: 0, message: 'export id 3 is pending' },
    ];
    const mine = encodeTargetBatchReply(replies);
    const viaProto = TargetFrameType.encode(
      TargetFrameType.fromObject({
        batchReply: { replies: replies.map((r) => ({ exportId: r.exportId, status: r.status, expiresAtMs: String(r.expiresAtMs), message: r.message })) },
      }),
    ).finish();
    expect(Buffer.from(mine).equals(Buffer.from(viaProto))).toBe(true);
    expect(decodeTargetFrame(mine)).toEqual({ reply: undefined, notice: undefined, batchReply: replies });
  });

  it('should refuse more than 253 exports or replies, an export and a batch in one frame, and a batch twice', () => {
    const one = encodeExport({ version: 2, exportId: 9, nonce: new Uint8Array(16), socketCookie: 1n, targetPid: 1, socket: { addressFamily: 2, socketType: 1, protocol: 6, catalogEntryId: 0 }, options: { rcvtimeoMs: 0, sndtimeoMs: 0 }, readAhead: new Uint8Array(0), appMessage: undefined });
    expect(decodeSourceFrameBody(encodeSourceBatch(new Array<Uint8Array>(253).fill(one))).batch).toHaveLength(253);
    expect(refusal(() => decodeSourceFrameBody(encodeSourceBatch(new Array<Uint8Array>(254).fill(one))))).toMatch(/more than 253 exports in one batch/);
    const replies = new Array(254).fill({ exportId: 1, status: ExportStatus.OK, expiresAtMs: 0, message: '' });
    expect(refusal(() => decodeTargetFrame(encodeTargetBatchReply(replies)))).toMatch(/more than 253 replies/);
    const both = Uint8Array.from([...encodeSourceBatch([one]), ...encodeSourceFrame(decodeSourceFrameBody(encodeSourceBatch([one])).batch?.[0] as ExportMessage)]);
    expect(refusal(() => decodeSourceFrameBody(both))).toMatch(/more than one member/);
    const twice = Uint8Array.from([...encodeSourceBatch([one]), ...encodeSourceBatch([one])]);
    expect(refusal(() => decodeSourceFrameBody(twice))).toMatch(/exportBatch \(export_batch = 2\).*more than once/);
    // An Export inside a batch is read as strictly as a lone one, and the error names its index.
    const badNonce = encodeExport({ ...(decodeSourceFrameBody(encodeSourceBatch([one])).batch?.[0] as ExportMessage), nonce: Uint8Array.of(1) });
    expect(refusal(() => decodeSourceFrameBody(encodeSourceBatch([one, badNonce])))).toMatch(/exports\[1\]\.nonce .*1 bytes, expected exactly 16/);
    // A single-export reader sees no Export in a batch frame.
    expect(decodeSourceFrame(encodeSourceBatch([one]))).toBeUndefined();
  });
});
