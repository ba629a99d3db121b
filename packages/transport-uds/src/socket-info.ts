import { constants } from 'node:os';
import { SCM_MAX_FD } from './constants.js';
import { checkFd } from './descriptors.js';
import { systemError, UdsError } from './errors.js';
import { loadBinding } from './load-binding.js';
import type { IpAddress, SocketAddresses } from './socket-addresses.js';

/**
 * What the kernel says a socket is: the facts a process checks before it trusts a descriptor it
 * received (that a socket claimed to be a connected TCP socket is one). Linux numbers, see
 * {@link LINUX}.
 */
export interface SocketInfo {
  /** `SO_DOMAIN`: the address family (`LINUX.AF_INET`, `LINUX.AF_INET6`, `LINUX.AF_UNIX`...). */
  domain: number;
  /** `SO_TYPE`: `LINUX.SOCK_STREAM`, `LINUX.SOCK_DGRAM`, `LINUX.SOCK_SEQPACKET`... */
  type: number;
  /** `SO_PROTOCOL`: `LINUX.IPPROTO_TCP`, `LINUX.IPPROTO_UDP`, 0 for `AF_UNIX`... */
  protocol: number;
  /** `SO_ACCEPTCONN`: the socket is listening. */
  acceptConn: boolean;
  /** `getpeername` succeeds: the kernel knows a peer (false for a listening or fresh socket, or a closed TCP one). */
  connected: boolean;
  /** `SO_COOKIE`: the kernel's unique id of the socket, equal in every process sharing it. */
  cookie: bigint;
  /**
   * Asked for (`{ addresses: true }`) and known: what {@link socketAddresses} would say (`peer` null
   * when not connected). Undefined when not asked for, and when the socket is not an IP socket or
   * `getsockname` failed (the addresses are extra: they never fail the description).
   */
  addresses?: SocketAddresses;
}

/** Options of {@link socketInfo} and {@link socketInfos}. */
export interface SocketInfoOptions {
  /**
   * Also read the local and peer addresses (`addresses`), in the same call into the addon and with
   * no more syscalls (the peer is read anyway; `getsockname`'s family stands in for `SO_DOMAIN`),
   * where a separate `socketAddresses` call costs a whole call into the addon.
   */
  addresses?: boolean;
}

// Layout of one slot written by the addon (describeSockets in native/descriptors.cc, kInfo*).
const INTS = 12;
const ERRNO = 0;
const SYSCALL = 1;
const DOMAIN = 2;
const TYPE = 3;
const PROTOCOL = 4;
const FLAGS = 5;
const LOCAL_FAMILY = 6;
const PEER_FAMILY = 9;
/** Each address's three ints: family, port, text length. */
const PORT = 1;
const LENGTH = 2;
/** Bytes per descriptor in the names array: the local address's text, then the peer's, 48 bytes each. */
const TEXT_BYTES = 48;
const NAME_BYTES = 2 * TEXT_BYTES;
const ACCEPT_CONN = 1;
const CONNECTED = 2;
const ENOTSOCK = constants.errno.ENOTSOCK;
const EBADF = constants.errno.EBADF;

// Scratch arrays for one call of up to SCM_MAX_FD descriptors (the most one message carries). One
// set for the process: the addon fills them synchronously and the results are read before returning.
const scratchFds = new Int32Array(SCM_MAX_FD);
const scratchOut = new Int32Array(SCM_MAX_FD * INTS);
const scratchCookies = new BigUint64Array(SCM_MAX_FD);
const scratchNames = Buffer.alloc(SCM_MAX_FD * NAME_BYTES);

/** The address whose three ints start at `at` (text at `textAt` in the names), or undefined when unknown. */
function address(at: number, textAt: number): IpAddress | undefined {
  const family = scratchOut[at] ?? 0;
  if (family !== 4 && family !== 6) return undefined;
  return {
    family,
    // latin1: inet_ntop's text is ASCII.
    address: scratchNames.toString('latin1', textAt, textAt + (scratchOut[at + LENGTH] ?? 0)),
    port: scratchOut[at + PORT] ?? 0,
  };
}

function addressesOf(index: number): SocketAddresses | undefined {
  const at = index * INTS;
  const local = address(at + LOCAL_FAMILY, index * NAME_BYTES);
  if (local === undefined) return undefined;
  return { local, peer: address(at + PEER_FAMILY, index * NAME_BYTES + TEXT_BYTES) ?? null };
}

function slot(index: number, fd: number, what: string, withAddresses: boolean): SocketInfo | null {
  const at = index * INTS;
  const errno = scratchOut[at + ERRNO] ?? 0;
  if (errno === ENOTSOCK) return null;
  if (errno !== 0) {
    const syscall = scratchOut[at + SYSCALL] === 1 ? 'getpeername' : 'getsockopt';
    if (errno === EBADF) {
      throw new UdsError('UDS_BAD_DESCRIPTOR', `${what}: descriptor ${fd} is not open (${syscall} failed with EBADF); pass a descriptor this process holds`, {
        errno,
        syscall,
      });
    }
    throw systemError(errno, syscall, `${what}: descriptor ${fd}`);
  }
  const flags = scratchOut[at + FLAGS] ?? 0;
  const info: SocketInfo = {
    domain: scratchOut[at + DOMAIN] ?? 0,
    type: scratchOut[at + TYPE] ?? 0,
    protocol: scratchOut[at + PROTOCOL] ?? 0,
    acceptConn: (flags & ACCEPT_CONN) !== 0,
    connected: (flags & CONNECTED) !== 0,
    cookie: scratchCookies[index] ?? 0n,
  };
  if (withAddresses) {
    const addresses = addressesOf(index);
    if (addresses !== undefined) info.addresses = addresses;
  }
  return info;
}

/**
 * Describes the socket behind `fd` in one call into the addon (`SO_DOMAIN`, `SO_TYPE`,
 * `SO_PROTOCOL`, `SO_ACCEPTCONN`, `SO_COOKIE`, `getpeername`; with `{ addresses: true }` also
 * `getsockname`, and both addresses); null when `fd` is open but not a socket. Throws UdsError `UDS_BAD_DESCRIPTOR` when `fd` is not open (or not a descriptor number),
 * else `UDS_SYSTEM` with `errno` and `syscall`.
 */
export function socketInfo(fd: number, options?: SocketInfoOptions): SocketInfo | null {
  checkFd(fd, 'socketInfo');
  const withAddresses = options?.addresses === true;
  scratchFds[0] = fd;
  loadBinding().describeSockets(scratchFds, 1, scratchOut, scratchCookies, withAddresses ? scratchNames : undefined);
  return slot(0, fd, 'socketInfo', withAddresses);
}

/**
 * {@link socketInfo} for many descriptors (a batch received in one message): one call into the
 * addon per {@link SCM_MAX_FD} descriptors. Element `i` equals `socketInfo(fds[i])`; when that would
 * throw (a descriptor that is not open), this throws the same error, naming the descriptor.
 */
export function socketInfos(fds: readonly number[], options?: SocketInfoOptions): Array<SocketInfo | null> {
  if (!Array.isArray(fds)) throw new UdsError('UDS_INVALID_ARGUMENT', 'socketInfos: fds must be an array of descriptors');
  for (const fd of fds) checkFd(fd, 'socketInfos');
  const native = loadBinding();
  const withAddresses = options?.addresses === true;
  const infos: Array<SocketInfo | null> = [];
  for (let from = 0; from < fds.length; from += SCM_MAX_FD) {
    const count = Math.min(SCM_MAX_FD, fds.length - from);
    for (let i = 0; i < count; i++) scratchFds[i] = fds[from + i] ?? -1;
    native.describeSockets(scratchFds, count, scratchOut, scratchCookies, withAddresses ? scratchNames : undefined);
    for (let i = 0; i < count; i++) infos.push(slot(i, fds[from + i] ?? -1, 'socketInfos', withAddresses));
  }
  return infos;
}
