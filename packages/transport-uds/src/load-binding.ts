import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UdsError } from './errors.js';

/** A uv_poll_t on Node's event loop, watching one descriptor. */
export interface NativePoller {
  /** Starts (or changes) watching: a mask of {@link POLL_READABLE}, {@link POLL_WRITABLE}. */
  start(events: number): void;
  stop(): void;
  /** Stops for good; the descriptor stays open and may be closed right after. */
  close(): void;
  ref(): void;
  unref(): void;
}

/** The addon's surface (native/binding.cc registers it). Hot-path calls return `-errno` instead of throwing. */
export interface NativeBinding {
  listen(path: string, backlog: number): number;
  connect(path: string): number;
  socketpair(): [number, number];
  accept(fd: number): number;
  peerCred(fd: number): [number, number, number];
  sendmsg(
    fd: number,
    head: Uint8Array,
    body: Uint8Array,
    bodyOffset: number,
    bodyLength: number,
    fds: Int32Array | null,
    nfds: number,
  ): number;
  recvmsg(fd: number, buf: Uint8Array, meta: Int32Array, maxFds: number): number;
  closeFd(fd: number): void;
  dupFd(fd: number): number;
  isOpen(fd: number): boolean;
  getSockOptInt(fd: number, level: number, name: number): number;
  setSockOptInt(fd: number, level: number, name: number, value: number): void;
  getSocketCookie(fd: number): bigint;
  getLinger(fd: number): [number, number];
  setLinger(fd: number, onoff: number, seconds: number): void;
  /** Describes fds[0..count): six ints per descriptor in `out`, its SO_COOKIE in `cookies` (src/socket-info.ts). */
  describeSockets(fds: Int32Array, count: number, out: Int32Array, cookies: BigUint64Array, names?: Uint8Array): void;
  socketAddresses(fd: number): [number, string, number, number, string, number];
  sendDatagram(path: string, data: Uint8Array): number;
  Poller: new (fd: number, callback: (status: number, events: number) => void) => NativePoller;
  SUN_PATH_MAX: number;
}

/** uv_poll event bits (UV_READABLE, UV_WRITABLE, UV_DISCONNECT). */
export const POLL_READABLE = 1;
export const POLL_WRITABLE = 2;
export const POLL_DISCONNECT = 4;

/** recvmsg meta[1] bits, as set by native/message.cc (kFlag*). */
export const RECV_TRUNC = 1;
export const RECV_CTRUNC = 2;
export const RECV_EOF = 4;
export const RECV_OVER_LIMIT = 8;

const REQUIRED: readonly string[] = [
  'listen', 'connect', 'socketpair', 'accept', 'peerCred', 'sendmsg', 'recvmsg', 'closeFd', 'dupFd',
  'isOpen', 'getSockOptInt', 'setSockOptInt', 'getSocketCookie', 'getLinger', 'setLinger',
  'describeSockets', 'socketAddresses', 'sendDatagram', 'Poller',
];

let cached: NativeBinding | undefined;

const E = constants.errno;

/**
 * EMFILE or ENFILE when loading failed for want of a descriptor: Node's `require` of a module says so
 * in `code`, a failed `dlopen` of the addon only in its message (the C library's strerror text).
 */
function outOfDescriptors(cause: unknown): number | undefined {
  const code = (cause as { code?: unknown } | null)?.code;
  if (code === 'EMFILE') return E.EMFILE;
  if (code === 'ENFILE') return E.ENFILE;
  const message = cause instanceof Error ? cause.message : '';
  if (message.includes('Too many open files in system')) return E.ENFILE;
  if (message.includes('Too many open files')) return E.EMFILE;
  return undefined;
}

/**
 * Loads the addon once, lazily (importing the package never touches native code).
 *
 * This file runs from `src/` under vitest and from `dist/index.js` / `dist/index.cjs` once built
 * (tsup bundles it, and shims `import.meta.url` in the CJS build): in every case the package root,
 * where node-gyp-build looks for `build/Release/*.node` and `prebuilds/<platform>-<arch>/*.node`,
 * is the parent of this file's directory.
 */
export function loadBinding(): NativeBinding {
  if (cached !== undefined) return cached;
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  let loaded: unknown;
  try {
    const require = createRequire(import.meta.url);
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
    loaded = nodeGypBuild(root);
  } catch (cause) {
    const outOf = outOfDescriptors(cause);
    if (outOf !== undefined) {
      // Loading opens files (node-gyp-build's module, the addon itself): a process at its open-file
      // limit cannot, though nothing is wrong with the addon. Not cached: the next call loads it once
      // a descriptor is free.
      throw new UdsError(
        'UDS_SYSTEM',
        `@sanshare/transport-uds: the native addon could not be loaded because this process has no free descriptor (${outOf === E.EMFILE ? 'EMFILE: its open-file limit, RLIMIT_NOFILE, is reached' : 'ENFILE: the system-wide file table is full'}); close descriptors (or raise the limit) and call again`,
        { errno: outOf, syscall: 'open', cause },
      );
    }
    throw new UdsError(
      'UDS_NATIVE_UNAVAILABLE',
      `@sanshare/transport-uds: the native addon could not be loaded from ${root} ` +
        `(${process.platform}-${process.arch}); build it with \`node-gyp rebuild\` in that directory`,
      { cause },
    );
  }
  if (typeof loaded !== 'object' || loaded === null) {
    throw new UdsError('UDS_NATIVE_UNAVAILABLE', `the native addon in ${root} is not an object`);
  }
  const record = loaded as Record<string, unknown>;
  const missing = REQUIRED.filter((name) => typeof record[name] !== 'function');
  if (missing.length > 0) {
    throw new UdsError(
      'UDS_NATIVE_UNAVAILABLE',
      `the native addon in ${root} is stale (missing ${missing.join(', ')}); rebuild it`,
    );
  }
  cached = loaded as NativeBinding;
  return cached;
}
