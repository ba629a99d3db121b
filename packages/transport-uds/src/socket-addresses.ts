import { checkFd } from './descriptors.js';
import { fromNativeError, UdsError } from './errors.js';
import { loadBinding } from './load-binding.js';

/** An IP socket address. */
export interface IpAddress {
  /** 4 or 6. */
  family: 4 | 6;
  /** Text form (`127.0.0.1`, `::1`, `::ffff:127.0.0.1`). */
  address: string;
  port: number;
}

/** A socket's two ends: `peer` is null when the kernel knows none (listening, fresh, or reset). */
export interface SocketAddresses {
  local: IpAddress;
  peer: IpAddress | null;
}

/**
 * The local and peer addresses of an IP socket (`getsockname` + `getpeername`), straight from its
 * descriptor in one call into the addon: what `net.Socket`'s `address()` / `remoteAddress` say,
 * without wrapping the descriptor in one (a `net.Socket` costs far more than the two syscalls).
 *
 * Throws UdsError `UDS_BAD_DESCRIPTOR` (not open), `UDS_NOT_A_SOCKET`, `UDS_INVALID_ARGUMENT` (not an
 * IP socket: AF_UNIX, say).
 */
export function socketAddresses(fd: number): SocketAddresses {
  checkFd(fd, 'socketAddresses');
  let raw: [number, string, number, number, string, number];
  try {
    raw = loadBinding().socketAddresses(fd);
  } catch (error) {
    const mapped = fromNativeError(error, 'socketAddresses');
    if ((error as { errno?: unknown }).errno === 97 /* EAFNOSUPPORT */) {
      throw new UdsError('UDS_INVALID_ARGUMENT', `socketAddresses: descriptor ${fd} is not an IPv4 or IPv6 socket; pass a TCP or UDP socket`, { cause: mapped });
    }
    throw mapped;
  }
  const [localFamily, localAddress, localPort, peerFamily, peerAddress, peerPort] = raw;
  return {
    local: { family: localFamily === 6 ? 6 : 4, address: localAddress, port: localPort },
    peer: peerFamily === 0 ? null : { family: peerFamily === 6 ? 6 : 4, address: peerAddress, port: peerPort },
  };
}
