import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { isServerError } from './errors.js';
import { decodeControlMessage, encodeControlMessage, type ControlMessage, type MoveCounts } from './control-codec.js';

const root = protobuf.loadSync(fileURLToPath(new URL('../proto/sanshare/v1/server_control.proto', import.meta.url)));
const MessageType = root.lookupType('sanshare.v1.ServerControlMessage');

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const pid = fc.integer({ min: 1, max: 0xffff_ffff });
const name = fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/);
const names = fc.array(name, { maxLength: 5 });
const counts: fc.Arbitrary<MoveCounts> = fc.record({ phase: fc.constantFrom('', 'moving', 'done'), moved: u32, remaining: u32, refused: u32, unserved: u32, fallback: u32, closed: u32 });
const messageArb: fc.Arbitrary<ControlMessage> = fc.oneof(
  fc.record({ kind: fc.constant('hello' as const), version: u32, pid, generation: u32, role: fc.constantFrom('successor' as const, 'worker' as const), listenersHeld: names }),
  fc.record({ kind: fc.constant('welcome' as const), version: u32, pid, generation: u32, listeners: names }),
  fc.record({ kind: fc.constant('ready' as const), pid }),
  fc.record({ kind: fc.constant('progress' as const), progress: counts }),
  fc.record({ kind: fc.constant('done' as const), socketsSent: u32, totals: counts }),
  fc.record({ kind: fc.constant('abort' as const), reason: fc.string({ maxLength: 40 }) }),
  fc.record({ kind: fc.constant('moveRequest' as const), requestId: pid, targetPid: pid, count: u32 }),
  fc.record({ kind: fc.constant('status' as const), requestId: u32, connections: u32 }),
  fc.record({ kind: fc.constant('status' as const), requestId: u32, connections: u32, move: counts }),
);

const ROLE = { successor: 1, worker: 2 } as const;

/** The same message as protobufjs builds it from the .proto. */
function viaProto(m: ControlMessage): Uint8Array {
  const body: Record<string, unknown> =
    m.kind === 'hello'
      ? { hello: { version: m.version, pid: m.pid, generation: m.generation, role: ROLE[m.role], listenersHeld: m.listenersHeld } }
      : m.kind === 'welcome'
        ? { welcome: { version: m.version, pid: m.pid, generation: m.generation, listeners: m.listeners } }
        : m.kind === 'ready'
          ? { ready: { pid: m.pid } }
          : m.kind === 'progress'
            ? { progress: m.progress }
            : m.kind === 'done'
              ? { done: { socketsSent: m.socketsSent, totals: m.totals } }
              : m.kind === 'abort'
                ? { abort: { reason: m.reason } }
                : m.kind === 'moveRequest'
                  ? { moveRequest: { requestId: m.requestId, targetPid: m.targetPid, count: m.count } }
                  : { status: { requestId: m.requestId, connections: m.connections, ...(m.move === undefined ? {} : { move: m.move }) } };
  return MessageType.encode(MessageType.fromObject(body)).finish();
}

describe('control-codec', () => {
  it('should round-trip every message', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        expect(decodeControlMessage(encodeControlMessage(m))).toEqual(m);
      }),
    );
  });

  it('should encode byte for byte as protobufjs does from the .proto, and decode what it encodes', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const theirs = viaProto(m);
        expect(Buffer.from(encodeControlMessage(m)).toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
        expect(decodeControlMessage(theirs)).toEqual(m);
      }),
      { numRuns: 300 },
    );
  });

  it('should skip unknown fields, in the frame and in a body', () => {
    const ready = encodeControlMessage({ kind: 'ready', pid: 7 });
    expect(decodeControlMessage(Uint8Array.from([0x48, 0x01, ...ready]))).toEqual({ kind: 'ready', pid: 7 });
    // Ready { pid: 7, field 9: varint 1 }
    expect(decodeControlMessage(Uint8Array.from([0x1a, 0x04, 0x08, 0x07, 0x48, 0x01]))).toEqual({ kind: 'ready', pid: 7 });
  });

  it.each([
    ['an empty frame', [], /no body/],
    ['two bodies', [0x1a, 0x02, 0x08, 0x07, 0x22, 0x00], /a second body/],
    ['one body twice', [0x1a, 0x02, 0x08, 0x07, 0x1a, 0x02, 0x08, 0x07], /singular field appears more than once/],
    ['a field sent twice', [0x1a, 0x04, 0x08, 0x07, 0x08, 0x07], /singular field appears more than once/],
    ['a body of the wrong wire type', [0x18, 0x07], /wire type/],
    ['a truncated length', [0x1a, 0x05, 0x08], /runs past the end/],
    ['a group', [0x1b], /not allowed/],
    ['a zero pid', [0x1a, 0x00], /Ready.pid is zero/],
    ['an unknown role', [0x0a, 0x04, 0x10, 0x01, 0x20, 0x07], /role 7 is not a known role/],
    ['a uint32 out of range', [0x1a, 0x06, 0x08, 0x80, 0x80, 0x80, 0x80, 0x10], /out of uint32 range/],
    ['a name that is not UTF-8', [0x12, 0x05, 0x10, 0x01, 0x22, 0x01, 0xff], /not valid UTF-8/],
  ])('should refuse %s with ERR_CONTROL_PROTOCOL naming the problem first', (_what, bytes, problem) => {
    let caught: unknown;
    try {
      decodeControlMessage(Uint8Array.from(bytes));
    } catch (error) {
      caught = error;
    }
    expect(isServerError(caught, 'ERR_CONTROL_PROTOCOL')).toBe(true);
    expect((caught as Error).message).toMatch(/^malformed control-channel message: /);
    expect((caught as Error).message).toMatch(problem);
  });

  it('should refuse more than 64 listener names and names over 255 bytes', () => {
    const many = Array.from({ length: 65 }, (_, i) => `l${i}`);
    expect(() => encodeControlMessage({ kind: 'welcome', version: 1, pid: 1, generation: 1, listeners: many })).toThrow(/more than 64 names/);
    expect(() => encodeControlMessage({ kind: 'welcome', version: 1, pid: 1, generation: 1, listeners: ['x'.repeat(256)] })).toThrow(/at most 255 bytes/);
    const theirs = MessageType.encode(MessageType.fromObject({ welcome: { pid: 1, listeners: many } })).finish();
    expect(() => decodeControlMessage(theirs)).toThrow(/more than 64 names/);
  });
});
