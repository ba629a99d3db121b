/**
 * Limits and numbers of the transport. Wire-format values are documented byte by byte in
 * `docs/wire-uds.md`; change them only together with that file and {@link WIRE_VERSION}.
 */

/** Default largest message payload a connection accepts or sends: 1 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/** Default most descriptors one message may carry. */
export const DEFAULT_MAX_FDS_PER_MESSAGE = 16;

/** Default bound of a connection's queue of received, not yet consumed messages. */
export const DEFAULT_MAX_QUEUED_MESSAGES = 64;

/** Default bound of a listener's queue of accepted connections nobody has taken yet. */
export const DEFAULT_MAX_PENDING_CONNECTIONS = 64;

/**
 * After accept(2) fails with EMFILE, ENFILE or ENOBUFS, accepting pauses this long: the peer waits
 * in the kernel's backlog, and level-triggered polling would otherwise report it again at once,
 * spinning the loop.
 */
export const ACCEPT_PAUSE_MS = 100;

/**
 * While a listener's backlog is full, connect(2) fails with EAGAIN (the listener is alive but
 * behind): `connect` tries again after 1 ms, doubling up to this, until its deadline.
 */
export const CONNECT_RETRY_MAX_MS = 50;

/**
 * `ETOOMANYREFS` (Linux asm-generic/errno.h), missing from Node's `os.constants.errno`: sendmsg(2)
 * returns it, sending nothing, when the sending user already has more descriptors in flight (sent
 * over Unix sockets, not yet received by anyone) than the sender's `RLIMIT_NOFILE` (the kernel's
 * `too_many_unix_fds`; a process with `CAP_SYS_RESOURCE` or `CAP_SYS_ADMIN`, such as root, is
 * exempt). It also means a Unix socket nested in flight deeper than the kernel allows.
 */
export const ETOOMANYREFS = 109;

/**
 * A send refused with {@link ETOOMANYREFS} is tried again after 1 ms, doubling up to this, until the
 * receivers have taken enough descriptors (nothing tells the sender when: the count is per user,
 * over every socket) or the send's deadline passes.
 */
export const IN_FLIGHT_RETRY_MAX_MS = 50;

/** Backlog passed to listen(2). */
export const LISTEN_BACKLOG = 128;

/**
 * The kernel's hard limit of descriptors in one SCM_RIGHTS message (`SCM_MAX_FD` in
 * include/net/scm.h); a configured maximum above it could never be honoured.
 */
export const SCM_MAX_FD = 253;

/**
 * Longest socket path in bytes: `sizeof(sockaddr_un.sun_path)` is 108 on Linux, one of which is the
 * terminating NUL.
 */
export const SUN_PATH_MAX = 107;

/** Frame magic: the ASCII bytes "SSUD" (sanshare Unix domain). */
export const FRAME_MAGIC = 0x44555353; // read as little-endian u32

/** Version of the wire format in every record header. A peer with another version is refused. */
export const WIRE_VERSION = 1;

/** Bytes of the header that starts every record. */
export const HEADER_BYTES = 16;

/**
 * Largest record (header included). Messages above `RECORD_MAX_BYTES - HEADER_BYTES` are sent as
 * several records; 64 KiB keeps one record well inside the default socket send buffer
 * (net.core.wmem_default, 208 KiB), so a record never fails with EMSGSIZE.
 */
export const RECORD_MAX_BYTES = 64 * 1024;

/** Record flag: another record of the same message follows. */
export const FLAG_MORE = 0x01;

/** Record flag: this record continues a message begun by an earlier record. */
export const FLAG_CONTINUATION = 0x02;

/** Every flag bit this version defines; the others must be zero. */
export const KNOWN_FLAGS = FLAG_MORE | FLAG_CONTINUATION;

/**
 * Linux numbers for socket options and families, for {@link getSockOptInt} and friends.
 * Values from the Linux UAPI headers (asm-generic/socket.h, netinet/in.h, netinet/tcp.h).
 */
export const LINUX = {
  SOL_SOCKET: 1,
  SO_TYPE: 3,
  SO_ERROR: 4,
  SO_KEEPALIVE: 9,
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  SO_REUSEADDR: 2,
  SO_LINGER: 13,
  SO_PEERCRED: 17,
  SO_ACCEPTCONN: 30,
  SO_DOMAIN: 39,
  SO_PROTOCOL: 38,
  SO_COOKIE: 57,
  IPPROTO_TCP: 6,
  IPPROTO_UDP: 17,
  TCP_NODELAY: 1,
  TCP_KEEPIDLE: 4,
  TCP_KEEPINTVL: 5,
  TCP_KEEPCNT: 6,
  AF_UNIX: 1,
  AF_INET: 2,
  AF_INET6: 10,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOCK_SEQPACKET: 5,
} as const;
