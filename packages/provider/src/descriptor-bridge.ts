/**
 * The bridge between provider sockets and plain descriptors (extensions): WSPAdoptDescriptor makes a
 * connected TCP descriptor from elsewhere (a `net.Socket` taken out with transport-uds's
 * `detachNetSocket`, say), or a listening one (a `net.Server`'s), a provider socket;
 * WSPDetachDescriptor gives one back as a descriptor and its read-ahead (none for a listener), and
 * closes the provider's descriptor.
 */
import { kindOf } from '@sanshare/internal';
import { AF, IPPROTO, SOCK, WsaError, type Socket } from '@sanshare/protocol-info';
import { closeFd, closeQuietly, dupFd, getSockOptInt, LINUX, socketInfo, type SocketAddresses, type SocketInfo, type SocketInfoOptions } from '@sanshare/transport-uds';
import { toWsaError } from './errors.js';
import { closeSocket } from './close-socket.js';
import type { ProviderState } from './provider-state.js';
import { assertNothingQueued, newListeningState } from './listening-socket.js';
import { knownAddresses } from './socket-addresses.js';
import { newSocketEntry, type ListeningEntry } from './socket-entry.js';
import { StreamSocket } from './stream-socket.js';

export async function adoptDescriptor(state: ProviderState, fd: number, readAhead?: Uint8Array): Promise<Socket> {
  if (!Number.isInteger(fd) || fd < 0) throw new WsaError('WSAEINVAL', `${String(fd)} is not a descriptor`);
  // WSPAdoptDescriptors' check: anything else (a string, say) would become bytes the peer never sent.
  if (readAhead !== undefined && !(readAhead instanceof Uint8Array)) throw new WsaError('WSAEFAULT', `readAhead must be a Uint8Array, got ${kindOf(readAhead)}`);
  state.sockets.requireRoom();
  // Three getsockopt calls (SO_ACCEPTCONN, SO_TYPE, SO_DOMAIN), not socketInfo's six: every
  // connection a server moves passes here, and its peer and protocol are not needed; a listener
  // (rare) is described in full.
  const acceptConn = socketOption(fd, LINUX.SO_ACCEPTCONN);
  if (acceptConn !== 0) return adoptListener(state, fd, describe(fd), readAhead);
  const type = socketOption(fd, LINUX.SO_TYPE);
  // A `net.Socket` refused such a descriptor when it wrapped it at once; unwrapped, it is refused here.
  if (type !== LINUX.SOCK_STREAM) throw notStream(fd, type);
  return adoptStream(state, fd, socketOption(fd, LINUX.SO_DOMAIN), readAhead);
}

/**
 * A connected stream descriptor of Linux domain `domain`, checked, as a provider socket. `described`:
 * what the caller read already (WSPAdoptDescriptors' `socketInfos`): the addresses are kept in the
 * entry, so that the switch's access-control key costs no syscall, and the cookie spares asking the
 * kernel for it again.
 */
export function adoptStream(state: ProviderState, fd: number, domain: number, readAhead: Uint8Array | undefined, described?: { addresses?: SocketAddresses; cookie: bigint }): Socket {
  // The descriptor itself, unwrapped: a socket adopted to be handed on (what a server's move does
  // with every connection) never pays for a `net.Socket`, nor for a duplicate of its descriptor;
  // StreamSocket wraps it on first I/O, as it does an imported one. The family is the descriptor's
  // domain, as `remoteFamily` would have reported it. Nothing below touches the descriptor before
  // `register` succeeds: on failure it is still the caller's, open, as it came.
  // A Unix stream socket (a `net.Socket` over a path) is no TCP socket: taken for AF_INET, it would
  // answer no name and could not be duplicated.
  const af = ADOPTED_FAMILY.get(domain);
  if (af === undefined) throw new WsaError('WSAEINVAL', `descriptor ${fd} is a stream socket of domain ${domain}: this provider adopts TCP sockets over IPv4 or IPv6 only`);
  const entry = newSocketEntry(af, SOCK.STREAM, IPPROTO.TCP);
  entry.state = 'stream';
  entry.stream = new StreamSocket(fd, readAhead);
  entry.addresses = knownAddresses(described?.addresses, false);
  entry.shared = state.sharedOptions.share(entry.shared, fd, undefined, described?.cookie);
  try {
    return state.sockets.register(entry);
  } catch (error) {
    state.sharedOptions.unshare(entry.shared);
    throw error;
  }
}

/** Why a descriptor of socket type `type` is refused (a `net.Socket` refused such a descriptor when it wrapped it at once). */
export function notStream(fd: number, type: number): WsaError {
  return new WsaError('WSAEINVAL', `descriptor ${fd} is not a stream socket (type ${type}): this provider adopts connected TCP sockets`);
}

/** `SOL_SOCKET` option `name` of `fd`; `WSAENOTSOCK` when `fd` is not an open socket. */
function socketOption(fd: number, name: number): number {
  try {
    return getSockOptInt(fd, LINUX.SOL_SOCKET, name);
  } catch (error) {
    // ENOTSOCK and EBADF map to WSAENOTSOCK.
    throw toWsaError(error, `descriptor ${fd} is not a socket`, 'WSAENOTSOCK');
  }
}

/** What the kernel says `fd` is, in full (`socketInfo`); `WSAENOTSOCK` when it is not an open socket. */
export function describe(fd: number, options?: SocketInfoOptions): SocketInfo {
  let info: SocketInfo | null;
  try {
    info = socketInfo(fd, options);
  } catch (error) {
    throw toWsaError(error, `descriptor ${fd} is not a socket`, 'WSAENOTSOCK');
  }
  if (info === null) throw new WsaError('WSAENOTSOCK', `descriptor ${fd} is not a socket`);
  return info;
}

/**
 * A listening TCP descriptor (a Node `net.Server`'s, say) as a provider listener. It does not accept
 * until its first WSPAccept: adopted to be duplicated, it takes no connection on the way.
 */
export function adoptListener(state: ProviderState, fd: number, info: SocketInfo, readAhead: Uint8Array | undefined): Socket {
  const af = ADOPTED_FAMILY.get(info.domain);
  if (af === undefined || info.type !== LINUX.SOCK_STREAM || info.protocol !== LINUX.IPPROTO_TCP) {
    throw new WsaError('WSAEINVAL', `descriptor ${fd} is a listening socket of domain ${info.domain}, type ${info.type}, protocol ${info.protocol}: this provider takes TCP over IPv4 or IPv6 only`);
  }
  if (readAhead !== undefined && readAhead.length > 0) throw new WsaError('WSAEINVAL', `descriptor ${fd} is a listening socket: it has no bytes to read ahead`);
  const entry = newSocketEntry(af, SOCK.STREAM, IPPROTO.TCP);
  entry.state = 'listening';
  // Our own descriptor: the caller's is closed only on success (on failure it is still theirs).
  entry.listening = newListeningState(dupFd(fd));
  // Its local address, when the description read it (WSPAdoptDescriptors): the switch asks it next.
  entry.addresses = knownAddresses(info.addresses, true);
  try {
    const s = state.sockets.register(entry);
    closeFd(fd);
    return s;
  } catch (error) {
    closeQuietly(entry.listening.fd);
    throw error;
  }
}

/** The Winsock family of each Linux domain an adopted socket (connected or listening) may have. */
const ADOPTED_FAMILY: ReadonlyMap<number, number> = new Map([
  [LINUX.AF_INET, AF.INET],
  [LINUX.AF_INET6, AF.INET6],
]);

/**
 * WSPDetachDescriptor of a listener: its descriptor (the caller listens on it, `server.listen({ fd })`),
 * and no read-ahead. `WSAEWOULDBLOCK` while it holds connections no WSPAccept took.
 */
async function detachListener(state: ProviderState, s: Socket, entry: ListeningEntry): Promise<{ fd: number; readAhead: Uint8Array }> {
  await entry.duplications;
  assertNothingQueued(s, entry.listening, 'WSPDetachDescriptor');
  const fd = dupFd(entry.listening.fd);
  try {
    await closeSocket(state, s);
  } catch (error) {
    closeQuietly(fd);
    throw error;
  }
  return { fd, readAhead: new Uint8Array(0) };
}

export async function detachDescriptor(state: ProviderState, s: Socket): Promise<{ fd: number; readAhead: Uint8Array }> {
  const candidate = state.sockets.require(s);
  if (candidate.state === 'listening' && candidate.listening !== undefined) return detachListener(state, s, candidate as ListeningEntry);
  const entry = state.sockets.connected(s);
  await entry.duplications;
  const readAhead = Buffer.from(await entry.stream.stopForHandoff());
  // An unwrapped socket gives its own descriptor (no net.Socket holds it); a wrapped one a duplicate.
  const released = entry.stream.releaseDescriptor();
  const fd = released ?? dupFd(entry.stream.fd);
  entry.stream.commitHandoff();
  try {
    await closeSocket(state, s);
  } catch (error) {
    // Released or duplicated, `fd` is this call's own until it is returned.
    closeQuietly(fd);
    throw error;
  }
  return { fd, readAhead };
}
