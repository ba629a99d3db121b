import { connectProtocolInfoChannel, listenProtocolInfoChannel } from '@sanshare/switch';
import type { AppChannel, AppChannelServer } from './app-winsock.js';
import { QUICK_TIMEOUT_MS } from '../constants.js';

/**
 * The switch's protocol-info channel, seen from the sample: one side listens at a Unix socket path, the
 * other connects; both can then ask the other's pid and send and receive protocol infos.
 */
export async function listenChannel(path: string): Promise<AppChannelServer> {
  const server = await listenProtocolInfoChannel(path);
  return {
    accept: async (timeoutMs) => wrap(await server.accept(timeoutMs === undefined ? {} : { timeoutMs })),
    close: () => server.close(),
  };
}

/** Connects to the protocol-info channel listening at `path`. */
export async function connectChannel(path: string, timeoutMs = QUICK_TIMEOUT_MS): Promise<AppChannel> {
  return wrap(await connectProtocolInfoChannel(path, { timeoutMs }));
}

type SwitchChannel = Awaited<ReturnType<typeof connectProtocolInfoChannel>>;

function wrap(channel: SwitchChannel): AppChannel {
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
