/** A socket's addresses: WSPBind, WSPGetSockName, WSPGetPeerName, and the checks of an address argument. */
import net from 'node:net';
import { AF, WsaError, type SockAddr, type Socket } from '@sanshare/protocol-info';
import { socketAddresses, type SocketAddresses } from '@sanshare/transport-uds';
import { pick } from './errors.js';
import type { ProviderState } from './provider-state.js';
import type { ListeningState, SocketEntry } from './socket-entry.js';
import type { StreamSocket } from './stream-socket.js';

/** Node's family number (`net.isIP`) of a Winsock address family. */
export function familyOf(af: number): 4 | 6 {
  return af === AF.INET6 ? 6 : 4;
}

/** Throws unless `name` is an address of family `af` with a valid port (0 allowed for WSPBind). */
export function checkAddress(af: number, name: SockAddr, allowPortZero: boolean): void {
  if (typeof name !== 'object' || name === null || typeof name.address !== 'string') {
    throw new WsaError('WSAEINVAL', 'the address must be { address, port }');
  }
  if (net.isIP(name.address) !== familyOf(af)) {
    throw new WsaError(pick(['WSAEAFNOSUPPORT'], 'WSAEINVAL'), `${name.address} is not an IPv${familyOf(af)} address`);
  }
  if (!Number.isInteger(name.port) || name.port < (allowPortZero ? 0 : 1) || name.port > 65535) {
    throw new WsaError(pick(['WSAEADDRNOTAVAIL'], 'WSAEINVAL'), `invalid port ${String(name.port)}`);
  }
}

/** WSPBind: remembered until WSPConnect or WSPListen creates the kernel socket. */
export function bindSocket(state: ProviderState, s: Socket, name: SockAddr): void {
  const entry = state.sockets.require(s);
  if (entry.state !== 'new' || entry.bound !== undefined) throw new WsaError('WSAEINVAL', `socket ${s} is already bound`);
  checkAddress(entry.af, name, true);
  entry.bound = { address: name.address, port: name.port };
}

/**
 * `addresses` when they may be kept in a socket entry (`SocketEntry.addresses`: they cannot change
 * while it lives), else undefined: a connected socket's pair, once it has a peer; a listener's local
 * address, once bound to a port.
 */
export function knownAddresses(addresses: SocketAddresses | undefined, listening: boolean): SocketAddresses | undefined {
  if (addresses === undefined) return undefined;
  if (listening) return addresses.peer === null && addresses.local.port !== 0 ? addresses : undefined;
  return addresses.peer !== null ? addresses : undefined;
}

/**
 * The addresses of a socket no `net.Socket` wraps, from its entry once known (the arrival check or
 * WSPAdoptDescriptor read them), else from its descriptor (kept once it has a peer). The switch asks
 * WSPGetSockName then WSPGetPeerName of every socket it duplicates or imports (its access-control
 * key). A `net.Socket` keeps its peer's address the same way (`remoteAddress` stays after a reset).
 */
function unwrappedAddresses(entry: SocketEntry, stream: StreamSocket): SocketAddresses {
  if (entry.addresses !== undefined) return entry.addresses;
  const addresses = socketAddresses(stream.fd);
  entry.addresses = knownAddresses(addresses, false);
  return addresses;
}

/** A listener's local address: kept in its entry once read (a listening socket is bound, and for good). */
function listenerAddress(entry: SocketEntry, listening: ListeningState): SockAddr {
  let addresses = entry.addresses;
  if (addresses === undefined) {
    addresses = socketAddresses(listening.fd);
    entry.addresses = knownAddresses(addresses, true);
  }
  return { address: addresses.local.address, port: addresses.local.port };
}

/**
 * WSPGetSockName. An imported socket no `net.Socket` wraps yet is asked through its entry, or its
 * descriptor (getsockname and getpeername in one call into the addon): the switch asks both names of
 * every socket it imports (its access-control key), and a socket that is only handed on again must
 * not pay for a `net.Socket` on the way.
 */
export function getSockName(state: ProviderState, s: Socket): SockAddr {
  const entry = state.sockets.require(s);
  if (entry.state === 'stream' && entry.stream !== undefined && !entry.stream.wrapped) {
    const { local } = unwrappedAddresses(entry, entry.stream);
    return { address: local.address, port: local.port };
  }
  if (entry.state === 'listening' && entry.listening !== undefined) return listenerAddress(entry, entry.listening);
  const address: net.AddressInfo | string | null | undefined | Record<string, never> = entry.state === 'stream' ? entry.stream?.socket.address() : undefined;
  if (typeof address === 'object' && address !== null && typeof address.port === 'number' && typeof address.address === 'string') {
    return { address: address.address, port: address.port };
  }
  if (entry.bound !== undefined) return { ...entry.bound };
  throw new WsaError('WSAEINVAL', `socket ${s} is not bound`);
}

/** WSPGetPeerName; as WSPGetSockName, from the descriptor while no `net.Socket` wraps it. */
export function getPeerName(state: ProviderState, s: Socket): SockAddr {
  const entry = state.sockets.connected(s);
  const { stream } = entry;
  if (!stream.wrapped) {
    const { peer } = unwrappedAddresses(entry, stream);
    if (peer === null) throw new WsaError('WSAENOTCONN', `socket ${s} has no peer`);
    return { address: peer.address, port: peer.port };
  }
  const { remoteAddress, remotePort } = stream.socket;
  if (remoteAddress === undefined || remotePort === undefined) throw new WsaError('WSAENOTCONN', `socket ${s} has no peer`);
  return { address: remoteAddress, port: remotePort };
}
