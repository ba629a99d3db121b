import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { isWsaError } from '@sanshare/protocol-info';
import { isSwitchError } from './errors.js';
import { decodeChannelMessage, encodeChannelMessage, type ChannelMessage } from './protocol-info-channel-codec.js';

const root = protobuf.loadSync(fileURLToPath(new URL('../proto/sanshare/v1/protocol_info_channel.proto', import.meta.url)));
const MessageType = root.lookupType('sanshare.v1.ProtocolInfoChannelMessage');

const id = fc.integer({ min: 1, max: 0xffffffff });
const messageArb: fc.Arbitrary<ChannelMessage> = fc.oneof(
  fc.record({ kind: fc.constant('pidRequest' as const), requestId: id }),
  fc.record({ kind: fc.constant('pidReply' as const), requestId: id, pid: id }),
  fc.record({ kind: fc.constant('protocolInfo' as const), protocolInfo: fc.uint8Array({ minLength: 1, maxLength: 256 }) }),
);

function viaProto(m: ChannelMessage): Uint8Array {
  const body =
    m.kind === 'pidRequest'
      ? { pidRequest: { requestId: m.requestId } }
      : m.kind === 'pidReply'
        ? { pidReply: { requestId: m.requestId, pid: m.pid } }
        : { protocolInfo: { protocolInfo: m.protocolInfo } };
  return MessageType.encode(MessageType.fromObject(body)).finish();
}

const normalise = (m: ChannelMessage): unknown => (m.kind === 'protocolInfo' ? { ...m, protocolInfo: Array.from(m.protocolInfo) } : m);

describe('protocol-info-channel-codec', () => {
  it('should round-trip every message', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        expect(normalise(decodeChannelMessage(encodeChannelMessage(m)))).toEqual(normalise(m));
      }),
    );
  });

  it('should encode byte for byte as protobufjs does from the .proto, and decode what it encodes', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const theirs = viaProto(m);
        expect(Buffer.from(encodeChannelMessage(m)).equals(Buffer.from(theirs))).toBe(true);
        expect(normalise(decodeChannelMessage(theirs))).toEqual(normalise(m));
      }),
      { numRuns: 200 },
    );
  });

  it('should skip unknown fields', () => {
    const known = encodeChannelMessage({ kind: 'pidRequest', requestId: 5 });
    // Field 9, varint 1, before the body: a newer peer's addition.
    const withUnknown = Uint8Array.from([0x48, 0x01, ...known]);
    expect(decodeChannelMessage(withUnknown)).toEqual({ kind: 'pidRequest', requestId: 5 });
  });

  it.each([
    ['an empty message', []],
    ['truncated bytes', [0x0a, 0x05, 0x08]],
    ['a body of the wrong wire type', [0x08, 0x01]],
    ['a zero request id', [0x0a, 0x00]],
    ['a reply without pid', [0x12, 0x02, 0x08, 0x01]],
    ['an empty protocol info', [0x1a, 0x00]],
    ['a group', [0x0b, 0x0c]],
    ['a group inside a body', [0x0a, 0x02, 0x0b, 0x0c]],
    ['field number 0', [0x00, 0x01]],
    ['wire type 7', [0x0f]],
    ['a request id sent twice', [0x0a, 0x04, 0x08, 0x01, 0x08, 0x02]],
    ['a request id of the wrong wire type', [0x0a, 0x02, 0x0d, 0x01]],
    ['a request id of 2^32', [0x0a, 0x06, 0x08, 0x80, 0x80, 0x80, 0x80, 0x10]],
    ['the same body twice', [0x0a, 0x02, 0x08, 0x01, 0x0a, 0x02, 0x08, 0x02]],
    ['two bodies of the oneof', [0x0a, 0x02, 0x08, 0x01, 0x1a, 0x03, 0x0a, 0x01, 0x41]],
    ['a protocol info of the wrong wire type', [0x1a, 0x02, 0x08, 0x01]],
    ['a body whose length runs past the end', [0x1a, 0x09, 0x0a, 0x01, 0x41]],
  ])('should reject %s with ERR_CHANNEL_PROTOCOL, the reader\'s WsaError as cause', (_name, bytes) => {
    let error: unknown;
    try {
      decodeChannelMessage(Uint8Array.from(bytes));
    } catch (e) {
      error = e;
    }
    expect(isSwitchError(error, 'ERR_CHANNEL_PROTOCOL')).toBe(true);
    expect(String((error as Error).message)).toMatch(/^ERR_CHANNEL_PROTOCOL: a malformed protocol-info channel message: /);
  });

  it('should keep the strict reader\'s error as the cause of a wire violation', () => {
    const error = (() => {
      try {
        return decodeChannelMessage(Uint8Array.from([0x0b, 0x0c]));
      } catch (e) {
        return e;
      }
    })();
    expect(isWsaError((error as Error).cause, 'WSAEINVAL')).toBe(true);
    expect(String((error as Error).message)).toContain('start-group');
  });

  it('should never throw anything but ERR_CHANNEL_PROTOCOL on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeChannelMessage(bytes);
        } catch (error) {
          expect(isSwitchError(error, 'ERR_CHANNEL_PROTOCOL')).toBe(true);
        }
      }),
    );
  });
});
