/**
 * What the provider knows about one of its descriptors: the socket's kind, its state, and the
 * parts that exist in that state (the stream of a connected socket, the server of a listening one).
 */
import type net from 'node:net';
import type { SockAddr, SockOptValue } from '@sanshare/protocol-info';
import type { SocketAddresses } from '@sanshare/transport-uds';
import { unsharedOptions, type SharedOptions } from './shared-options.js';
import type { SocketOption } from './socket-options.js';
import type { StreamSocket } from './stream-socket.js';

/** A duplication of a socket that went through and is neither claimed nor lapsed yet (docs/provider.md section 10). */
export interface OutstandingDuplicate {
  /** Hand-off order in this process: read-ahead given back goes back in this order. */
  readonly order: number;
  /** The export id (the duplicate's `dwProviderReserved`). */
  exportId: number;
  /** The read-ahead the export carried: kept until it is claimed (dropped) or lapses (given back). */
  readAhead: Uint8Array;
}

/**
 * A listening socket: the provider's own descriptor of the kernel listener, the `net.Server` that
 * accepts on it while this process accepts, and the connections accepted that no WSPAccept took yet.
 *
 * The descriptor and the accepting server are apart so that accepting can stop without the socket
 * stopping to listen: a duplicated listener stops accepting here (the kernel's backlog is then the
 * target's to take), and an adopted or imported one starts accepting only at its first WSPAccept.
 */
export interface ListeningState {
  /** The provider's descriptor of the kernel listener (closed by WSPCloseSocket only). */
  fd: number;
  /** The backlog the server listens with again whenever accepting starts. */
  backlog: number;
  /** Accepting (on a duplicate of `fd`); undefined while this process does not accept. */
  server: net.Server | undefined;
  /** Connections accepted here and not taken by WSPAccept: this process's, whatever happens to the listener. */
  queue: net.Socket[];
  /** WSPAccept calls waiting for a connection (or a failure, or the close, or a hand-off). */
  waiters: Set<() => void>;
  failure: Error | undefined;
  /** Duplications under way (not yet outstanding): accepting stays stopped meanwhile. */
  duplicating: number;
  /** A duplicate of it was claimed by its target: this process keeps the descriptor, but never accepts on it again. */
  claimed: boolean;
}

export interface SocketEntry {
  /** The switch's descriptor for this socket (WPUCreateSocketHandle); -1 until registered. */
  switchSocket: number;
  af: number;
  type: number;
  protocol: number;
  /** `new`: no kernel socket yet (created by WSPConnect or WSPListen); options wait in `queued`. */
  state: 'new' | 'connecting' | 'listening' | 'stream' | 'closed';
  bound: SockAddr | undefined;
  queued: Map<string, { option: SocketOption; value: SockOptValue }>;
  shared: SharedOptions;
  stream: StreamSocket | undefined;
  listening: ListeningState | undefined;
  /** The duplications of this descriptor, chained: one runs at a time, in call order (settlements too). */
  duplications: Promise<unknown>;
  /** Its duplications not claimed nor lapsed yet: the socket reads again only once none is left. */
  outstanding: Set<OutstandingDuplicate>;
  /**
   * The kernel socket's addresses, once read (socket-addresses.ts): the switch asks both names of
   * every socket it duplicates or imports (its access-control key), and each ask would otherwise be a
   * call into the addon. Kept only where they cannot change while this entry lives: a connected
   * socket's pair (set once it has a peer; TCP never changes a connection's 4-tuple) and a listener's
   * local address (it listens, so it is bound, and a socket is never bound twice). Dropped with the entry.
   */
  addresses: SocketAddresses | undefined;
  /**
   * While WSPConnect waits for the peer (state `connecting`): ends the attempt, failing the WSPConnect
   * and closing its kernel socket. WSPCloseSocket and WSPCleanup call it, so that a connect to a peer
   * that does not answer never outlives its descriptor (the kernel's own SYN timeout is minutes).
   */
  cancelConnect: (() => void) | undefined;
}

/** An entry in state `stream`, with its stream. */
export type ConnectedEntry = SocketEntry & { stream: StreamSocket };

/** An entry in state `listening`, with its listening state. */
export type ListeningEntry = SocketEntry & { listening: ListeningState };

/** A socket's state, not registered yet (`switchSocket` is -1 until `SocketRegistry.register`). */
export function newSocketEntry(af: number, type: number, protocol: number): SocketEntry {
  return {
    switchSocket: -1,
    af,
    type,
    protocol,
    state: 'new',
    bound: undefined,
    queued: new Map(),
    shared: unsharedOptions(),
    stream: undefined,
    listening: undefined,
    duplications: Promise.resolve(),
    outstanding: new Set(),
    addresses: undefined,
    cancelConnect: undefined,
  };
}
