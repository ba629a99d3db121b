import type net from 'node:net';

/** The libuv handle behind a `net.Socket` or `net.Server` (Node internals, Unix only). */
interface WithHandle {
  _handle?: { fd?: number } | null;
}

/**
 * The kernel descriptor of a Node socket or server, or undefined once it is closed. Node has no
 * public way to ask: the libuv handle's `fd` is read directly (the option calls and the hand-off
 * need the descriptor itself).
 */
export function descriptorOf(target: net.Socket | net.Server): number | undefined {
  const fd = (target as unknown as WithHandle)._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}
