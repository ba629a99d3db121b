/**
 * The glue between a server and the switch: the one place where sockets leave this process and
 * arrive in it. A connection leaves as `adoptNetSocket` (Node stops reading; what it had read
 * travels as read-ahead) then `WSADuplicateSocketWithMessage` with its `MovedSocket` message; it
 * arrives as `WSAReceiveDuplicate`, `WSASocket(FROM_PROTOCOL_INFO, ...)` and `toNetSocket` (a
 * `net.Socket` that delivers the read-ahead first). Sockets move only through the switch's public
 * calls, with its checks and access control: no descriptor of a connection travels any other way.
 *
 * Today each socket is one duplication (one transport message each way). The batch extension
 * (`WSADuplicateSocketBatch`, issue 14) will replace the loop in `send` and `receive`; nothing else in
 * the package depends on how many messages a move takes.
 */
import type { Server, Socket as NetSocket } from 'node:net';
import { FROM_PROTOCOL_INFO as FROM, type DuplicateDelivery, type Socket } from '@sanshare/protocol-info';
import { adoptNetSocket, toNetSocket, type Switch } from '@sanshare/switch';
import { ServerError, firstLine } from './errors.js';
import { receiveListener, sendListener } from './listener-transfer.js';
import { decodeMovedSocket, encodeMovedSocket, type MovedSocket } from './moved-socket-codec.js';

/** One socket to move, with what travels with it. */
export interface MoveItem {
  socket: NetSocket;
  moved: MovedSocket;
}

/** How one socket's move ended. */
export type MoveOutcome =
  /** The target has it; this process's descriptor is closed. */
  | { readonly outcome: 'moved' }
  /** It did not move (refused, lapsed, the target died): the connection is back here, read-ahead first in `socket`. */
  | { readonly outcome: 'returned'; readonly socket: NetSocket; readonly error: unknown }
  /** The connection ended (its client closed, or it failed underneath) before it could move. */
  | { readonly outcome: 'closed'; readonly error: unknown };

/** A socket that arrived. */
export interface ArrivedSocket {
  /** The connection, delivering the read-ahead first. */
  socket: NetSocket;
  moved: MovedSocket;
  /** The sending process (from the kernel's `SO_PEERCRED`, not from the message). */
  sourcePid: number;
}

/** Options of `receive`. */
export interface ReceiveOptions {
  /** Which sending processes to take sockets from (others are left unclaimed: they lapse back to their sender). */
  acceptFrom: (pid: number) => boolean;
  /** Ends the loop. */
  signal: AbortSignal;
  /** A delivery that could not be taken (expired, a malformed message...): told, then skipped. */
  onError?: (error: ServerError) => void;
  /**
   * A listener arrived (listener-transfer.ts) and was imported: its descriptor, under the name it
   * was sent with. Without it, a listener is left unclaimed (it lapses back to its sender).
   */
  onListener?: (name: string, fd: number) => void;
}

/**
 * How the switch tells that a duplication ended (issue 13's `onDuplicateSettled`, not yet on every
 * switch): the mover keeps its own descriptor until the target claimed the socket, and takes the
 * connection back when the duplication lapsed.
 */
interface DuplicateSettlement {
  onDuplicateSettled(listener: (event: { readonly s: Socket; readonly outcome: 'claimed' | 'lapsed'; readonly reason: string }) => void): () => void;
}

/** Options of `createSocketMover`. */
export interface SocketMoverOptions {
  /**
   * Wait for the provider's report that the target claimed each socket before closing this process's
   * descriptor, and take the socket back on a lapse (`onDuplicateSettled`). Without it a socket counts
   * as moved once the target's provider holds it, and a target that dies before importing it loses that
   * connection. Default: off, because nothing tells whether a provider reports (the switch's
   * `onDuplicateSettled` exists either way, and a provider that never reports would make every move
   * wait `settleTimeoutMs`); turn it on where the provider reports (`WPUNotifyDuplicateSettled`).
   */
  awaitSettlement?: boolean;
  /** Bound on that wait, in ms (past it the socket counts as moved). Default 35,000: the provider's import timeout plus 5 s. */
  settleTimeoutMs?: number;
}

/** Moves sockets between processes through one switch. */
export interface SocketMover {
  /** Whether claims are confirmed by the provider (see `SocketMoverOptions.awaitSettlement`). */
  readonly confirmsClaims: boolean;
  /** Moves each item to process `targetPid`; resolves with one outcome per item, in order. Never rejects for one item's failure. */
  send(targetPid: number, items: readonly MoveItem[]): Promise<MoveOutcome[]>;
  /**
   * Hands listening socket `server` (named `name`) to `targetPid` (listener-transfer.ts): `server`
   * stops accepting, and the target listens on the same kernel socket. Rejects with `ERR_LISTENER`
   * (docs/server.md "Listeners"); the caller keeps its own duplicate to listen again on.
   */
  sendListener(targetPid: number, name: string, server: Server): Promise<void>;
  /** The sockets that arrive, as they arrive (several imported at once); ends when `signal` aborts. */
  receive(options: ReceiveOptions): AsyncIterable<ArrivedSocket>;
}

const DEFAULT_SETTLE_TIMEOUT_MS = 35_000;

/** Creates the mover over a started switch (a switch whose catalog has a provider with sanshare's extensions). */
export function createSocketMover(sw: Switch, options: SocketMoverOptions = {}): SocketMover {
  const settlement = (sw as Partial<DuplicateSettlement>).onDuplicateSettled === undefined ? undefined : (sw as unknown as DuplicateSettlement);
  const confirmsClaims = options.awaitSettlement ?? false;
  if (confirmsClaims && settlement === undefined) {
    throw new ServerError('ERR_INVALID_ARGUMENT', 'awaitSettlement: this switch has no onDuplicateSettled; update @sanshare/switch or leave awaitSettlement unset');
  }
  const settleTimeoutMs = options.settleTimeoutMs ?? DEFAULT_SETTLE_TIMEOUT_MS;
  const waiting = new Map<Socket, (outcome: 'claimed' | 'lapsed', reason: string) => void>();
  if (confirmsClaims) {
    settlement?.onDuplicateSettled((event) => waiting.get(event.s)?.(event.outcome, event.reason));
  }

  /** The connection back as a `net.Socket` (the provider gives its read-ahead back first); 'closed' if even that fails. */
  async function takeBack(s: Socket, error: unknown): Promise<MoveOutcome> {
    try {
      return { outcome: 'returned', socket: await toNetSocket(sw, s), error };
    } catch (cause) {
      await sw.closesocket(s).catch(() => undefined);
      return { outcome: 'closed', error: cause };
    }
  }

  async function settle(s: Socket): Promise<{ outcome: 'claimed' | 'lapsed'; reason: string }> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done('claimed', `no report within ${settleTimeoutMs} ms`), settleTimeoutMs);
      function done(outcome: 'claimed' | 'lapsed', reason: string): void {
        clearTimeout(timer);
        waiting.delete(s);
        resolve({ outcome, reason });
      }
      waiting.set(s, done);
    });
  }

  async function sendOne(targetPid: number, item: MoveItem): Promise<MoveOutcome> {
    // Encode first: a state over the limit must not cost the connection its place in its server.
    let message: Uint8Array;
    try {
      message = encodeMovedSocket(item.moved);
    } catch (error) {
      return { outcome: 'returned', socket: item.socket, error };
    }
    let s: Socket;
    try {
      s = await adoptNetSocket(sw, item.socket);
    } catch (error) {
      // Not connected any more (the client closed), or the provider failed after taking it: gone either way.
      if (!item.socket.destroyed) return { outcome: 'returned', socket: item.socket, error };
      return { outcome: 'closed', error };
    }
    // Registered before the call: a settlement may be reported as soon as the target imports.
    const settled = confirmsClaims ? settle(s) : undefined;
    try {
      await sw.WSADuplicateSocketWithMessage(s, targetPid, message);
    } catch (error) {
      waiting.get(s)?.('lapsed', 'not handed off');
      // Not handed off: the provider resumed the socket, read-ahead first; it is still ours.
      return takeBack(s, error);
    }
    if (settled !== undefined) {
      const { outcome, reason } = await settled;
      if (outcome === 'lapsed') {
        return takeBack(s, new ServerError('ERR_SUCCESSOR_FAILED', `pid ${targetPid} never took the socket: ${reason}`));
      }
    }
    // This process's descriptor only: the socket lives on in the target.
    await sw.closesocket(s).catch(() => undefined);
    return { outcome: 'moved' };
  }

  return {
    confirmsClaims,
    send(targetPid, items) {
      return Promise.all(items.map((item) => sendOne(targetPid, item)));
    },
    sendListener(targetPid, name, server) {
      return sendListener(sw, targetPid, name, server);
    },
    receive(receiveOptions) {
      return receiveLoop(sw, receiveOptions);
    },
  };
}

/** Imports taken at once while receiving: deliveries keep coming while earlier ones are imported. */
const RECEIVE_CONCURRENCY = 32;

async function* receiveLoop(sw: Switch, options: ReceiveOptions): AsyncGenerator<ArrivedSocket> {
  const { signal, acceptFrom, onError, onListener } = options;
  const arrived: ArrivedSocket[] = [];
  let importing = 0;
  let receiving = true;
  // Two waiters: the pump (for a free import slot) and the consumer (for an arrival).
  let wakePump: (() => void) | undefined;
  let wakeConsumer: (() => void) | undefined;
  const nudge = (): void => {
    wakePump?.();
    wakeConsumer?.();
    wakePump = wakeConsumer = undefined;
  };
  signal.addEventListener('abort', nudge, { once: true });

  /** One delivery: checked, imported, bridged to Node; `undefined` when it could not be taken (told to onError). */
  async function take(delivery: DuplicateDelivery): Promise<ArrivedSocket | undefined> {
    if (!acceptFrom(delivery.sourcePid)) {
      // Not claimed: it lapses back to its sender at the import timeout, nothing lost.
      onError?.(new ServerError('ERR_CONTROL_PROTOCOL', `a socket from pid ${delivery.sourcePid}, which this process does not take sockets from, was left unclaimed`));
      return undefined;
    }
    let moved: MovedSocket;
    try {
      moved = decodeMovedSocket(delivery.message);
    } catch (error) {
      onError?.(error as ServerError);
      return undefined;
    }
    if (moved.listener) {
      if (onListener === undefined) {
        onError?.(new ServerError('ERR_LISTENER', `pid ${delivery.sourcePid} sent listener '${moved.server}' through the switch, and nothing here takes listeners; left unclaimed`));
      } else {
        await receiveListener(sw, delivery, moved.server).then((fd) => onListener(moved.server, fd), (error: unknown) => onError?.(error as ServerError));
      }
      return undefined;
    }
    let s: Socket;
    try {
      s = await sw.WSASocket(FROM, FROM, FROM, delivery.protocolInfo);
    } catch (error) {
      onError?.(new ServerError('ERR_CLOSED', `a socket from pid ${delivery.sourcePid} for '${moved.server}' could not be imported: ${firstLine(error)}`, { cause: error }));
      return undefined;
    }
    try {
      return { socket: await toNetSocket(sw, s), moved, sourcePid: delivery.sourcePid };
    } catch (error) {
      await sw.closesocket(s).catch(() => undefined);
      onError?.(new ServerError('ERR_CLOSED', `a socket from pid ${delivery.sourcePid} for '${moved.server}' could not be bridged to Node: ${firstLine(error)}`, { cause: error }));
      return undefined;
    }
  }

  const pump = (async () => {
    while (!signal.aborted) {
      if (importing >= RECEIVE_CONCURRENCY) {
        await new Promise<void>((resolve) => (wakePump = resolve));
        continue;
      }
      let delivery: DuplicateDelivery;
      try {
        delivery = await sw.WSAReceiveDuplicate({ signal });
      } catch (error) {
        // Aborted; or WSAENETDOWN after WSACleanup, a provider without the extension: nothing more arrives.
        if (!signal.aborted) onError?.(new ServerError('ERR_CLOSED', `receiving moved sockets stopped: ${firstLine(error)}`, { cause: error }));
        break;
      }
      importing++;
      void take(delivery).then((taken) => {
        importing--;
        if (taken !== undefined) arrived.push(taken);
        nudge();
      });
    }
    receiving = false;
    nudge();
  })();

  try {
    for (;;) {
      const next = arrived.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (!receiving && importing === 0) break;
      await new Promise<void>((resolve) => (wakeConsumer = resolve));
    }
  } finally {
    signal.removeEventListener('abort', nudge);
    await pump;
  }
}
