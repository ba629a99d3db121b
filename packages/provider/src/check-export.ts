/**
 * What a target checks of every `Export` before it holds the socket as a pending import
 * (docs/provider.md section 4): the message's claims are what this provider implements, and the
 * descriptor that arrived is the socket the message claims. A same-uid peer passed the credential
 * check, but trusting nothing at the boundary means checking what it sent: an AF_UNIX socket, a
 * listening or unconnected TCP socket, or a datagram socket sent with the right cookie would
 * otherwise be imported as a connected TCP socket, and a connected one as a listener. An export
 * says which of the two it carries (`SocketEssentials.listening`), and the descriptor must match.
 */
import { AF, IPPROTO, SOCK } from '@sanshare/protocol-info';
import { LINUX, socketAddresses, socketInfo, socketInfos, type SocketInfo } from '@sanshare/transport-uds';
import { EXPORT_PROTOCOL_VERSION } from './constants.js';
import type { ExportMessage, SocketEssentials } from './export-codec.js';

/** The Linux `SO_DOMAIN` of each Winsock family this provider implements (Winsock AF_INET6 is 23, Linux's 10). */
const LINUX_DOMAIN: ReadonlyMap<number, number> = new Map([
  [AF.INET, LINUX.AF_INET],
  [AF.INET6, LINUX.AF_INET6],
]);

/** Why the message's own fields cannot be a socket for this process, or undefined when they can. */
export function claimProblem(m: ExportMessage, pid: number): string | undefined {
  if (m.version !== EXPORT_PROTOCOL_VERSION) return `unsupported protocol version ${m.version} (this target speaks ${EXPORT_PROTOCOL_VERSION})`;
  if (m.targetPid !== pid) return `the export is for process ${m.targetPid}, and reached process ${pid}`;
  if (m.exportId === 0) return 'export id 0 (ids are 1..2^32-1)';
  return essentialsProblem(m.socket);
}

/** Why `socket` is not what this provider implements (a connected TCP socket over IPv4 or IPv6), or undefined. */
function essentialsProblem(socket: SocketEssentials): string | undefined {
  if (!LINUX_DOMAIN.has(socket.addressFamily)) {
    return `address family ${socket.addressFamily} is not implemented by this provider (AF_INET 2, AF_INET6 23)`;
  }
  if (socket.socketType !== SOCK.STREAM) return `socket type ${socket.socketType} is not implemented by this provider (SOCK_STREAM 1)`;
  if (socket.protocol !== IPPROTO.TCP) return `protocol ${socket.protocol} is not implemented by this provider (IPPROTO_TCP 6)`;
  return undefined;
}

/** The local port of `fd` (0: not bound, or no address at all), from `info` when it carries the addresses. */
function boundPort(fd: number, info: SocketInfo): number {
  if (info.addresses !== undefined) return info.addresses.local.port;
  try {
    return socketAddresses(fd).local.port;
  } catch {
    return 0;
  }
}

/**
 * What the kernel says of each descriptor that arrived, its addresses included (the socket's
 * access-control key needs them once it is imported: read now, in the same addon call, rather than
 * by a call of their own then). `undefined` for all when one cannot be examined (transport-uds
 * throws for the whole call): `descriptorProblem` then reads each alone and says why.
 */
export function describeArrived(fds: readonly number[]): ReadonlyArray<SocketInfo | null | undefined> {
  try {
    return socketInfos(fds, { addresses: true });
  } catch {
    return [];
  }
}

/**
 * Why the descriptor `fd` that arrived is not the socket `m` claims, or undefined when it is: one
 * call into the addon for all of it (SO_DOMAIN, SO_TYPE, SO_PROTOCOL, SO_ACCEPTCONN, SO_COOKIE,
 * getpeername), since every syscall from JavaScript costs several microseconds on a hand-off's path.
 * `known`: what `describeArrived` already said of `fd` (every descriptor of a message, read in one
 * call); undefined: read here.
 */
export function descriptorProblem(m: ExportMessage, fd: number, known?: SocketInfo | null): string | undefined {
  let info: SocketInfo | null;
  try {
    info = known === undefined ? socketInfo(fd) : known;
  } catch (error) {
    return `the descriptor cannot be examined: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (info === null) return 'the descriptor is not a socket';
  const domain = LINUX_DOMAIN.get(m.socket.addressFamily);
  if (info.domain !== domain) return `the descriptor is a socket of Linux domain ${info.domain}, not ${String(domain)} as the export claims (family ${m.socket.addressFamily})`;
  if (info.type !== LINUX.SOCK_STREAM) return `the descriptor is a socket of type ${info.type}, not SOCK_STREAM`;
  if (info.protocol !== LINUX.IPPROTO_TCP) return `the descriptor is a socket of protocol ${info.protocol}, not TCP`;
  if (m.socket.listening === true) {
    // A listener (the export says so): listening, so bound, and no peer.
    if (!info.acceptConn) return 'the descriptor is not a listening socket (SO_ACCEPTCONN is 0), though the export says it is one';
    if (info.connected) return 'the descriptor is connected, though the export says it is a listening socket';
    if (boundPort(fd, info) === 0) return 'the descriptor is not bound to a port, though the export says it is a listening socket';
  } else {
    if (info.acceptConn) return 'the descriptor is a listening socket, not a connected one (the export does not say listening)';
    if (!info.connected) return 'the descriptor is not connected (getpeername: no peer)';
  }
  if (info.cookie !== m.socketCookie) return `the descriptor is socket ${info.cookie} (SO_COOKIE), not ${m.socketCookie} as the export names`;
  return undefined;
}
