import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { isWsaError } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { decodeExport, decodeExportReply, encodeExport, encodeExportReply, HandoffStatus, type ExportMessage } from './handoff-codec.js';

const root = protobuf.loadSync(fileURLToPath(new URL('../proto/sanshare/v1/handoff.proto', import.meta.url)));
const ExportType = root.lookupType('sanshare.v1.Export');
const ReplyType = root.lookupType('sanshare.v1.ExportReply');

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const i32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const exportArb: fc.Arbitrary<ExportMessage> = fc.record({
  version: u32,
  exportId: u32,
  nonce: fc.uint8Array({ maxLength: 32 }),
  socketCookie: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  targetPid: u32,
  socket: fc.record({ addressFamily: i32, socketType: i32, protocol: i32, catalogEntryId: u32 }),
  options: fc.record({ rcvtimeoMs: u32, sndtimeoMs: u32 }),
  readAhead: fc.uint8Array({ maxLength: 512 }),
  appMessage: fc.option(fc.uint8Array({ maxLength: 256 }), { nil: undefined }),
});

describe('handoff-codec', () => {
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
    expect(decodeExportReply(bytes)).toEqual({ exportId: 7, status: HandoffStatus.NO_BUFFERS, expiresAtMs, message: 'full' });
    const mine = encodeExportReply({ exportId: 7, status: HandoffStatus.NO_BUFFERS, expiresAtMs, message: 'full' });
    expect(Buffer.from(mine).equals(Buffer.from(bytes))).toBe(true);
  });

  it('should agree with protobufjs on export credits (granted ids packed, import timeout)', () => {
    const reply = { exportId: 9, status: HandoffStatus.OK, expiresAtMs: 42, message: '', grantedExportIds: [1, 0xffffffff, 77], importTimeoutMs: 30_000 };
    const bytes = ReplyType.encode(
      ReplyType.fromObject({ exportId: 9, status: 'STATUS_OK', expiresAtMs: '42', grantedExportIds: [1, 0xffffffff, 77], importTimeoutMs: 30_000 }),
    ).finish();
    expect(Buffer.from(encodeExportReply(reply)).equals(Buffer.from(bytes))).toBe(true);
    expect(decodeExportReply(bytes)).toEqual(reply);
  });

  it('should skip unknown fields', () => {
    const known = encodeExportReply({ exportId: 3, status: HandoffStatus.OK, expiresAtMs: 5, message: '' });
    const withUnknown = new Uint8Array([...known, (15 << 3) | 0, 1, (14 << 3) | 2, 2, 0xaa, 0xbb]);
    expect(decodeExportReply(withUnknown)).toEqual({ exportId: 3, status: HandoffStatus.OK, expiresAtMs: 5, message: '' });
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
});
