import type { Socket as NetSocket } from 'node:net';
import { AF, WsaError, type Socket } from '@sanshare/protocol-info';
import { closeQuietly, detachNetSocket } from '@sanshare/transport-uds';
import { untilWritesDrained } from './drain-or-close.js';
import { providerForAdoption } from './provider-selection.js';
import type { Switch } from './switch-api.js';
import { switchCoreOf } from './switch-registry.js';
import { refuseTlsSocket } from './tls-socket.js';

/**
 * Bridges a connected Node `net.Socket` (one an `http.Server` accepted, say) into the switch, so that
 * it can be duplicated like any switch socket: waits until everything written to it is in the
 * kernel, stops Node's reading for real, moves the bytes Node had read but nobody consumed into the
 * provider (its next `recv` returns them first), and destroys the `net.Socket` (closing only Node's
 * descriptor: no FIN). Resolves with the new switch descriptor.
 *
 * What the bridge gives up: listeners on the `net.Socket` (an HTTP parser, say) see nothing more;
 * bytes they already consumed are theirs, not the switch's. Throws `WsaError` `WSAEINVAL` when the
 * socket is not connected or is a TLS socket, or when no loaded provider with extensions serves its address family;
 * if the provider then fails, the connection is closed (its descriptor is released, no bytes are kept);
 * `WSAEINVALIDPROVIDER` when the provider adopted it without creating a switch descriptor.
 */
export async function adoptNetSocket(sw: Switch, socket: NetSocket): Promise<Socket> {
  const core = switchCoreOf(sw);
  core.assertAlive();
  if (typeof socket !== 'object' || socket === null) throw new WsaError('WSAEINVAL', `adoptNetSocket: socket must be a net.Socket, got ${socket === null ? 'null' : typeof socket}`);
  if (socket.destroyed || socket.remoteAddress === undefined) throw new WsaError('WSAEINVAL', 'adoptNetSocket: the net.Socket is not connected');
  refuseTlsSocket(socket, 'adoptNetSocket');
  const af = socket.remoteFamily === 'IPv6' ? AF.INET6 : AF.INET;
  const { slot } = providerForAdoption(core.slots, core.failures, af);
  await untilWritesDrained(socket, 'adoptNetSocket');
  // WSACleanup while it drained: the socket stays the caller's, untouched.
  core.assertAlive();
  const { fd, readAhead } = detachNetSocket(socket);
  let context: number;
  try {
    context = await (slot.extensions as NonNullable<typeof slot.extensions>).WSPAdoptDescriptor(fd, readAhead);
  } catch (error) {
    closeQuietly(fd);
    throw error;
  }
  // WSACleanup while the provider adopted it: its WSPCleanup closed the socket, and the table is going.
  core.assertAlive();
  return (await core.adoptResult(slot, context, 'adoptNetSocket')).s;
}
