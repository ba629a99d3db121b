/**
 * The state message of a moving connection (proto/sanshare/v1/server_state.proto): what travels with
 * the socket in `WSADuplicateSocketWithMessage`. Encoded with protobufjs's `Writer`, decoded with
 * `WireReader` of `@sanshare/protocol-info/wire`, the one strict reader every sanshare message is
 * decoded with. connection-state.test.ts checks both against protobufjs reading the `.proto`.
 */
import { isWsaError } from '@sanshare/protocol-info';
import { WireReader, WireType } from '@sanshare/protocol-info/wire';
import protobuf from 'protobufjs/minimal.js';
import { ServerError } from '../errors.js';
import { MAX_RECEIVED_STATE_BYTES, MAX_STATE_BYTES } from './constants.js';

/** What an HTTP/1.1 keep-alive connection carries: nothing yet (it moves between requests). */
export interface HttpConnectionState {
  readonly kind: 'http';
}

/** What a WebSocket carries: its upgrade request, what was negotiated, and the application's bytes. */
export interface WsConnectionState {
  readonly kind: 'ws';
  readonly method: string;
  readonly url: string;
  /** `'1.1'`. */
  readonly httpVersion: string;
  /** Node's `rawHeaders` of the upgrade request: name, value, name, value... */
  readonly rawHeaders: readonly string[];
  /** The chosen subprotocol, `''` if none. */
  readonly protocol: string;
  /** The `Sec-WebSocket-Extensions` value the server answered, `''` if none. */
  readonly extensions: string;
  readonly appState: Uint8Array;
}

/** What a plain TCP connection carries: the application's bytes. */
export interface TcpConnectionState {
  readonly kind: 'tcp';
  readonly appState: Uint8Array;
}

/** One connection's state, by kind. */
export type ConnectionState = HttpConnectionState | WsConnectionState | TcpConnectionState;

const { LEN } = WireType;
const tag = (field: number, wireType: number): number => ((field << 3) | wireType) >>> 0;
/** The `oneof kind` field numbers of `ConnectionState`. */
const KIND = { http: 1, ws: 2, tcp: 3 } as const;
const KIND_LABELS = ['', 'http (1)', 'ws (2)', 'tcp (3)'] as const;

function bad(what: string, cause?: unknown): ServerError {
  return new ServerError(
    'ERR_BAD_STATE',
    `malformed connection state: ${what}; the sending process must run a compatible @sanshare/server`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Encodes a connection's state (fields in number order, defaults omitted, as protobufjs does).
 * Throws `ERR_STATE_TOO_LARGE` above `MAX_STATE_BYTES` (64 KiB less room for the move message's envelope).
 */
export function encodeConnectionState(state: ConnectionState): Uint8Array {
  const w = protobuf.Writer.create();
  switch (state.kind) {
    case 'http':
      w.uint32(tag(KIND.http, LEN)).fork().ldelim();
      break;
    case 'ws': {
      if (state.rawHeaders.length % 2 !== 0) throw new ServerError('ERR_INVALID_ARGUMENT', `encodeConnectionState: rawHeaders must hold name/value pairs, got ${state.rawHeaders.length} entries`);
      w.uint32(tag(KIND.ws, LEN)).fork();
      if (state.method !== '') w.uint32(tag(1, LEN)).string(state.method);
      if (state.url !== '') w.uint32(tag(2, LEN)).string(state.url);
      if (state.httpVersion !== '') w.uint32(tag(3, LEN)).string(state.httpVersion);
      for (const line of state.rawHeaders) w.uint32(tag(4, LEN)).string(line);
      if (state.protocol !== '') w.uint32(tag(5, LEN)).string(state.protocol);
      if (state.extensions !== '') w.uint32(tag(6, LEN)).string(state.extensions);
      if (state.appState.length > 0) w.uint32(tag(7, LEN)).bytes(state.appState);
      w.ldelim();
      break;
    }
    case 'tcp':
      w.uint32(tag(KIND.tcp, LEN)).fork();
      if (state.appState.length > 0) w.uint32(tag(1, LEN)).bytes(state.appState);
      w.ldelim();
      break;
  }
  const bytes = w.finish();
  if (bytes.length > MAX_STATE_BYTES) {
    throw new ServerError(
      'ERR_STATE_TOO_LARGE',
      `a ${state.kind} connection's state is ${bytes.length} bytes, over the ${MAX_STATE_BYTES} that travel with a socket; keep the application's state smaller (an id to look the rest up by, say)`,
    );
  }
  return bytes;
}

/** One reader for every decode: a decode is synchronous and not re-entrant. */
const r = new WireReader('decodeConnectionState');

function readWs(end: number): WsConnectionState {
  const out = { method: '', url: '', httpVersion: '', protocol: '', extensions: '' };
  const rawHeaders: string[] = [];
  let appState: Uint8Array = new Uint8Array(0);
  let seen = 0;
  while (r.pos < end) {
    const number = r.tag(end, 'WsConnectionState');
    switch (number) {
      case 1:
        seen = r.field('method (1)', LEN, seen, 1);
        out.method = r.string(end);
        break;
      case 2:
        seen = r.field('url (2)', LEN, seen, 2);
        out.url = r.string(end);
        break;
      case 3:
        seen = r.field('http_version (3)', LEN, seen, 3);
        out.httpVersion = r.string(end);
        break;
      case 4:
        r.repeated('raw_headers (4)', LEN);
        rawHeaders.push(r.string(end));
        break;
      case 5:
        seen = r.field('protocol (5)', LEN, seen, 5);
        out.protocol = r.string(end);
        break;
      case 6:
        seen = r.field('extensions (6)', LEN, seen, 6);
        out.extensions = r.string(end);
        break;
      case 7:
        seen = r.field('app_state (7)', LEN, seen, 7);
        appState = r.bytes(end);
        break;
      default:
        r.skip(number, end);
    }
  }
  if (out.method === '' || out.url === '') throw bad('a WebSocket state without the upgrade request\'s method or URL');
  if (rawHeaders.length % 2 !== 0) throw bad(`raw_headers holds ${rawHeaders.length} entries, not name/value pairs`);
  return { kind: 'ws', ...out, rawHeaders, appState };
}

function readTcp(end: number): TcpConnectionState {
  let appState: Uint8Array = new Uint8Array(0);
  let seen = 0;
  while (r.pos < end) {
    const number = r.tag(end, 'TcpConnectionState');
    if (number === 1) {
      seen = r.field('app_state (1)', LEN, seen, 1);
      appState = r.bytes(end);
    } else r.skip(number, end);
  }
  return { kind: 'tcp', appState };
}

function readHttp(end: number): HttpConnectionState {
  while (r.pos < end) r.skip(r.tag(end, 'HttpConnectionState'), end);
  return { kind: 'http' };
}

function decode(data: Uint8Array): ConnectionState {
  const end = data.length;
  r.reset(data);
  let state: ConnectionState | undefined;
  let seen = 0;
  while (r.pos < end) {
    const number = r.tag(end, 'ConnectionState');
    if (number !== KIND.http && number !== KIND.ws && number !== KIND.tcp) {
      r.skip(number, end);
      continue;
    }
    seen = r.field(`kind ${KIND_LABELS[number]}`, LEN, seen, number);
    // A oneof holds one kind: a second one is refused rather than merged or "last one wins".
    if (state !== undefined) r.fail('a second kind (the oneof holds exactly one)');
    const stop = r.message(end);
    state = number === KIND.http ? readHttp(stop) : number === KIND.ws ? readWs(stop) : readTcp(stop);
  }
  if (state === undefined) throw bad('no kind (http, ws or tcp)');
  return state;
}

/**
 * Decodes a connection's state. Throws `ERR_BAD_STATE` (cause: the reader's `WsaError`) when it is
 * malformed, has no kind, or is over the 64 KiB of a duplication's message.
 */
export function decodeConnectionState(data: Uint8Array): ConnectionState {
  if (data.length > MAX_RECEIVED_STATE_BYTES) throw bad(`${data.length} bytes, over the ${MAX_RECEIVED_STATE_BYTES} a state may have`);
  try {
    return decode(data);
  } catch (error) {
    if (isWsaError(error)) throw bad(error.message.replace(/^WSAEINVAL: /, ''), error);
    throw error;
  } finally {
    r.release();
  }
}

/**
 * The kind of connection a state describes, so that a receiving process hands the socket to the
 * right adapter. Throws `ERR_BAD_STATE` as `decodeConnectionState` does.
 */
export function connectionKindOf(data: Uint8Array): ConnectionState['kind'] {
  return decodeConnectionState(data).kind;
}
