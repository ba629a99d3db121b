/**
 * The control channel: the Unix socket `<runtimeDir>/server-<pid>.ctl` through which a process that
 * joins a server (a successor, a worker) and the process it joins (the current generation, a pool's
 * controller) talk. Framing, peer credentials and limits are `@sanshare/transport-uds`'s; the
 * messages are proto/sanshare/v1/server_control.proto (docs/server.md "Control channel").
 * No descriptor ever travels here: sockets move through the switch.
 */
import { join } from 'node:path';
import { closeQuietly, connect, listen, type UdsConnection, type UdsListener } from '@sanshare/transport-uds';
import { MAX_CONTROL_MESSAGE_BYTES } from './constants.js';
import { decodeControlMessage, encodeControlMessage, type ControlMessage } from './control-codec.js';
import { ServerError, firstLine } from './errors.js';

/** Where process `pid` listens for control channels. */
export function controlSocketPath(runtimeDir: string, pid: number): string {
  return join(runtimeDir, `server-${pid}.ctl`);
}

/** One end of a control channel. */
export interface ControlChannel {
  /** The peer's pid, from the kernel (`SO_PEERCRED`). */
  readonly peerPid: number;
  readonly closed: boolean;
  /** Sends one message; rejects with `ERR_CONTROL_CHANNEL` when the channel is closed. */
  send(message: ControlMessage): Promise<void>;
  /**
   * The next message; `null` once the peer closed (or died). Rejects with `ERR_CONTROL_PROTOCOL` for
   * a malformed frame (the channel is closed then), `ERR_CONTROL_CHANNEL` on a transport fault.
   */
  receive(options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<ControlMessage | null>;
  /** Resolves once the channel is closed, by either side. */
  readonly whenClosed: Promise<void>;
  close(): Promise<void>;
}

const LIMITS = { maxMessageBytes: MAX_CONTROL_MESSAGE_BYTES, maxFdsPerMessage: 1 } as const;

class Channel implements ControlChannel {
  readonly peerPid: number;
  readonly whenClosed: Promise<void>;
  readonly #conn: UdsConnection;

  constructor(conn: UdsConnection) {
    this.#conn = conn;
    this.peerPid = conn.peer.pid;
    this.whenClosed = new Promise((resolve) => {
      if (conn.closed) resolve();
      else conn.once('close', () => resolve());
    });
    // An idle channel must not keep a process alive: the restarter's own state does that when needed.
    conn.unref();
  }

  get closed(): boolean {
    return this.#conn.closed;
  }

  async send(message: ControlMessage): Promise<void> {
    const bytes = encodeControlMessage(message);
    try {
      await this.#conn.send(bytes);
    } catch (error) {
      throw new ServerError('ERR_CONTROL_CHANNEL', `control channel to pid ${this.peerPid}: cannot send ${message.kind}: ${firstLine(error)}; the peer closed or died`, {
        cause: error,
      });
    }
  }

  async receive(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<ControlMessage | null> {
    let frame;
    try {
      frame = await this.#conn.receive(options);
    } catch (error) {
      if (this.#conn.closed) {
        // A fault that ended the channel (the peer died with a reset, say) reads as its end.
        const code = (error as { code?: unknown }).code;
        if (code !== 'UDS_TIMEOUT' && code !== 'UDS_ABORTED') return null;
      }
      throw new ServerError('ERR_CONTROL_CHANNEL', `control channel to pid ${this.peerPid}: receive failed: ${firstLine(error)}`, { cause: error });
    }
    if (frame === null) return null;
    if (frame.fds.length > 0) {
      for (const fd of frame.fds) closeQuietly(fd);
      await this.close();
      throw new ServerError('ERR_CONTROL_PROTOCOL', `control channel to pid ${this.peerPid}: a frame carried ${frame.fds.length} descriptor(s); sockets move through the switch, never here`);
    }
    try {
      return decodeControlMessage(frame.data);
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  close(): Promise<void> {
    return this.#conn.close();
  }
}

/** A listening control socket. */
export interface ControlListener {
  readonly path: string;
  /** The next joiner's channel; rejects with `ERR_CLOSED` once the listener is closed. */
  accept(options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<ControlChannel>;
  close(): Promise<void>;
}

/**
 * Listens on `<runtimeDir>/server-<pid>.ctl` for joiners of this process's uid. Rejects with
 * `ERR_CONTROL_CHANNEL` when the socket cannot be made (another live process holds the path, say).
 */
export async function listenControl(runtimeDir: string): Promise<ControlListener> {
  const path = controlSocketPath(runtimeDir, process.pid);
  let listener: UdsListener;
  try {
    listener = await listen(path, { ...LIMITS, allowUids: 'same' });
  } catch (error) {
    throw new ServerError('ERR_CONTROL_CHANNEL', `cannot listen for control channels at ${path}: ${firstLine(error)}; check that the runtime directory is this user's and writable`, {
      cause: error,
    });
  }
  listener.unref();
  return {
    path,
    async accept(options) {
      try {
        return new Channel(await listener.accept(options));
      } catch (error) {
        if (listener.closed) throw new ServerError('ERR_CLOSED', `the control socket ${path} is closed`, { cause: error });
        throw new ServerError('ERR_CONTROL_CHANNEL', `accepting a control channel at ${path} failed: ${firstLine(error)}`, { cause: error });
      }
    },
    close: () => listener.close(),
  };
}

/**
 * Connects to the control socket at `path`, which must be held by process `expectedPid` (checked
 * against the kernel's `SO_PEERCRED`: a process squatting the path is refused). Rejects with
 * `ERR_CONTROL_CHANNEL`.
 */
export async function connectControl(path: string, expectedPid: number, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<ControlChannel> {
  let conn: UdsConnection;
  try {
    conn = await connect(path, { ...LIMITS, ...options });
  } catch (error) {
    throw new ServerError(
      'ERR_CONTROL_CHANNEL',
      `cannot connect to the control socket ${path} of pid ${expectedPid}: ${firstLine(error)}; the process that started this one has exited, or runs with another runtime directory`,
      { cause: error },
    );
  }
  if (conn.peer.pid !== expectedPid) {
    await conn.close();
    throw new ServerError('ERR_CONTROL_CHANNEL', `the control socket ${path} is held by pid ${conn.peer.pid}, not by pid ${expectedPid} as expected; refusing to talk to it`);
  }
  return new Channel(conn);
}
