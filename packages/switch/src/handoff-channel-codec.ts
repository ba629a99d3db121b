/**
 * The messages of proto/sanshare/v1/handoff_channel.proto, encoded with protobufjs's `Writer` and
 * `Reader` by hand (as @sanshare/provider does its hand-off messages): three flat messages, one clear
 * error for anything malformed, no reflection at run time. `handoff-channel-codec.test.ts` parses the
 * `.proto` with protobufjs and checks both encodings agree, so the file stays the source of truth.
 */
import protobuf from 'protobufjs/minimal.js';
import { SwitchError } from './errors.js';

/** A decoded channel message. */
export type ChannelMessage =
  | { kind: 'pidRequest'; requestId: number }
  | { kind: 'pidReply'; requestId: number; pid: number }
  | { kind: 'protocolInfo'; protocolInfo: Uint8Array };

const VARINT = 0;
const LEN = 2;
const tag = (field: number, wireType: number): number => ((field << 3) | wireType) >>> 0;

/** The `oneof body` field numbers of `HandoffChannelMessage`. */
const BODY = { pidRequest: 1, pidReply: 2, protocolInfo: 3 } as const;

function violation(what: string, cause?: unknown): SwitchError {
  return new SwitchError('ERR_CHANNEL_PROTOCOL', `malformed hand-off channel message: ${what}`, cause === undefined ? undefined : { cause });
}

const isUint32NonZero = (v: number): boolean => Number.isInteger(v) && v > 0 && v <= 0xffffffff;

/** Encodes one channel message (fields in field-number order, defaults omitted, as protobufjs does). */
export function encodeChannelMessage(message: ChannelMessage): Uint8Array {
  const w = protobuf.Writer.create();
  switch (message.kind) {
    case 'pidRequest':
      if (!isUint32NonZero(message.requestId)) throw violation('request_id must be a non-zero uint32');
      w.uint32(tag(BODY.pidRequest, LEN)).fork().uint32(tag(1, VARINT)).uint32(message.requestId).ldelim();
      break;
    case 'pidReply':
      if (!isUint32NonZero(message.requestId) || !isUint32NonZero(message.pid)) throw violation('request_id and pid must be non-zero uint32');
      w.uint32(tag(BODY.pidReply, LEN)).fork().uint32(tag(1, VARINT)).uint32(message.requestId).uint32(tag(2, VARINT)).uint32(message.pid).ldelim();
      break;
    case 'protocolInfo':
      w.uint32(tag(BODY.protocolInfo, LEN)).fork();
      if (message.protocolInfo.length > 0) w.uint32(tag(1, LEN)).bytes(message.protocolInfo);
      w.ldelim();
      break;
  }
  return w.finish();
}

/** Reads the fields of a (sub)message up to `end`; `onField` returns false for fields it does not know. */
function readFields(r: protobuf.Reader, end: number, onField: (field: number, wireType: number) => boolean): void {
  while (r.pos < end) {
    const key = r.uint32();
    const field = key >>> 3;
    const wireType = key & 7;
    if (field === 0) throw violation('field number 0');
    if (wireType === 3 || wireType === 4) throw violation('groups are not allowed');
    if (!onField(field, wireType)) r.skipType(wireType);
  }
  if (r.pos !== end) throw violation('a field runs past the end of its message');
}

function expect(actual: number, expected: number, name: string): void {
  if (actual !== expected) throw violation(`${name} has wire type ${actual}, expected ${expected}`);
}

/** Decodes one channel message; throws `ERR_CHANNEL_PROTOCOL` when it is malformed or has no body. */
export function decodeChannelMessage(data: Uint8Array): ChannelMessage {
  try {
    return decode(data);
  } catch (error) {
    if (error instanceof SwitchError) throw error;
    // protobufjs throws RangeError on truncation ("index out of range").
    throw violation('truncated or invalid wire data', error);
  }
}

function decode(data: Uint8Array): ChannelMessage {
  const r = protobuf.Reader.create(data);
  let body: ChannelMessage | undefined;
  readFields(r, data.length, (field, wireType) => {
    if (field !== BODY.pidRequest && field !== BODY.pidReply && field !== BODY.protocolInfo) return false;
    expect(wireType, LEN, 'body');
    const end = r.uint32() + r.pos;
    if (end > data.length) throw violation('body runs past the end of the message');
    let requestId = 0;
    let pid = 0;
    let protocolInfo: Uint8Array = new Uint8Array(0);
    readFields(r, end, (inner, innerType) => {
      if (field === BODY.protocolInfo) {
        if (inner !== 1) return false;
        expect(innerType, LEN, 'protocol_info');
        protocolInfo = r.bytes();
        return true;
      }
      if (inner === 1) {
        expect(innerType, VARINT, 'request_id');
        requestId = r.uint32();
        return true;
      }
      if (inner === 2 && field === BODY.pidReply) {
        expect(innerType, VARINT, 'pid');
        pid = r.uint32();
        return true;
      }
      return false;
    });
    // proto3 oneof: the last body on the wire wins, as every protobuf decoder does.
    if (field === BODY.pidRequest) body = { kind: 'pidRequest', requestId };
    else if (field === BODY.pidReply) body = { kind: 'pidReply', requestId, pid };
    else body = { kind: 'protocolInfo', protocolInfo: Uint8Array.from(protocolInfo) };
    return true;
  });
  if (body === undefined) throw violation('no body (pid_request, pid_reply or protocol_info)');
  if (body.kind !== 'protocolInfo' && !isUint32NonZero(body.requestId)) throw violation('request_id is zero');
  if (body.kind === 'pidReply' && !isUint32NonZero(body.pid)) throw violation('pid is zero');
  if (body.kind === 'protocolInfo' && body.protocolInfo.length === 0) throw violation('protocol_info is empty');
  return body;
}
