import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { isWsaError } from '@sanshare/protocol-info';
import { isServerError } from '../errors.js';
import { connectionKindOf, decodeConnectionState, encodeConnectionState, type ConnectionState } from './connection-state.js';
import { MAX_RECEIVED_STATE_BYTES, MAX_STATE_BYTES } from './constants.js';

const root = protobuf.loadSync(fileURLToPath(new URL('../../proto/sanshare/v1/server_state.proto', import.meta.url)));
const MessageType = root.lookupType('sanshare.v1.ConnectionState');

const latin1 = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const bytes = fc.uint8Array({ maxLength: 300 }).map((b) => new Uint8Array(b));
const stateArb: fc.Arbitrary<ConnectionState> = fc.oneof(
  fc.constant({ kind: 'http' as const }),
  fc.record({
    kind: fc.constant('ws' as const),
    method: fc.constantFrom('GET', 'get'),
    url: fc.string({ minLength: 1, maxLength: 60 }),
    httpVersion: fc.constantFrom('1.1', '1.0', ''),
    rawHeaders: fc.array(fc.tuple(latin1, latin1), { maxLength: 8 }).map((pairs) => pairs.flat()),
    protocol: fc.string({ maxLength: 20 }),
    extensions: fc.constantFrom('', 'permessage-deflate; server_no_context_takeover; client_no_context_takeover'),
    appState: bytes,
  }),
  fc.record({ kind: fc.constant('tcp' as const), appState: bytes }),
);

function viaProto(s: ConnectionState): Uint8Array {
  const body =
    s.kind === 'http'
      ? { http: {} }
      : s.kind === 'ws'
        ? { ws: { method: s.method, url: s.url, httpVersion: s.httpVersion, rawHeaders: [...s.rawHeaders], protocol: s.protocol, extensions: s.extensions, appState: s.appState } }
        : { tcp: { appState: s.appState } };
  return MessageType.encode(MessageType.fromObject(body)).finish();
}

const normalise = (s: ConnectionState): unknown => ('appState' in s ? { ...s, appState: Array.from(s.appState) } : s);

function failure(data: Uint8Array): unknown {
  try {
    decodeConnectionState(data);
  } catch (error) {
    return error;
  }
  throw new Error('decodeConnectionState accepted it');
}

describe('connection-state', () => {
  it('should round-trip every state', () => {
    fc.assert(
      fc.property(stateArb, (s) => {
        expect(normalise(decodeConnectionState(encodeConnectionState(s)))).toEqual(normalise(s));
      }),
    );
  });

  it('should encode byte for byte as protobufjs does from the .proto, and decode what it encodes', () => {
    fc.assert(
      fc.property(stateArb, (s) => {
        const theirs = viaProto(s);
        expect(Buffer.from(encodeConnectionState(s)).equals(Buffer.from(theirs))).toBe(true);
        expect(normalise(decodeConnectionState(theirs))).toEqual(normalise(s));
      }),
      { numRuns: 200 },
    );
  });

  it('should name the kind of a state', () => {
    expect(connectionKindOf(encodeConnectionState({ kind: 'tcp', appState: new Uint8Array(0) }))).toBe('tcp');
  });

  it('should skip unknown fields', () => {
    const known = encodeConnectionState({ kind: 'tcp', appState: Uint8Array.of(7) });
    expect(normalise(decodeConnectionState(Uint8Array.from([0x48, 0x01, ...known])))).toEqual({ kind: 'tcp', appState: [7] });
  });

  it('should refuse a state over MAX_STATE_BYTES (64 KiB less the move envelope room) when encoding, with ERR_STATE_TOO_LARGE', () => {
    let error: unknown;
    try {
      encodeConnectionState({ kind: 'tcp', appState: new Uint8Array(MAX_STATE_BYTES) });
    } catch (e) {
      error = e;
    }
    expect(isServerError(error, 'ERR_STATE_TOO_LARGE')).toBe(true);
    expect((error as Error).message).toMatch(/^a tcp connection's state is \d+ bytes, over the 65024/);
  });

  it.each([
    ['an empty message', []],
    ['truncated bytes', [0x1a, 0x05, 0x0a]],
    ['a kind of the wrong wire type', [0x08, 0x01]],
    ['two kinds', [0x0a, 0x00, 0x1a, 0x00]],
    ['the same kind twice', [0x1a, 0x00, 0x1a, 0x00]],
    ['a group', [0x0b, 0x0c]],
    ['a ws state without method or url', [0x12, 0x00]],
    ['a ws state with an odd number of header lines', [0x12, 0x09, 0x0a, 0x01, 0x47, 0x12, 0x01, 0x2f, 0x22, 0x01, 0x61]],
    ['an app state sent twice', [0x1a, 0x06, 0x0a, 0x01, 0x01, 0x0a, 0x01, 0x02]],
    ['a url that is not UTF-8', [0x12, 0x06, 0x0a, 0x01, 0x47, 0x12, 0x01, 0xff]],
  ])('should reject %s with ERR_BAD_STATE', (_name, input) => {
    const error = failure(Uint8Array.from(input));
    expect(isServerError(error, 'ERR_BAD_STATE')).toBe(true);
    expect((error as Error).message).toMatch(/^malformed connection state: /);
  });

  it("should keep the reader's WsaError as the cause of a wire violation", () => {
    expect(isWsaError((failure(Uint8Array.from([0x1a, 0x05, 0x0a])) as Error).cause)).toBe(true);
  });

  it('should reject a state over 64 KiB when decoding', () => {
    expect(isServerError(failure(new Uint8Array(MAX_RECEIVED_STATE_BYTES + 1)), 'ERR_BAD_STATE')).toBe(true);
  });
});
