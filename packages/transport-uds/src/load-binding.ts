import { createRequire } from 'node:module';
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
