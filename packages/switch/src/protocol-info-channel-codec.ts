/**
 * The messages of proto/sanshare/v1/protocol_info_channel.proto. Encoded with protobufjs's `Writer`
 * (writing needs no strictness), decoded with `WireReader` of `@sanshare/protocol-info/wire`, the one
 * strict protobuf reader every sanshare message is decoded with: groups, a singular field or a
 * second body sent twice, a known field with the wrong wire type, out-of-range varints and lengths
 * that run past their message are refused here exactly as in every other decoder.
 * `protocol-info-channel-codec.test.ts` parses the `.proto` with protobufjs and checks that both
 * agree, so the file stays the source of truth.
 */
import { isWsaError } from '@sanshare/protocol-info';
import { WireReader, WireType } from '@sanshare/protocol-info/wire';
import protobuf from 'protobufjs/minimal.js';
import { SwitchError } from './errors.js';

/** A decoded channel message. */
export type ChannelMessage =
  | { kind: 'pidRequest'; requestId: number }
  | { kind: 'pidReply'; requestId: number; pid: number }
  | { kind: 'protocolInfo'; protocolInfo: Uint8Array };

const { VARINT, LEN } = WireType;
const tag = (field: number, wireType: number): number => ((field << 3) | wireType) >>> 0;

/** The `oneof body` field numbers of `ProtocolInfoChannelMessage`, and their proto names for errors. */
const BODY = { pidRequest: 1, pidReply: 2, protocolInfo: 3 } as const;
const BODY_LABELS = ['', 'pid_request (1)', 'pid_reply (2)', 'protocol_info (3)'] as const;

function violation(what: string, cause?: unknown): SwitchError {
  return new SwitchError('ERR_CHANNEL_PROTOCOL', `a malformed protocol-info channel message: ${what}`, cause === undefined ? undefined : { cause });
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

/** One reader for every decode: a decode is synchronous and not re-entrant. */
const r = new WireReader('decodeChannelMessage');

/** `PidRequest` or `PidReply` up to `end` (`pid` only in a reply). */
function readPidMessage(end: number, path: string, withPid: boolean): { requestId: number; pid: number } {
  const out = { requestId: 0, pid: 0 };
  let seen = 0;
  while (r.pos < end) {
    const number = r.tag(end, path);
    if (number === 1) {
      seen = r.field('request_id (1)', VARINT, seen, 1);
      out.requestId = r.uint32(end);
    } else if (number === 2 && withPid) {
      seen = r.field('pid (2)', VARINT, seen, 2);
      out.pid = r.uint32(end);
    } else {
      r.skip(number, end);
    }
  }
  return out;
}

/** `ProtocolInfoTransfer` up to `end`. */
function readTransfer(end: number): Uint8Array {
  let protocolInfo: Uint8Array = new Uint8Array(0);
  let seen = 0;
  while (r.pos < end) {
    const number = r.tag(end, 'ProtocolInfoTransfer');
    if (number === 1) {
      seen = r.field('protocol_info (1)', LEN, seen, 1);
      protocolInfo = r.bytes(end);
    } else {
      r.skip(number, end);
    }
  }
  return protocolInfo;
}

function decode(data: Uint8Array): ChannelMessage {
  const end = data.length;
  r.reset(data);
  let body: ChannelMessage | undefined;
  let seen = 0;
  while (r.pos < end) {
    const number = r.tag(end, 'ProtocolInfoChannelMessage');
    if (number !== BODY.pidRequest && number !== BODY.pidReply && number !== BODY.protocolInfo) {
      r.skip(number, end);
      continue;
    }
    seen = r.field(`body ${BODY_LABELS[number]}`, LEN, seen, number);
    // A oneof holds one body: a second one (another member, or the same twice) is refused rather than
    // merged or "last one wins", as every sanshare decoder refuses a repeated singular field.
    if (body !== undefined) r.fail('a second body (the oneof holds exactly one)');
    const stop = r.message(end);
    if (number === BODY.protocolInfo) body = { kind: 'protocolInfo', protocolInfo: readTransfer(stop) };
    else {
      const { requestId, pid } = readPidMessage(stop, number === BODY.pidRequest ? 'PidRequest' : 'PidReply', number === BODY.pidReply);
      body = number === BODY.pidRequest ? { kind: 'pidRequest', requestId } : { kind: 'pidReply', requestId, pid };
    }
  }
  if (body === undefined) throw violation('no body (pid_request, pid_reply or protocol_info)');
  if (body.kind !== 'protocolInfo' && body.requestId === 0) throw violation('request_id is zero');
  if (body.kind === 'pidReply' && body.pid === 0) throw violation('pid is zero');
  if (body.kind === 'protocolInfo' && body.protocolInfo.length === 0) throw violation('protocol_info is empty');
  return body;
}

/** Decodes one channel message; throws `ERR_CHANNEL_PROTOCOL` (cause: the reader's `WsaError`) when it is malformed or has no body. */
export function decodeChannelMessage(data: Uint8Array): ChannelMessage {
  try {
    return decode(data);
  } catch (error) {
    if (isWsaError(error)) throw violation(error.message.replace(/^WSAEINVAL: /, ''), error);
    throw error;
  } finally {
    r.release();
  }
}
