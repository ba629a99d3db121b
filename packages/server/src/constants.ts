/**
 * The versions this package's moves were tested with. Moving a connection at a safe point relies on
 * undocumented internals of Node's HTTP server (its parser, `socket._httpMessage`) and of `ws` (its
 * receiver's and sender's buffers): see the README's "Internals relied upon". Other versions may work;
 * these are the ones the suite proves.
 */
export const TESTED_VERSIONS = { node: '20.20.2', ws: '8.23.1' } as const;

/** The control channel's protocol version (`Hello.version`, `Welcome.version`); docs/server.md. */
export const CONTROL_PROTOCOL_VERSION = 1;

/**
 * The largest message that travels with a moved socket: the switch's `WSADuplicateSocketWithMessage`
 * limit (64 KiB, docs/provider.md section 9). The envelope (server name, flags) takes a few bytes of it.
 */
export const MAX_MOVE_MESSAGE_BYTES = 64 * 1024;

/** The largest control-channel message: every message is a few counters and names. */
export const MAX_CONTROL_MESSAGE_BYTES = 64 * 1024;

/** Longest listener or server name (bytes of UTF-8): names travel in every moved socket's message. */
export const MAX_NAME_BYTES = 255;

/** Most listener names one Hello or Welcome may carry. */
export const MAX_LISTENERS = 64;

/** How long a successor (or a worker) may take from its start to `ready()`, by default, in ms. */
export const DEFAULT_READY_TIMEOUT_MS = 30_000;

/**
 * How long a worker pool waits before it tries again to start a worker Node could not start (its binary
 * gone, no process or descriptor left), in ms: at once, the same failure would come back in a busy loop.
 */
export const WORKER_RESPAWN_RETRY_MS = 1_000;

/**
 * How long connections that cannot move yet (a response in flight, a fragmented message open...) get to
 * reach a safe point, by default, in ms; then the fallback (`Connection: close`, WebSocket close 1012).
 */
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

/**
 * After the fallback, how long the old process waits for the connections it still holds to end before
 * it destroys them and exits, by default, in ms.
 */
export const DEFAULT_EXIT_TIMEOUT_MS = 10_000;

/**
 * Moves in flight at once (freeze, detach, duplicate): four batches of the mover's
 * (`SEND_BATCH_SIZE`, 250), so that the successor imports one batch while the next is on the wire
 * and the next two are frozen and detached. Timeouts measure the target's silence, not this queue.
 */
export const MOVE_CONCURRENCY = 1_000;

/**
 * After the old process died, how long the successor keeps taking sockets that were already on their
 * way to it, in ms: each import is pending in its provider until claimed or expired (30 s by default).
 */
export const ORPHAN_RECEIVE_IDLE_MS = 2_000;

/** Environment variables a process started by this package reads (docs/server.md "Environment"). */
export const ENV = {
  /** `successor` or `worker`: why this process was started. */
  role: 'SANSHARE_SERVER_ROLE',
  /** The control socket of the process to talk to (the current generation, or the controller). */
  control: 'SANSHARE_SERVER_CONTROL',
  /** The pid of that process (checked against the control socket's `SO_PEERCRED`). */
  controlPid: 'SANSHARE_SERVER_CONTROL_PID',
  /** This process's generation: 1 for the first, counting up at each restart. */
  generation: 'SANSHARE_SERVER_GENERATION',
  /** Inherited listeners: `name=fd` pairs, comma-separated. */
  listenFds: 'SANSHARE_SERVER_LISTEN_FDS',
  /** A descriptor to write status lines to (`READY=1`, `MAINPID=n`), opened by a supervisor. */
  notifyFd: 'SANSHARE_SERVER_NOTIFY_FD',
  /** The runtime directory (provider endpoints and control sockets), the same in every process. */
  runtimeDir: 'SANSHARE_SERVER_RUNTIME_DIR',
  /** Set by `sanshare-server supervise` in each generation: the supervisor starts successors. */
  supervised: 'SANSHARE_SERVER_SUPERVISED',
  /**
   * Set by `sanshare-server supervise` in each generation: its pid, which `upgrade()` signals. Not the
   * parent: a wrapper (`npm start`, `sh -c`) may stand between them.
   */
  supervisorPid: 'SANSHARE_SERVER_SUPERVISOR_PID',
} as const;

/** Interval of the progress line on a terminal, in ms. */
export const PROGRESS_LINE_INTERVAL_MS = 200;

/** First delay of the supervisor's restart of a generation that crashed, doubling to the max, in ms. */
export const SUPERVISOR_BACKOFF_MS = { first: 100, max: 10_000 } as const;
