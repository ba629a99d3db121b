import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { MAX_MOVE_MESSAGE_BYTES } from './constants.js';
import { isServerError } from './errors.js';
import { decodeMovedSocket, encodeMovedSocket, type MovedSocket } from './moved-socket-codec.js';

const root = protobuf.loadSync(fileURLToPath(new URL('../proto/sanshare/v1/server_control.proto', import.meta.url)));
const MovedSocketType = root.lookupType('sanshare.v1.MovedSocket');

const arb: fc.Arbitrary<MovedSocket> = fc.record({
  server: fc.stringMatching(/^[a-z#0-9]{0,12}$/),
  state: fc.uint8Array({ maxLength: 300 }),
  listener: fc.boolean(),
  fresh: fc.boolean(),
});

const plain = (m: MovedSocket): unknown => ({ ...m, state: Array.from(m.state) });

describe('moved-socket-codec', () => {
  it('should round-trip and match protobufjs byte for byte', () => {
    fc.assert(
      fc.property(arb, (m) => {
        const ours = encodeMovedSocket(m);
        const theirs = MovedSocketType.encode(MovedSocketType.fromObject(m)).finish();
        expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
        expect(plain(decodeMovedSocket(theirs))).toEqual(plain(m));
      }),
    );
  });

  it('should give the state as a plain Uint8Array over the message, of the encoded length, at any offset', () => {
    const encoded = encodeMovedSocket({ server: 'http', state: Uint8Array.from([1, 2, 3]), listener: false, fresh: false });
    const framed = new Uint8Array(encoded.length + 5);
    framed.set(encoded, 5);
    const decoded = decodeMovedSocket(framed.subarray(5));
    expect(decoded.state).toEqual(Uint8Array.from([1, 2, 3]));
    expect(Buffer.isBuffer(decoded.state)).toBe(false);
    expect(decoded.server).toBe('http');
    expect(() => decodeMovedSocket(Uint8Array.from([0x12, 0x05, 1, 2]))).toThrow(/^malformed message with a moved socket: .*runs past the end/);
  });

  it('should refuse a state that does not fit in the 64 KiB message, before anything moves', () => {
    let caught: unknown;
    try {
      encodeMovedSocket({ server: 'ws#1', state: new Uint8Array(MAX_MOVE_MESSAGE_BYTES), listener: false, fresh: false });
    } catch (error) {
      caught = error;
    }
    expect(isServerError(caught, 'ERR_STATE_TOO_LARGE')).toBe(true);
    expect((caught as Error).message).toMatch(/^the state of a connection of 'ws#1' is 65536 bytes, over what travels with a socket/);
  });

  it('should refuse a malformed message with ERR_CONTROL_PROTOCOL', () => {
    expect(() => decodeMovedSocket(Uint8Array.from([0x18, 0x02]))).toThrow(/^malformed message with a moved socket: .*not a bool/);
    expect(() => decodeMovedSocket(Uint8Array.from([0x0a, 0x01, 0x61, 0x0a, 0x01, 0x61]))).toThrow(/more than once/);
  });
});
