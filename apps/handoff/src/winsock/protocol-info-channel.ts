import { connectProtocolInfoChannel, listenProtocolInfoChannel, type ProtocolInfoChannel } from '@sanshare/switch';
import type { ProtocolInfo } from '@sanshare/protocol-info';
import { QUICK_TIMEOUT_MS } from '../constants.js';

/**
 * One end of the switch's protocol-info channel (a Unix-domain socket between two processes): the
 * spec's "some IPC mechanism" that carries pids and protocol infos, as the sample uses it.
 */
export interface AppChannel {
  /** The other process, from `SO_PEERCRED`. */
  readonly peerPid: number;
  /**
   * Steps 2 and 4: asks the other process its pid (checked against `SO_PEERCRED`). The request is sent
   * before this returns (the switch writes it at once); the promise settles with the answer.
   */
  requestPeerPid(timeoutMs?: number): Promise<number>;
  /** Steps 6 and 11. */
  sendProtocolInfo(info: ProtocolInfo): Promise<void>;
  /** Steps 7 and 13. */
  receiveProtocolInfo(timeoutMs?: number): Promise<ProtocolInfo>;
  /**
   * Waits (at most `timeoutMs`) until the other side closes the channel. The channel has no
   * acknowledgement: a sender lingers like this before closing its end, to know its protocol info was taken.
   */
  waitForPeerClose(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** The listening end of a protocol-info channel. */
export interface AppChannelServer {
  /**
   * Waits for the next process to connect. Its pid requests are answered by the switch from the moment
   * the kernel accepted the connection (spec step 3), whether or not this was called yet: the
   * `onPidRequestAnswered` hook of `listenChannel` says when.
   */
  accept(options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<AppChannel>;
  close(): Promise<void>;
}

/**
 * Listens for protocol-info channels at `path` (a Unix socket path in the run's temp dir).
 * `onPidRequestAnswered` runs each time the switch has answered a peer's pid request (step 3).
 */
export async function listenChannel(path: string, hooks: { onPidRequestAnswered?: (peerPid: number) => void } = {}): Promise<AppChannelServer> {
  const server = await listenProtocolInfoChannel(path, hooks);
  return {
    accept: async (options) => wrap(await server.accept(options ?? {})),
    close: () => server.close(),
  };
}

/** Connects to the protocol-info channel listening at `path`. */
export async function connectChannel(path: string, timeoutMs = QUICK_TIMEOUT_MS): Promise<AppChannel> {
  return wrap(await connectProtocolInfoChannel(path, { timeoutMs }));
}

function wrap(channel: ProtocolInfoChannel): AppChannel {
  return {
    peerPid: channel.peer.pid,
    requestPeerPid: (timeoutMs) => channel.requestPeerPid(timeoutMs === undefined ? {} : { timeoutMs }),
    sendProtocolInfo: (info) => channel.sendProtocolInfo(info),
    // No bound unless asked: a worker waits for connections as long as its controller keeps the channel open.
    receiveProtocolInfo: (timeoutMs) => channel.receiveProtocolInfo({ timeoutMs: timeoutMs ?? Infinity }),
    waitForPeerClose: async (timeoutMs) => {
      // Nothing more is expected on the channel: the receive ends when the peer closes (or at the bound).
      await channel.receiveProtocolInfo({ timeoutMs }).catch(() => undefined);
    },
    close: () => channel.close(),
  };
}
