/**
 * Largest state a connection carries with its socket: the switch's `WSADuplicateSocketWithMessage`
 * takes a message of at most 64 KiB (the provider's `MAX_APP_MESSAGE_BYTES`), and the state is that message.
 */
export const MAX_STATE_BYTES = 64 * 1024;

/**
 * How often a freeze re-checks a connection whose only wait is for written bytes to reach the kernel.
 * A socket emits `'drain'` only after a write that returned false; bytes queued below the high-water
 * mark leave with no event, so this one wait is polled (only while a connection is in it).
 */
export const FLUSH_POLL_MS = 5;

/**
 * Node's `HTTP_SERVER_KEEP_ALIVE_TIMEOUT_BUFFER` (lib/_http_server.js): http arms a socket's idle timer
 * at `keepAliveTimeout` plus this, "to reduce the likelihood of ECONNRESET errors". A moved-in
 * connection gets the same timer.
 */
export const KEEP_ALIVE_TIMEOUT_BUFFER_MS = 1000;

/**
 * The WebSocket close code of the fallback: 1012 "Service Restart" (IANA WebSocket Close Code
 * Number Registry): the server is restarting; a client may reconnect.
 */
export const WS_CLOSE_SERVICE_RESTART = 1012;

/** The close reason sent with 1012. */
export const WS_CLOSE_SERVICE_RESTART_REASON = 'service restart';
