/**
 * What the provider knows about one of its descriptors: the socket's kind, its state, and the
 * parts that exist in that state (the stream of a connected socket, the server of a listening one).
 */
import type net from 'node:net';
import type { SockAddr, SockOptValue } from '@sanshare/protocol-info';
import { unsharedOptions, type SharedOptions } from './shared-options.js';
import type { SocketOption } from './socket-options.js';
import type { StreamSocket } from './stream-socket.js';

/** A listening socket's server and the connections it accepted that no WSPAccept took yet. */
export interface ListeningState {
  server: net.Server;
  queue: net.Socket[];
  /** WSPAccept calls waiting for a connection (or a failure, or the close). */
  waiters: Set<() => void>;
  failure: Error | undefined;
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
  /** The duplications of this descriptor, chained: one runs at a time, in call order. */
  duplications: Promise<unknown>;
}

/** An entry in state `stream`, with its stream. */
export type ConnectedEntry = SocketEntry & { stream: StreamSocket };

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
  };
}
