import type { Socket as NetSocket } from 'node:net';
import { WsaError, type Socket } from '@sanshare/protocol-info';
import { closeQuietly, toNetSocket as wrapDescriptor } from '@sanshare/transport-uds';
import type { Switch } from './switch-api.js';
import { switchCoreOf } from './switch-registry.js';

/**
 * Bridges a switch socket out to Node: detaches the kernel socket behind `s` from its provider and
 * wraps it as a readable, writable `net.Socket` (hand it to an `http.Server` with
 * `server.emit('connection', socket)`). The bytes the provider had already read come first.
 *
 * `s` is gone afterwards (`WSAENOTSOCK`); the connection stays open. What the bridge gives up: from
 * now on Node reads ahead of the application (libuv reads whenever the socket is flowing), so bytes
 * can sit in the `net.Socket`'s buffer where no hand-off can see them. Bringing it back with
 * `adoptNetSocket` is exact (it drains that buffer into the provider); duplicating the kernel socket by
 * any other route while Node reads is not.
 *
 * Throws `WsaError`: `WSAENOTSOCK`, `WSAEACCES` (handed off), `WSAEINVAL` when the provider has no
 * `WSPDetachDescriptor` extension.
 */
export async function toNetSocket(sw: Switch, s: Socket): Promise<NetSocket> {
  const core = switchCoreOf(sw);
  const d = core.use(s, 'toNetSocket');
  const extensions = d.provider.extensions;
  if (extensions === undefined) throw new WsaError('WSAEINVAL', `toNetSocket: the provider of socket ${s} cannot detach descriptors (no extensions)`);
  const { fd, readAhead } = await extensions.WSPDetachDescriptor(d.context);
  // The provider released its socket (and normally our descriptor, by WPUCloseSocketHandle).
  core.forget(d);
  try {
    // No SO_TYPE check of its own: a provider detaches a kernel socket (spi.ts), and what is not a
    // stream socket Node refuses when it wraps it (transport-uds then says why, typed).
    return wrapDescriptor(fd, { readAhead, checkType: false });
  } catch (error) {
    closeQuietly(fd);
    throw new WsaError('WSAEINVAL', `toNetSocket: the detached descriptor of socket ${s} cannot be wrapped`, { cause: error });
  }
}
