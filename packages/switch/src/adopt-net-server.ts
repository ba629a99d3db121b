import type { Server as NetServer } from 'node:net';
import { AF, WsaError, type Socket } from '@sanshare/protocol-info';
import { dupFd, LINUX, socketInfo } from '@sanshare/transport-uds';
import { providerForAdoption } from './provider-selection.js';
import type { Switch } from './switch-api.js';
import { switchCoreOf } from './switch-registry.js';

/** The libuv handle behind a listening `net.Server` (Node internals, Unix only: Node has no public way to ask). */
interface WithHandle {
  _handle?: { fd?: number } | null;
}

/**
 * Bridges a listening Node `net.Server` (an `http.Server`, a `ws` server's) into the switch, so that
 * its listener can be duplicated like any switch socket (`WSADuplicateSocket(WithMessage)`): the
 * server stops accepting (its handle closes; Node's `net.Server` accepts eagerly and cannot pause),
 * and the kernel listener becomes a switch socket that accepts nothing until its first `accept`.
 * Connections that arrive meanwhile wait in the kernel's backlog for whoever accepts next: the
 * target of a duplication, or this process again. Resolves with the new switch descriptor.
 *
 * What stays the caller's: connections the server accepted before (its `'connection'` listeners
 * have them; serve or move them), and the `net.Server` object, which listens again with
 * `server.listen({ fd: await toListeningDescriptor(sw, s) })` when the listener comes back.
 *
 * Throws `WsaError` `WSAEINVAL` when the server is not listening on TCP, or when no loaded provider
 * with extensions serves its family; if the provider fails, the server listens again on its socket
 * (nothing is lost) and the provider's error is thrown.
 */
export async function adoptNetServer(sw: Switch, server: NetServer): Promise<Socket> {
  const core = switchCoreOf(sw);
  core.assertAlive();
  const fd = (server as unknown as WithHandle)._handle?.fd;
  if (!server.listening || typeof fd !== 'number' || fd < 0) throw new WsaError('WSAEINVAL', 'adoptNetServer: the net.Server is not listening');
  const info = socketInfo(fd);
  if (info === null || !info.acceptConn || info.type !== LINUX.SOCK_STREAM || info.protocol !== LINUX.IPPROTO_TCP) {
    throw new WsaError('WSAEINVAL', 'adoptNetServer: the net.Server does not listen on a TCP socket');
  }
  const af = info.domain === LINUX.AF_INET6 ? AF.INET6 : AF.INET;
  const { slot } = providerForAdoption(core.slots, core.failures, af);
  // Our own descriptor first: closing the server's handle must not close the listener.
  const own = dupFd(fd);
  // Stops accepting at once (the handle closes now; the callback would wait for its connections).
  server.close();
  let context: number;
  try {
    context = await (slot.extensions as NonNullable<typeof slot.extensions>).WSPAdoptDescriptor(own);
  } catch (error) {
    // The listener is still ours: the server listens on it again, and the caller sees the error.
    server.listen({ fd: own });
    throw error;
  }
  return (await core.adoptResult(slot, context, 'adoptNetServer')).s;
}
