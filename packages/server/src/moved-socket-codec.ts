/**
 * `MovedSocket` of proto/sanshare/v1/server_control.proto: the message that travels with each socket
 * moved through the switch (`WSADuplicateSocketWithMessage`): which server of the receiving process
 * takes it, its adapter state, and whether it is a listener or a fresh connection. Encoded with
 * protobufjs's `Writer`, decoded with the strict `WireReader`.
 */
import { isWsaError } from '@sanshare/protocol-info';
import { WireReader, WireType } from '@sanshare/protocol-info/wire';
import protobuf from 'protobufjs/minimal.js';
import { MAX_MOVE_MESSAGE_BYTES, MAX_NAME_BYTES } from './constants.js';
import { ServerError } from './errors.js';

/** What travels with one socket. */
export interface MovedSocket {
  /** The name of the server (or listener) that takes it in the receiving process. */
  server: string;
  /** The adapter's state bytes (empty for a listener or a fresh connection). */
  state: Uint8Array;
  /** A listening socket rather than a connection. */
  listener: boolean;
  /** A connection accepted and never served by the sender: the receiver's server sees a new connection. */
  fresh: boolean;
}

const { VARINT, LEN } = WireType;
const tag = (field: number, wireType: number): number => ((field << 3) | wireType) >>> 0;

/**
 * Encodes `moved`; throws `ERR_STATE_TOO_LARGE` when it does not fit in the 64 KiB message of a
 * duplication, `ERR_INVALID_ARGUMENT` for a name over 255 bytes.
 */
export function encodeMovedSocket(moved: MovedSocket): Uint8Array {
  if (Buffer.byteLength(moved.server, 'utf8') > MAX_NAME_BYTES) {
    throw new ServerError('ERR_INVALID_ARGUMENT', `server name '${moved.server.slice(0, 40)}...' is over ${MAX_NAME_BYTES} bytes; choose a shorter name`);
  }
  const w = protobuf.Writer.create();
  if (moved.server !== '') w.uint32(tag(1, LEN)).string(moved.server);
  if (moved.state.length > 0) w.uint32(tag(2, LEN)).bytes(moved.state);
  if (moved.listener) w.uint32(tag(3, VARINT)).bool(true);
  if (moved.fresh) w.uint32(tag(4, VARINT)).bool(true);
  const bytes = w.finish();
  if (bytes.length > MAX_MOVE_MESSAGE_BYTES) {
    throw new ServerError(
      'ERR_STATE_TOO_LARGE',
      `the state of a connection of '${moved.server}' is ${moved.state.length} bytes, over what travels with a socket (${MAX_MOVE_MESSAGE_BYTES} bytes in all); keep the serialized state smaller (the connection falls back instead of moving)`,
    );
  }
  return bytes;
}

const r = new WireReader('decodeMovedSocket');

/** Decodes a `MovedSocket`; throws `ERR_CONTROL_PROTOCOL` when it is malformed. */
export function decodeMovedSocket(data: Uint8Array): MovedSocket {
  const end = data.length;
  const out: MovedSocket = { server: '', state: new Uint8Array(0), listener: false, fresh: false };
  let seen = 0;
  try {
    r.reset(data);
    while (r.pos < end) {
      const n = r.tag(end, 'MovedSocket');
      if (n === 1) {
        seen = r.field('server (1)', LEN, seen, 1);
        out.server = r.string(end);
        if (Buffer.byteLength(out.server, 'utf8') > MAX_NAME_BYTES) r.fail(`more than ${MAX_NAME_BYTES} bytes`);
      } else if (n === 2) {
        seen = r.field('state (2)', LEN, seen, 2);
        out.state = r.bytes(end, MAX_MOVE_MESSAGE_BYTES);
      } else if (n === 3) {
        seen = r.field('listener (3)', VARINT, seen, 3);
        out.listener = r.bool(end);
      } else if (n === 4) {
        seen = r.field('fresh (4)', VARINT, seen, 4);
        out.fresh = r.bool(end);
      } else r.skip(n, end);
    }
  } catch (error) {
    if (isWsaError(error)) {
      throw new ServerError(
        'ERR_CONTROL_PROTOCOL',
        `malformed message with a moved socket: ${error.message.replace(/^WSAEINVAL: /, '')}; the sender does not speak server_control.proto version 1`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    r.release();
  }
  return out;
}
