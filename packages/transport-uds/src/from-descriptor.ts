import { LINUX } from './constants.js';
import { Connection } from './connection.js';
import { fromNativeError, UdsError } from './errors.js';
import { resolveLimits } from './limits.js';
import { loadBinding } from './load-binding.js';
import { socketInfo } from './socket-info.js';
import type { ConnectionLimits, UdsConnection } from './types.js';

/**
 * Wraps a connected `AF_UNIX`/`SOCK_SEQPACKET` descriptor (from {@link seqpacketPair}, or received
 * in a message) as a connection, taking ownership of it. Throws UdsError `UDS_NOT_A_SOCKET` or
 * `UDS_INVALID_ARGUMENT` when `fd` is not such a socket or not connected, `UDS_BAD_DESCRIPTOR` when it is not open.
 */
export function fromDescriptor(fd: number, options: ConnectionLimits = {}): UdsConnection {
  const limits = resolveLimits(options);
  const native = loadBinding();
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) {
    throw new UdsError('UDS_BAD_DESCRIPTOR', `fromDescriptor: ${String(fd)} is not a descriptor number`);
  }
  const info = socketInfo(fd);
  if (info === null) throw new UdsError('UDS_NOT_A_SOCKET', `fromDescriptor: descriptor ${fd} is not a socket`);
  if (info.domain !== LINUX.AF_UNIX || info.type !== LINUX.SOCK_SEQPACKET) {
    throw new UdsError('UDS_INVALID_ARGUMENT', `fromDescriptor: descriptor ${fd} is not an AF_UNIX SOCK_SEQPACKET socket`);
  }
  if (!info.connected) {
    throw new UdsError('UDS_INVALID_ARGUMENT', `fromDescriptor: descriptor ${fd} is not connected (a listening or fresh socket); pass one end of a connected pair`);
  }
  try {
    const [pid, uid, gid] = native.peerCred(fd);
    return new Connection(native, fd, { pid, uid, gid }, limits);
  } catch (error) {
    throw fromNativeError(error, 'fromDescriptor');
  }
}
