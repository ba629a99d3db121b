import type { SockAddr, Socket, WspProcTable } from '@sanshare/protocol-info';

/** What `socketKeyOf` needs of a provider slot. */
export interface KeyedProvider {
  /** Keeps the keys of two providers in one switch apart. */
  readonly id: number;
  readonly procTable: Pick<WspProcTable, 'WSPGetSockName' | 'WSPGetPeerName'>;
}

/** A name call's result, or undefined when the provider cannot answer it (not connected, not bound) or answers nonsense. */
function ask(call: () => SockAddr): SockAddr | undefined {
  let value: unknown;
  try {
    value = call();
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { address, port } = value as Partial<SockAddr>;
  return typeof address === 'string' && typeof port === 'number' && Number.isInteger(port) ? { address, port } : undefined;
}

const text = (a: SockAddr): string => `[${a.address}]:${a.port}`;

/**
 * The access-control key of the socket behind provider descriptor `context`: what identifies the
 * underlying socket for the switch, asked through the provider's procedure table only, so that it is
 * the same for every provider and in every process that holds the socket.
 *
 * - A connected socket: its address pair, `WSPGetSockName` then `WSPGetPeerName`. The kernel keeps a
 *   connection's pair unique while the connection exists (no two TCP sockets share a 4-tuple), and a
 *   connected socket's pair never changes.
 * - A socket with a local address but no peer (bound, listening): its local address (`WSPGetSockName`,
 *   port not 0). Two listeners that share a port through `SO_REUSEPORT` share this key too.
 * - Otherwise (not bound, or the provider cannot answer): `undefined`, and the caller falls back on
 *   the descriptor itself (see `AccessControl`).
 *
 * Two synchronous calls, made only when a socket is duplicated or created from a protocol info.
 */
export function socketKeyOf(provider: KeyedProvider, context: Socket): string | undefined {
  const local = ask(() => provider.procTable.WSPGetSockName(context));
  if (local === undefined) return undefined;
  const peer = ask(() => provider.procTable.WSPGetPeerName(context));
  if (peer !== undefined) return `${provider.id}/connected/${text(local)}/${text(peer)}`;
  // Port 0: not bound yet; every such socket would share the key.
  if (local.port === 0) return undefined;
  return `${provider.id}/local/${text(local)}`;
}

/**
 * Whether `key` (from `socketKeyOf`) names a socket with a local address and no peer: a listener,
 * once it was duplicated (only bound or listening sockets get such a key, and a bound one that
 * never listened cannot be duplicated).
 */
export function isLocalKey(key: string | undefined): boolean {
  return key !== undefined && key.includes('/local/');
}
