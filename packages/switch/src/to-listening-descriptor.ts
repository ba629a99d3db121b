import { WsaError, type Socket } from '@sanshare/protocol-info';
import { closeQuietly, socketInfo } from '@sanshare/transport-uds';
import type { Switch } from './switch-api.js';
import { switchCoreOf } from './switch-registry.js';

/**
 * Bridges a switch listener out to Node: detaches its kernel listener from the provider and returns
 * the descriptor, for `server.listen({ fd })` (an `http.Server`, a `net.Server`; the server then owns
 * it). `s` is gone afterwards (`WSAENOTSOCK`); the listener keeps listening.
 *
 * Throws `WsaError`: `WSAENOTSOCK`, `WSAEACCES` (handed off), `WSAEWOULDBLOCK` when the provider
 * still holds connections it accepted and `accept` did not take (accept them first), `WSAEINVAL`
 * when `s` is not a listener or its provider has no `WSPDetachDescriptor` extension.
 */
export async function toListeningDescriptor(sw: Switch, s: Socket): Promise<number> {
  const core = switchCoreOf(sw);
  const d = core.use(s, 'toListeningDescriptor');
  const extensions = d.provider.extensions;
  if (extensions === undefined) throw new WsaError('WSAEINVAL', `toListeningDescriptor: the provider of socket ${s} cannot detach descriptors (no extensions)`);
  // A connected socket must not be detached here (its descriptor would be closed below): a listener has no peer.
  let connected = true;
  try {
    d.provider.procTable.WSPGetPeerName(d.context);
  } catch {
    connected = false;
  }
  if (connected) throw new WsaError('WSAEINVAL', `toListeningDescriptor: socket ${s} is connected, not a listener (toNetSocket bridges connections)`);
  const { fd } = await extensions.WSPDetachDescriptor(d.context);
  core.forget(d);
  const info = (() => {
    try {
      return socketInfo(fd);
    } catch {
      return null;
    }
  })();
  if (info === null || !info.acceptConn) {
    closeQuietly(fd);
    throw new WsaError('WSAEINVAL', `toListeningDescriptor: socket ${s} is not listening; it was detached and closed`);
  }
  return fd;
}
