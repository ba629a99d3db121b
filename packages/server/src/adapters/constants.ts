/**
 * Largest state a connection carries with its socket: the switch's `WSADuplicateSocketWithMessage`
 * takes a message of at most 64 KiB (the provider's `MAX_APP_MESSAGE_BYTES`), and the state travels in
 * it with an envelope (`MovedSocket`: a server name of up to 255 bytes, flags; under 300 bytes). The
 * limit leaves that room, so that the adapter's `detach` refuses a state that would not fit, while the
 * connection is still in service: refused later, once detached, the socket would come back with the
 * application's listeners still on it and be served twice.
 */
export const MAX_STATE_BYTES = 64 * 1024 - 512;

/** What a received state may have: the whole message (a sender of another version may leave less room). */
export const MAX_RECEIVED_STATE_BYTES = 64 * 1024;

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
