import { listen, type UdsListener } from '@sanshare/transport-uds';
import { type ChannelOperationOptions, channelDeadline } from './channel-operation-options.js';
import { PROTOCOL_INFO_CHANNEL_MAX_MESSAGE_BYTES, PROTOCOL_INFO_CHANNEL_MAX_PENDING } from './constants.js';
import { SwitchError, isSwitchError } from './errors.js';
import { ChannelEnd, type ChannelHooks, type ProtocolInfoChannel } from './protocol-info-channel.js';

/** Options of `listenProtocolInfoChannel`. */
export interface ListenProtocolInfoChannelOptions extends ChannelHooks {
  /** Peers allowed to connect, by kernel uid: `'same'` (default) or a list of uids. */
  allowUids?: 'same' | readonly number[];
  /** Channels held for `accept()`; further connections are closed at once (default 16). */
  maxPendingChannels?: number;
  /** Aborting closes the server. */
  signal?: AbortSignal;
}

/** A listening protocol-info channel endpoint. Every connection answers pid requests as soon as it is accepted by the kernel. */
export interface ProtocolInfoChannelServer extends AsyncIterable<ProtocolInfoChannel> {
  readonly path: string;
  /** The next channel a peer opened. */
  accept(options?: ChannelOperationOptions): Promise<ProtocolInfoChannel>;
  /** Stops listening, closes channels nobody accepted, removes the socket file. */
  close(): Promise<void>;
}

/**
 * Listens for protocol-info channels at `path` (a Unix socket path, at most 107 bytes; the file is
 * created, and removed again by `close`). Each connection becomes a channel at once, so pid requests
 * are answered (spec step 3) before the application accepts it; `accept()` then hands it out.
 * Rejects with the transport's `UdsError` when it cannot listen (`UDS_ADDRESS_IN_USE` when a live
 * listener owns the path, `UDS_PATH_TOO_LONG`, `UDS_PERMISSION_DENIED`).
 */
export async function listenProtocolInfoChannel(path: string, options: ListenProtocolInfoChannelOptions = {}): Promise<ProtocolInfoChannelServer> {
  const maxPending = options.maxPendingChannels ?? PROTOCOL_INFO_CHANNEL_MAX_PENDING;
  const listener: UdsListener = await listen(path, {
    maxMessageBytes: PROTOCOL_INFO_CHANNEL_MAX_MESSAGE_BYTES,
    maxFdsPerMessage: 1,
    ...(options.allowUids === undefined ? {} : { allowUids: options.allowUids }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const pending: ChannelEnd[] = [];
  const waiters: { resolve: (c: ProtocolInfoChannel) => void; reject: (e: unknown) => void }[] = [];
  let closed = false;
  listener.on('connection', (conn) => {
    if (closed) {
      void conn.close();
      return;
    }
    const channel = new ChannelEnd(conn, options);
    const waiter = waiters.shift();
    if (waiter !== undefined) waiter.resolve(channel);
    else if (pending.length < maxPending) pending.push(channel);
    else void channel.close();
  });
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    const error = new SwitchError('ERR_CHANNEL_CLOSED', `accept: the protocol-info channel server at ${path} was closed; listen again to accept more channels`);
    for (const w of waiters.splice(0)) w.reject(error);
    await Promise.all(pending.splice(0).map((c) => c.close()));
    await listener.close();
  };
  listener.on('close', () => void close());
  const accept = (acceptOptions?: ChannelOperationOptions): Promise<ProtocolInfoChannel> => {
    const ready = pending.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (closed) return Promise.reject(new SwitchError('ERR_CHANNEL_CLOSED', `accept: the protocol-info channel server at ${path} was closed; listen again to accept more channels`));
    return channelDeadline<ProtocolInfoChannel>('accept', acceptOptions, (resolve, reject) => {
      const waiter = { resolve, reject };
      waiters.push(waiter);
      return () => {
        const at = waiters.indexOf(waiter);
        if (at >= 0) waiters.splice(at, 1);
      };
    });
  };
  return {
    path,
    accept,
    close,
    async *[Symbol.asyncIterator]() {
      for (;;) {
        try {
          yield await accept({ timeoutMs: Infinity });
        } catch (error) {
          if (closed && isSwitchError(error, 'ERR_CHANNEL_CLOSED')) return;
          throw error;
        }
      }
    },
  };
}
