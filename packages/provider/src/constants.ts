/**
 * The provider's named limits and defaults, and the Linux numbers its Winsock options map to.
 */

/** The SPI version this provider speaks: `MAKEWORD(2, 2)` (spi.ts `WINSOCK_VERSION_2_2`). */
export const PROVIDER_VERSION = 0x0202;

/** Default `maxSockets`: descriptors one provider instance hands out before `WSAEMFILE`. */
export const DEFAULT_MAX_SOCKETS = 65_536;
/** Default `maxPendingExports`: imports a target holds unclaimed before it answers `WSAENOBUFS`. */
export const DEFAULT_MAX_PENDING_EXPORTS = 1_024;
/**
 * Default `importTimeoutMs`: how long a target keeps an unclaimed import (and its descriptor).
 * The switch passes the protocol info over its own IPC; 30 s covers a slow hop without letting a
 * forgotten descriptor live on.
 */
export const DEFAULT_IMPORT_TIMEOUT_MS = 30_000;
/**
 * Default `handoffTimeoutMs`: how long WSPDuplicateSocket waits for the target's endpoint to answer,
 * and how long an import naming an export credit waits for that export to arrive.
 */
export const DEFAULT_HANDOFF_TIMEOUT_MS = 10_000;
/**
 * Readable high-water mark of the provider's `net.Socket`s. Node's 16 KiB default makes libuv stop
 * and restart reading (two epoll_ctl calls) around every 64 KiB chunk while WSPRecv pulls; 256 KiB
 * lets it keep reading. It also bounds the read-ahead a hand-off carries (about this plus one chunk).
 */
export const READ_HIGH_WATER_MARK = 256 * 1024;
/** Largest read-ahead an export message carries (the stream buffer holds at most ~320 KiB). */
export const MAX_READ_AHEAD_BYTES = 1024 * 1024;
/** Largest application message WSPDuplicateSocketWithMessage carries with a socket. */
export const MAX_APP_MESSAGE_BYTES = 64 * 1024;
/** Largest `Export` frame: the read-ahead, the application's message and the fixed fields. */
export const MAX_EXPORT_MESSAGE_BYTES = MAX_READ_AHEAD_BYTES + MAX_APP_MESSAGE_BYTES + 4096;
/** Default `maxBytes` of WSPRecv (spi.ts `RecvOptions`). */
export const DEFAULT_RECV_BYTES = 64 * 1024;
/** Version of the `Export` message (proto/sanshare/v1/export.proto). */
export const EXPORT_PROTOCOL_VERSION = 1;
/**
 * Free descriptors a target needs for a hand-off: one for the socket, one for the channel it may
 * have to accept. Fewer means a silent or closed channel was the target running out (`WSAEMFILE`).
 */
export const MIN_FREE_TARGET_DESCRIPTORS = 2;
/** While a fresh channel waits for its first reply, how often the source checks the target's descriptors. */
export const TARGET_PROBE_INTERVAL_MS = 100;
/**
 * Default `exportCredits`: credits a target keeps granted per channel (docs/provider.md "Export credits"): that many
 * exports may be in flight without waiting for their replies. Each reserves a pending-import slot
 * and a descriptor slot, so a target grants them only while it is this many slots clear of its limits.
 */
export const EXPORT_CREDIT_WINDOW = 8;
/** Largest `exportCredits`: a window that large already hides the reply hop under any load. */
export const MAX_EXPORT_CREDITS = 64;
/** Channels a source keeps open at once, one per target pid (docs/provider.md section 2): past it the oldest is closed. */
export const MAX_EXPORT_CHANNELS = 64;
/**
 * Exports a source tries when the target answers STATUS_ID_IN_USE (a random id already pending
 * there, 1 in 2^32 each time); then `WSAENOBUFS` (docs/provider.md section 5).
 */
export const MAX_EXPORT_ID_ATTEMPTS = 4;
/** Length of the import nonce. */
export const NONCE_BYTES = 16;

/** Linux socket option numbers (asm-generic/socket.h, netinet/tcp.h). */
export const LINUX = {
  SOL_SOCKET: 1,
  SO_TYPE: 3,
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  SO_KEEPALIVE: 9,
  SO_LINGER: 13,
  SO_COOKIE: 57,
  IPPROTO_TCP: 6,
  TCP_NODELAY: 1,
} as const;
