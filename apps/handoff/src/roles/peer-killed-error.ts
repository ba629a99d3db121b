/**
 * Thrown when a process of the hand-off stops waiting for the other one because the app killed that
 * one (fault injection, `--kill-source-at` / `--kill-destination-at`): the message names the process
 * and the step it was killed before.
 */
export class PeerKilledError extends Error {
  override readonly name = 'PeerKilledError' as const;
  readonly code = 'ERR_PEER_KILLED' as const;
}
