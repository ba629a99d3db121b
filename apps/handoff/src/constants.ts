/**
 * The sample's named numbers. Bounds on waits are safety nets: a healthy run never comes near them,
 * and a broken one ends with a clear error instead of hanging (the app's `--timeout-ms` is the last one).
 */

/** Records (12 bytes each) each side sends per phase of the hand-off, and peer records each reads at least. */
export const RECORDS_PER_PHASE = 16;

/** Longest wait for one receive on a connection whose peer streams or echoes continuously. */
export const RECV_TIMEOUT_MS = 10_000;

/** Longest wait for a quick exchange with a running process: a pid request, a TCP connect. */
export const QUICK_TIMEOUT_MS = 10_000;

/**
 * Longest wait for another process to get somewhere: to connect to a channel, to send a protocol
 * info back, to accept. Covers a process starting up (Node, the switch, the provider, the addon).
 */
export const PROCESS_TIMEOUT_MS = 20_000;

/** How long a process waits at its end for descriptors that other processes' cleanup will close. */
export const LEAK_GRACE_MS = 3_000;

/** The server processes of `restart` and `workers` listen here (loopback only: the load is local). */
export const LOAD_HOST = '127.0.0.1';

/**
 * Answers per second the clients of `restart` and `workers` ask for in all, whatever the number of
 * connections: each connection sends its next request this long after its answer, `connections /
 * LOAD_ANSWERS_PER_SECOND` seconds (at least `LOAD_MIN_INTERVAL_MS`). Enough that every connection is
 * busy around a move, little enough for a 2-core machine running the servers and clients together.
 */
export const LOAD_ANSWERS_PER_SECOND = 2_000;
export const LOAD_MIN_INTERVAL_MS = 50;

/** Connections a client process holds at most: 10,000 connections take 4 processes (and at least 2 run). */
export const CONNECTIONS_PER_CLIENT_PROCESS = 2_500;

/** Connects a client process has in progress at once while it opens its connections (the listen backlog is 511). */
export const CLIENT_CONNECT_CONCURRENCY = 64;

/**
 * Descriptors a process needs beyond one per connection: Node's own, the switch's and provider's Unix
 * sockets, the connector's short connections, sockets on their way in a move.
 */
export const DESCRIPTOR_MARGIN = 512;

/**
 * The `http.Server`'s keep-alive timeout in `restart` and `workers`: longer than the longest pause a
 * client takes between two requests (5 s at 10,000 connections), so that no idle connection is closed
 * by the server; the clients' own keep-alive follows the server's `Keep-Alive: timeout` hint.
 */
export const HTTP_KEEP_ALIVE_MS = 120_000;

/** Answers each connection must get after a move (from the new server process, where answers say which). */
export const ANSWERS_AFTER_MOVE = 2;

/** The steady connector's connect loops, and its pause between two connects of one loop. */
export const CONNECTOR_LOOPS = 2;
export const CONNECTOR_PAUSE_MS = 10;

/** A connect that no server process answers within this long is counted as unserved (it sat in a backlog, or was dropped). */
export const UNSERVED_AFTER_MS = 15_000;

/** The longest the app stays silent (text mode) while a run of `restart` or `workers` waits: then it says what for. */
export const PROGRESS_EVERY_MS = 2_000;

/** A client process says how far it got this often while it opens its connections or awaits answers, in ms. */
export const CLIENT_PROGRESS_MS = 5_000;

/** How long connections get to reach a safe point in a restart or a drain before the package's fallback. */
export const DRAIN_TIMEOUT_MS = 60_000;
