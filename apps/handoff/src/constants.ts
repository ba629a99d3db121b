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
