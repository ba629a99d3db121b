/**
 * The provider's named limits and defaults, and the Linux numbers its Winsock options map to.
 */

/** The SPI version this provider speaks: `MAKEWORD(2, 2)` (spi.ts `WINSOCK_VERSION_2_2`). */
export const PROVIDER_VERSION = 0x0202;

/** Default `maxSockets`: descriptors one provider instance hands out before `WSAEMFILE`. */
export const DEFAULT_MAX_SOCKETS = 65_536;
/**
 * Default `maxPendingExports`: imports a target holds unclaimed before it answers `WSAENOBUFS`. High
 * enough that a whole server's connections (10,000 and more) can be pending for one target at once: a
 * pending import costs a descriptor (counted in `maxSockets`) and the bytes it carries (bounded by
 * `maxPendingBytes`), not much else.
 */
export const DEFAULT_MAX_PENDING_EXPORTS = 16_384;
/**
 * Default `maxPendingBytes`: read-ahead plus application messages that a target's unclaimed imports
 * hold at once; an export that would go past it is answered `WSAENOBUFS` (one import is always taken
 * when none holds any byte). 256 MiB: 10,000 imports each carrying a 16 KiB read-ahead and a 4 KiB
 * message fit, while 10,000 read-aheads of 1 MiB (10 GiB) cannot pile up.
 */
export const DEFAULT_MAX_PENDING_BYTES = 256 * 1024 * 1024;
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
/**
 * Most exports in one `ExportBatch`: one descriptor each, and one `SCM_RIGHTS` message carries at most
 * 253 (the kernel's `SCM_MAX_FD`). A decoder refuses more.
 */
export const MAX_BATCH_EXPORTS = 253;
/**
 * Largest `ExportBatch` frame a source builds: the same bound as a single `Export` frame (a batch is
 * split so that no message exceeds it), so both ends keep one `maxMessageBytes` and a target never
 * holds more than that of one message. An export of 1 MiB of read-ahead travels alone in its batch
 * message; exports without read-ahead (about 80 bytes each) fill one up to 253.
 */
export const MAX_BATCH_MESSAGE_BYTES = MAX_EXPORT_MESSAGE_BYTES;
/**
 * Batch messages a source keeps written and unanswered on a channel at once: the target reads the
 * next one while this source handles the previous reply, and the kernel's queue of in-flight
 * descriptors (counted against the user's RLIMIT_NOFILE when not root) stays small.
 */
export const BATCH_MESSAGES_IN_FLIGHT = 2;
/** Default `maxBytes` of WSPRecv (spi.ts `RecvOptions`). */
export const DEFAULT_RECV_BYTES = 64 * 1024;
/**
 * Version of the hand-off protocol (proto/sanshare/v1/export.proto), the `Export`'s `version`: 2 since
 * every frame is an envelope (`SourceFrame`, `TargetFrame`) and targets send `ExportNotice`s. A target
 * refuses any other version (a version-1 source gets a version-1 reply that says so).
 */
export const EXPORT_PROTOCOL_VERSION = 2;
/**
 * Most ids in one list of an `ExportNotice`: a decoder refuses more (it bounds what one frame makes a
 * source allocate), so a target sends a larger batch of ids as several notices.
 */
export const MAX_NOTICE_IDS = 4096;
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
/**
 * IP protocols of another socket type than SOCK_STREAM (IANA protocol numbers: ICMP 1, UDP 17,
 * ICMPv6 58): WSPSocket(SOCK_STREAM, one of these) is `WSAEPROTOTYPE` ("a protocol that is the
 * wrong type for the socket", winsock2.h), any other unknown one `WSAEPROTONOSUPPORT`.
 */
export const DATAGRAM_PROTOCOLS: ReadonlySet<number> = new Set([1, 17, 58]);
/**
 * A socket file in the runtime directory younger than this is never taken for stale at a provider's
 * start (stale-endpoints.ts): a provider that is starting binds its file a moment before it listens,
 * and a connect in between is refused as if it were dead.
 */
export const STALE_ENDPOINT_MIN_AGE_MS = 1_000;
/** How long a provider's start waits on one endpoint's connect to tell whether it is alive (a full backlog is alive). */
export const STALE_PROBE_TIMEOUT_MS = 200;
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
