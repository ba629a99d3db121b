/**
 * The bridge between provider sockets and plain descriptors (extensions): WSPAdoptDescriptor makes a
 * connected TCP descriptor from elsewhere (a `net.Socket` taken out with transport-uds's
 * `detachNetSocket`, say) a provider socket; WSPDetachDescriptor gives one back as a descriptor and
 * its read-ahead, and closes the provider's descriptor.
 */
import { AF, IPPROTO, SOCK, WsaError, type Socket } from '@sanshare/protocol-info';
import { closeFd, dupFd, getSocketCookie } from '@sanshare/transport-uds';
import { toWsaError } from './errors.js';
import { closeSocket } from './close-socket.js';
import type { ProviderState } from './provider-state.js';
import { newSocketEntry } from './socket-entry.js';
import { StreamSocket } from './stream-socket.js';
import { wrapDescriptor } from './wrap-descriptor.js';

export async function adoptDescriptor(state: ProviderState, fd: number, readAhead?: Uint8Array): Promise<Socket> {
  if (!Number.isInteger(fd) || fd < 0) throw new WsaError('WSAEINVAL', `${String(fd)} is not a descriptor`);
  state.sockets.requireRoom();
  try {
    getSocketCookie(fd);
  } catch (error) {
    throw toWsaError(error, `descriptor ${fd} is not a socket`, 'WSAENOTSOCK');
  }
  // Wrap a duplicate and close the caller's descriptor only on success: on failure it is still theirs.
  const socket = wrapDescriptor(dupFd(fd));
  const entry = newSocketEntry(socket.remoteFamily === 'IPv6' ? AF.INET6 : AF.INET, SOCK.STREAM, IPPROTO.TCP);
  entry.state = 'stream';
  entry.stream = new StreamSocket(socket, readAhead);
  let s: Socket;
  try {
    entry.shared = state.sharedOptions.share(entry.shared, fd);
    s = state.sockets.register(entry);
  } catch (error) {
    socket.destroy();
    throw error;
  }
  closeFd(fd);
  return s;
}

export async function detachDescriptor(state: ProviderState, s: Socket): Promise<{ fd: number; readAhead: Uint8Array }> {
  const entry = state.sockets.connected(s);
  await entry.duplications;
  const readAhead = Buffer.from(await entry.stream.stopForHandoff());
  const fd = dupFd(entry.stream.fd);
  entry.stream.commitHandoff();
  await closeSocket(state, s);
  return { fd, readAhead };
}
