/**
 * The messages of proto/sanshare/v1/server_control.proto (`ServerControlMessage`). Encoded with
 * protobufjs's `Writer` (writing needs no strictness), decoded with `WireReader` of
 * `@sanshare/protocol-info/wire`, the one strict protobuf reader every sanshare message is decoded
 * with. `control-codec.test.ts` parses the `.proto` with protobufjs and checks that both agree, so the
 * file stays the source of truth.
 */
import { isWsaError } from '@sanshare/protocol-info';
import { WireReader, WireType } from '@sanshare/protocol-info/wire';
import protobuf from 'protobufjs/minimal.js';
import { MAX_LISTENERS, MAX_NAME_BYTES } from './constants.js';
import { ServerError } from './errors.js';

/** Counts of a move as the sending process sees them (`Progress` in the .proto). */
export interface MoveCounts {
  /** What the move is doing: `moving`, `draining`, `fallback`, `exiting`, `done`... */
  phase: string;
  moved: number;
  remaining: number;
  refused: number;
  unserved: number;
  fallback: number;
  closed: number;
}

/** Why a joiner joins. */
export type ControlRole = 'successor' | 'worker';

/** A decoded control-channel message. */
export type ControlMessage =
  | { kind: 'hello'; version: number; pid: number; generation: number; role: ControlRole; listenersHeld: string[] }
  | { kind: 'welcome'; version: number; pid: number; generation: number; listeners: string[] }
  | { kind: 'ready'; pid: number }
  | { kind: 'progress'; progress: MoveCounts }
  | { kind: 'done'; socketsSent: number; totals: MoveCounts }
  | { kind: 'abort'; reason: string }
  | { kind: 'moveRequest'; requestId: number; targetPid: number; count: number }
  | { kind: 'status'; requestId: number; connections: number; move?: MoveCounts };

/** The `oneof body` field numbers, in .proto order. */
const BODY = { hello: 1, welcome: 2, ready: 3, progress: 4, done: 5, abort: 6, moveRequest: 7, status: 8 } as const;
const BODY_NAMES = ['', 'hello', 'welcome', 'ready', 'progress', 'done', 'abort', 'move_request', 'status'] as const;
const ROLES: readonly (ControlRole | undefined)[] = [undefined, 'successor', 'worker'];

const { VARINT, LEN } = WireType;
const tag = (field: number, wireType: number): number => ((field << 3) | wireType) >>> 0;

function violation(what: string, cause?: unknown): ServerError {
  return new ServerError(
    'ERR_CONTROL_PROTOCOL',
    `malformed control-channel message: ${what}; the peer does not speak server_control.proto version 1 (docs/server.md "Control channel")`,
    cause === undefined ? undefined : { cause },
  );
}

const isUint32 = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff;
const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

function checkName(name: string, what: string): void {
  if (typeof name !== 'string' || utf8Bytes(name) > MAX_NAME_BYTES) throw violation(`${what} must be a string of at most ${MAX_NAME_BYTES} bytes`);
}

function writeUint(w: protobuf.Writer, field: number, value: number, what: string): void {
  if (!isUint32(value)) throw violation(`${what} must be a uint32, got ${String(value)}`);
  if (value !== 0) w.uint32(tag(field, VARINT)).uint32(value);
}

function writeString(w: protobuf.Writer, field: number, value: string, what: string): void {
  checkName(value, what);
  if (value !== '') w.uint32(tag(field, LEN)).string(value);
}

function writeNames(w: protobuf.Writer, field: number, names: readonly string[], what: string): void {
  if (names.length > MAX_LISTENERS) throw violation(`${what} holds more than ${MAX_LISTENERS} names`);
  // A repeated string is written even when empty (presence of each element is what counts).
  for (const name of names) {
    checkName(name, what);
    w.uint32(tag(field, LEN)).string(name);
  }
}

function writeCounts(w: protobuf.Writer, c: MoveCounts): void {
  writeString(w, 1, c.phase, 'Progress.phase');
  writeUint(w, 2, c.moved, 'Progress.moved');
  writeUint(w, 3, c.remaining, 'Progress.remaining');
  writeUint(w, 4, c.refused, 'Progress.refused');
  writeUint(w, 5, c.unserved, 'Progress.unserved');
  writeUint(w, 6, c.fallback, 'Progress.fallback');
  writeUint(w, 7, c.closed, 'Progress.closed');
}

/** Encodes one control message (fields in field-number order, defaults omitted, as protobufjs does). */
export function encodeControlMessage(message: ControlMessage): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32(tag(BODY[message.kind], LEN)).fork();
  switch (message.kind) {
    case 'hello': {
      writeUint(w, 1, message.version, 'Hello.version');
      writeUint(w, 2, message.pid, 'Hello.pid');
      writeUint(w, 3, message.generation, 'Hello.generation');
      const role = ROLES.indexOf(message.role);
      if (role < 1) throw violation(`Hello.role must be 'successor' or 'worker', got ${String(message.role)}`);
      w.uint32(tag(4, VARINT)).uint32(role);
      writeNames(w, 5, message.listenersHeld, 'Hello.listeners_held');
      break;
    }
    case 'welcome':
      writeUint(w, 1, message.version, 'Welcome.version');
      writeUint(w, 2, message.pid, 'Welcome.pid');
      writeUint(w, 3, message.generation, 'Welcome.generation');
      writeNames(w, 4, message.listeners, 'Welcome.listeners');
      break;
    case 'ready':
      writeUint(w, 1, message.pid, 'Ready.pid');
      break;
    case 'progress':
      writeCounts(w, message.progress);
      break;
    case 'done':
      writeUint(w, 1, message.socketsSent, 'Done.sockets_sent');
      w.uint32(tag(2, LEN)).fork();
      writeCounts(w, message.totals);
      w.ldelim();
      break;
    case 'abort':
      if (typeof message.reason !== 'string') throw violation('Abort.reason must be a string');
      // A reason is for people: cut it to a size limit rather than refuse to say why.
      if (message.reason !== '') w.uint32(tag(1, LEN)).string(truncateUtf8(message.reason, MAX_NAME_BYTES * 16));
      break;
    case 'moveRequest':
      writeUint(w, 1, message.requestId, 'MoveRequest.request_id');
      writeUint(w, 2, message.targetPid, 'MoveRequest.target_pid');
      writeUint(w, 3, message.count, 'MoveRequest.count');
      break;
    case 'status':
      writeUint(w, 1, message.requestId, 'Status.request_id');
      writeUint(w, 2, message.connections, 'Status.connections');
      if (message.move !== undefined) {
        w.uint32(tag(3, LEN)).fork();
        writeCounts(w, message.move);
        w.ldelim();
      }
      break;
  }
  w.ldelim();
  return w.finish();
}

/** `text` cut to at most `maxBytes` of UTF-8, at a character boundary. */
function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  let out = text.slice(0, maxBytes);
  while (utf8Bytes(out) > maxBytes) out = out.slice(0, -1);
  return out;
}

/** One reader for every decode: a decode is synchronous and not re-entrant. */
const r = new WireReader('decodeControlMessage');

function readName(end: number): string {
  const value = r.string(end);
  if (utf8Bytes(value) > MAX_NAME_BYTES) r.fail(`more than ${MAX_NAME_BYTES} bytes`);
  return value;
}

function readNames(end: number, into: string[]): void {
  into.push(readName(end));
  if (into.length > MAX_LISTENERS) r.fail(`more than ${MAX_LISTENERS} names`);
}

function emptyCounts(): MoveCounts {
  return { phase: '', moved: 0, remaining: 0, refused: 0, unserved: 0, fallback: 0, closed: 0 };
}

const COUNT_FIELDS = ['', 'phase', 'moved', 'remaining', 'refused', 'unserved', 'fallback', 'closed'] as const;

function readCounts(end: number, path: string): MoveCounts {
  const c = emptyCounts();
  let seen = 0;
  while (r.pos < end) {
    const number = r.tag(end, path);
    if (number === 1) {
      seen = r.field('phase (1)', LEN, seen, 1);
      c.phase = readName(end);
    } else if (number >= 2 && number <= 7) {
      const name = COUNT_FIELDS[number] as Exclude<(typeof COUNT_FIELDS)[number], '' | 'phase'>;
      seen = r.field(`${name} (${number})`, VARINT, seen, number);
      c[name] = r.uint32(end);
    } else r.skip(number, end);
  }
  return c;
}

/** Reads the uint32 fields `names[number]` of a flat message; `names[0]` is unused. */
function readUints(end: number, path: string, names: readonly string[]): number[] {
  const out = names.map(() => 0);
  let seen = 0;
  while (r.pos < end) {
    const number = r.tag(end, path);
    if (number >= 1 && number < names.length) {
      seen = r.field(`${names[number] as string} (${number})`, VARINT, seen, number);
      out[number] = r.uint32(end);
    } else r.skip(number, end);
  }
  return out;
}

function readBody(number: number, end: number): ControlMessage {
  switch (number) {
    case BODY.hello: {
      const m: ControlMessage & { kind: 'hello' } = { kind: 'hello', version: 0, pid: 0, generation: 0, role: 'successor', listenersHeld: [] };
      let role = 0;
      let seen = 0;
      while (r.pos < end) {
        const n = r.tag(end, 'Hello');
        if (n === 1) {
          seen = r.field('version (1)', VARINT, seen, 1);
          m.version = r.uint32(end);
        } else if (n === 2) {
          seen = r.field('pid (2)', VARINT, seen, 2);
          m.pid = r.uint32(end);
        } else if (n === 3) {
          seen = r.field('generation (3)', VARINT, seen, 3);
          m.generation = r.uint32(end);
        } else if (n === 4) {
          seen = r.field('role (4)', VARINT, seen, 4);
          role = r.int32(end);
        } else if (n === 5) {
          r.repeated('listeners_held (5)', LEN);
          readNames(end, m.listenersHeld);
        } else r.skip(n, end);
      }
      const known = ROLES[role];
      if (known === undefined) throw violation(`Hello.role ${role} is not a known role (1 successor, 2 worker)`);
      m.role = known;
      if (m.pid === 0) throw violation('Hello.pid is zero');
      return m;
    }
    case BODY.welcome: {
      const m: ControlMessage & { kind: 'welcome' } = { kind: 'welcome', version: 0, pid: 0, generation: 0, listeners: [] };
      let seen = 0;
      while (r.pos < end) {
        const n = r.tag(end, 'Welcome');
        if (n >= 1 && n <= 3) {
          const name = (['', 'version', 'pid', 'generation'] as const)[n] as 'version' | 'pid' | 'generation';
          seen = r.field(`${name} (${n})`, VARINT, seen, n);
          m[name] = r.uint32(end);
        } else if (n === 4) {
          r.repeated('listeners (4)', LEN);
          readNames(end, m.listeners);
        } else r.skip(n, end);
      }
      if (m.pid === 0) throw violation('Welcome.pid is zero');
      return m;
    }
    case BODY.ready: {
      const [, pid = 0] = readUints(end, 'Ready', ['', 'pid']);
      if (pid === 0) throw violation('Ready.pid is zero');
      return { kind: 'ready', pid };
    }
    case BODY.progress:
      return { kind: 'progress', progress: readCounts(end, 'Progress') };
    case BODY.done: {
      const m: ControlMessage & { kind: 'done' } = { kind: 'done', socketsSent: 0, totals: emptyCounts() };
      let seen = 0;
      while (r.pos < end) {
        const n = r.tag(end, 'Done');
        if (n === 1) {
          seen = r.field('sockets_sent (1)', VARINT, seen, 1);
          m.socketsSent = r.uint32(end);
        } else if (n === 2) {
          seen = r.field('totals (2)', LEN, seen, 2);
          m.totals = readCounts(r.message(end), 'Done.totals');
        } else r.skip(n, end);
      }
      return m;
    }
    case BODY.abort: {
      let reason = '';
      let seen = 0;
      while (r.pos < end) {
        const n = r.tag(end, 'Abort');
        if (n === 1) {
          seen = r.field('reason (1)', LEN, seen, 1);
          reason = r.string(end);
        } else r.skip(n, end);
      }
      return { kind: 'abort', reason };
    }
    case BODY.moveRequest: {
      const [, requestId = 0, targetPid = 0, count = 0] = readUints(end, 'MoveRequest', ['', 'request_id', 'target_pid', 'count']);
      if (requestId === 0 || targetPid === 0) throw violation('MoveRequest.request_id and target_pid must be non-zero');
      return { kind: 'moveRequest', requestId, targetPid, count };
    }
    default: {
      const m: ControlMessage & { kind: 'status' } = { kind: 'status', requestId: 0, connections: 0 };
      let seen = 0;
      while (r.pos < end) {
        const n = r.tag(end, 'Status');
        if (n === 1) {
          seen = r.field('request_id (1)', VARINT, seen, 1);
          m.requestId = r.uint32(end);
        } else if (n === 2) {
          seen = r.field('connections (2)', VARINT, seen, 2);
          m.connections = r.uint32(end);
        } else if (n === 3) {
          seen = r.field('move (3)', LEN, seen, 3);
          m.move = readCounts(r.message(end), 'Status.move');
        } else r.skip(n, end);
      }
      return m;
    }
  }
}

function decode(data: Uint8Array): ControlMessage {
  const end = data.length;
  r.reset(data);
  let body: ControlMessage | undefined;
  let seen = 0;
  while (r.pos < end) {
    const number = r.tag(end, 'ServerControlMessage');
    if (number < 1 || number > 8) {
      r.skip(number, end);
      continue;
    }
    seen = r.field(`body ${BODY_NAMES[number] as string} (${number})`, LEN, seen, number);
    // A oneof holds one body: a second one (another member, or the same twice) is refused.
    if (body !== undefined) r.fail('a second body (the oneof holds exactly one)');
    body = readBody(number, r.message(end));
  }
  if (body === undefined) throw violation('no body (hello, welcome, ready, progress, done, abort, move_request or status)');
  return body;
}

/** Decodes one control message; throws `ERR_CONTROL_PROTOCOL` (cause: the reader's `WsaError`) when it is malformed or has no body. */
export function decodeControlMessage(data: Uint8Array): ControlMessage {
  try {
    return decode(data);
  } catch (error) {
    if (isWsaError(error)) throw violation(error.message.replace(/^WSAEINVAL: /, ''), error);
    throw error;
  } finally {
    r.release();
  }
}
