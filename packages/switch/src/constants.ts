/**
 * The switch's named defaults. Winsock numbers (error codes, flags, option names) live in
 * `@sanshare/protocol-info`; these are sanshare's own choices, each with its reason.
 */

/**
 * `ProviderId` of the catalog entries `defaultProtocolInfo` makes: one GUID for sanshare's SAN
 * provider, as each Windows provider has its own (MSAFD Tcpip's is {E70F1AA0-AB8B-11CF-8CA3-00805F48A192}).
 */
export const SANSHARE_PROVIDER_ID = '5a4e5348-4152-4553-9e2d-57535044534b';

/** The module a default catalog entry names: the real sanshare provider. */
export const DEFAULT_PROVIDER_MODULE = '@sanshare/provider';

/**
 * First catalog entry id handed out. Windows numbers its base entries from 1001; starting there keeps
 * ids recognisable in traces, and 0 stays free to mean "not installed".
 */
export const FIRST_CATALOG_ENTRY_ID = 1001;

/**
 * First switch descriptor. Switch descriptors start far from small numbers so that one is never
 * mistaken for a provider descriptor or a kernel fd in a trace; they are never reused within a
 * process (a stale descriptor gets `WSAENOTSOCK`, never somebody else's socket).
 */
export const FIRST_SWITCH_SOCKET = 0x1000;

/** The `format` tag and version of a catalog file (docs/switch.md of the sanshare repository, "Catalog"). */
export const CATALOG_FILE_FORMAT = 'sanshare-catalog';
export const CATALOG_FILE_VERSION = 1;

/** Default backlog of `listen` when none is given (Linux's SOMAXCONN). */
export const DEFAULT_BACKLOG = 4096;

/**
 * Largest protocol-info channel message accepted. A protocol info in protobuf form is under 1 KiB; 16 KiB
 * leaves room and refuses a peer that tries to make us buffer garbage.
 */
export const PROTOCOL_INFO_CHANNEL_MAX_MESSAGE_BYTES = 16 * 1024;

/** Default bound of a protocol-info channel wait (connect, pid request, receive) when no `timeoutMs` is given. */
export const PROTOCOL_INFO_CHANNEL_DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Protocol infos a channel holds for `receiveProtocolInfo` before it stops reading from the peer; the
 * peer's sends then wait (backpressure) instead of growing our memory. A hand-off needs one at a time.
 */
export const PROTOCOL_INFO_CHANNEL_MAX_QUEUED_INFOS = 16;

/** Channels a server holds for `accept()` before it closes new ones at once (default of `maxPendingChannels`). */
export const PROTOCOL_INFO_CHANNEL_MAX_PENDING = 16;

/**
 * Duplications of one descriptor whose outcome (`WPUNotifyDuplicateSettled`) the switch waits for at
 * once. A provider that never reports (the upcall is optional) would otherwise leave one record per
 * duplication for as long as the descriptor lives; past this bound the oldest is forgotten. Only the
 * newest duplication of a socket can hold its lock, so a forgotten one never leaves a socket locked.
 */
export const MAX_UNSETTLED_DUPLICATIONS_PER_DESCRIPTOR = 16;

/**
 * Duplications `WSADuplicateSocketBatch` keeps running at once for a provider without
 * `WSPDuplicateSocketBatch` (one `WSPDuplicateSocket` per socket). Enough to keep a provider's
 * hand-off path busy while one duplication waits for the target's answer; few enough that a batch of
 * thousands does not open thousands of connections and timers at once, nor hold thousands of
 * descriptors in flight (a non-root user's `sendmsg` fails with `ETOOMANYREFS` past `RLIMIT_NOFILE`).
 */
export const BATCH_FALLBACK_CONCURRENCY = 32;

/**
 * Largest application message of one duplication with a message (`WSADuplicateSocketBatch` checks
 * each item's up front). The limit sanshare's provider sets for `WSPDuplicateSocketWithMessage`
 * (64 KiB, its `MAX_APP_MESSAGE_BYTES`), the one its docs promise an application; an item over it
 * fails alone, before any socket is locked, instead of after the other items went.
 */
export const MAX_DUPLICATE_MESSAGE_BYTES = 64 * 1024;

/**
 * Most protocol infos in one `WSPSocketBatch` call (the SPI's limit: a provider's transport scratch
 * arrays are `SCM_MAX_FD`, 253, long). `WSASocketBatch` takes any number and splits them.
 */
export const MAX_SOCKET_BATCH_ITEMS = 253;
