/**
 * WSPSocket: a new TCP socket, or (given a duplicate's protocol info and FROM_PROTOCOL_INFO) the
 * import of a socket another process duplicated for this one.
 */
import { AF, FROM_PROTOCOL_INFO, IPPROTO, SOCK, WsaError, type ProtocolInfo, type Socket } from '@sanshare/protocol-info';
import { pick } from './errors.js';
import { importSocket } from './import-socket.js';
import type { ProviderState } from './provider-state.js';
import { newSocketEntry } from './socket-entry.js';

export async function createSocket(
  state: ProviderState,
  af: number,
  type: number,
  protocol: number,
  info: ProtocolInfo | null,
  group: number,
  flags: number,
): Promise<Socket> {
  // dwFlags (WSA_FLAG_OVERLAPPED...) change nothing here: every call is already asynchronous.
  void flags;
  if (group !== 0) throw new WsaError('WSAEINVAL', 'socket groups are not supported');
  if (info !== null && info !== undefined) {
    if (typeof info !== 'object') throw new WsaError('WSAEINVAL', 'protocolInfo must be a ProtocolInfo');
    if (info.exportContext !== undefined || info.dwProviderReserved !== 0) {
      if (af !== FROM_PROTOCOL_INFO || type !== FROM_PROTOCOL_INFO || protocol !== FROM_PROTOCOL_INFO) {
        throw new WsaError('WSAEINVAL', 'a shared socket is created with af, type and protocol FROM_PROTOCOL_INFO (-1)');
      }
      return importSocket(state, info);
    }
    if (af === FROM_PROTOCOL_INFO) af = info.iAddressFamily;
    if (type === FROM_PROTOCOL_INFO) type = info.iSocketType;
    if (protocol === FROM_PROTOCOL_INFO) protocol = info.iProtocol;
  }
  if (af !== AF.INET && af !== AF.INET6) {
    throw new WsaError(pick(['WSAEAFNOSUPPORT'], 'WSAEINVAL'), `address family ${af} is not supported (AF_INET 2, AF_INET6 23)`);
  }
  if (type !== SOCK.STREAM) throw new WsaError(pick(['WSAESOCKTNOSUPPORT'], 'WSAEINVAL'), `socket type ${type} is not supported (SOCK_STREAM 1)`);
  if (protocol !== IPPROTO.TCP && protocol !== 0) {
    throw new WsaError(pick(['WSAEPROTONOSUPPORT'], 'WSAEINVAL'), `protocol ${protocol} is not supported (IPPROTO_TCP 6)`);
  }
  // The kernel socket is created by WSPConnect or WSPListen: Node cannot connect an existing fd.
  return state.sockets.register(newSocketEntry(af, type, IPPROTO.TCP));
}
