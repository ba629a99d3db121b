/**
 * The glue between a server and the switch: the one place where sockets leave this process and
 * arrive in it. Connections leave as `adoptNetSockets` (one provider call adopts a batch; Node stops
 * reading, and what it had read travels as read-ahead), then `WSADuplicateSocketBatch` with one
 * `MovedSocket` message each, a few hundred per call (the provider packs them into as few kernel
 * messages as `SCM_MAX_FD` allows; a provider without the batch extension is driven one socket at a
 * time by the switch). They arrive through
 * `WSAReceiveDuplicates` (every delivery there, in one call), `WSASocketBatch` (all of them imported
 * in one call) and `toNetSocket` (a `net.Socket` that delivers the read-ahead first). Sockets move only through the
 * switch's public calls, with its checks and access control: no descriptor of a connection travels
 * any other way.
 */
import type { Server, Socket as NetSocket } from 'node:net';
import { FROM_PROTOCOL_INFO as FROM, WsaError, type DuplicateBatchResult, type DuplicateDelivery, type Socket, type SocketBatchResult } from '@sanshare/protocol-info';
import { adoptNetSockets, DEFAULT_PROVIDER_MODULE, toNetSocket, type Switch } from '@sanshare/switch';
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
 * How the switch tells that a duplication ended (issue 13's `onDuplicateSettled`, not on a switch
 * older than it): the mover keeps its own descriptor until the target claimed the socket, and takes
 * the connection back when the duplication lapsed.
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
   * connection. Default: on when the switch has `onDuplicateSettled` and every provider it loaded is
   * one known to report (`WPUNotifyDuplicateSettled`: sanshare's own provider, which every process of
   * this package runs); off otherwise, since a provider that never reports would make every move wait
   * `settleTimeoutMs`.
   */
  awaitSettlement?: boolean;
  /** Bound on that wait, in ms (past it the socket counts as moved). Default 35,000: the provider's import timeout plus 5 s. */
  settleTimeoutMs?: number;
}

/** Moves sockets between processes through one switch. */
export interface SocketMover {
  /** Whether claims are confirmed by the provider (see `SocketMoverOptions.awaitSettlement`). */
  readonly confirmsClaims: boolean;
  /**
   * Moves each item to process `targetPid`, in batches of `SEND_BATCH_SIZE` (`WSADuplicateSocketBatch`);
   * resolves with one outcome per item, in order. Never rejects for one item's failure.
   */
  send(targetPid: number, items: readonly MoveItem[]): Promise<MoveOutcome[]>;
  /**
   * `send` for a caller that takes each outcome on its own: `tell(index, outcome)` once per item, as
   * soon as that item's outcome is known (a moved socket at its claim, not at the last claim of its
   * batch). Holds no item meanwhile: a socket's `net.Socket`, its message and its `MoveItem` can be
   * collected once it is in the switch, while its claim is awaited. Never throws.
   */
  sendEach(targetPid: number, items: readonly MoveItem[], tell: (index: number, outcome: MoveOutcome) => void): void;
  /**
   * Hands listening socket `server` (named `name`) to `targetPid` (listener-transfer.ts): `server`
   * stops accepting, and the target listens on the same kernel socket. Rejects with `ERR_LISTENER`
   * (docs/server.md "Listeners"); the caller keeps its own duplicate to listen again on.
   */
  sendListener(targetPid: number, name: string, server: Server): Promise<void>;
  /** The sockets that arrive, as they arrive (several imported at once); ends when `signal` aborts. */
  receive(options: ReceiveOptions): AsyncIterable<ArrivedSocket>;
  /**
   * Stops waiting for claims, now and from now on: each socket whose claim is awaited counts as moved
   * at once, as it would at `settleTimeoutMs`. For a process that is closing its switch: no claim
   * could reach it any more, and its moves would otherwise hold on for the whole timeout.
   */
  stopAwaitingClaims(reason: string): void;
}

const DEFAULT_SETTLE_TIMEOUT_MS = 35_000;

/**
 * Sockets per `WSADuplicateSocketBatch` call: a few hundred, so that the per-call cost (one lock pass,
 * one provider call, one result array) is shared, while one call never holds more descriptors in
 * flight than a non-root user's `RLIMIT_NOFILE` tolerates (`ETOOMANYREFS`), nor makes the first socket
 * wait for the thousandth. The provider packs each call into messages of at most `SCM_MAX_FD` (253).
 */
export const SEND_BATCH_SIZE = 250;

/** Providers known to report how each duplication ended (`WPUNotifyDuplicateSettled`, since issue 13). */
const SETTLEMENT_REPORTING_PROVIDERS: ReadonlySet<string> = new Set([DEFAULT_PROVIDER_MODULE]);

/** Whether every provider `sw` loaded reports settlements (the switch passing them on is checked by the caller). */
function providersReportSettlements(sw: Switch): boolean {
  return sw.providers.length > 0 && sw.providers.every((p) => SETTLEMENT_REPORTING_PROVIDERS.has(p.providerModule));
}

/** An item that is in the switch now, ready to be duplicated. */
interface AdoptedItem {
  readonly index: number;
  readonly s: Socket;
  readonly message: Uint8Array;
}

type Tell = (index: number, outcome: MoveOutcome) => void;

/** The items of one `WSADuplicateSocketBatch` call whose claims are awaited, under one timer. */
interface SettleGroup {
  open: number;
  timer: NodeJS.Timeout | undefined;
  readonly targetPid: number;
  readonly tell: Tell;
}

/**
 * One duplicated socket until its outcome is told: its switch socket and index only (its message
 * and its `net.Socket` are not kept). The claim can be reported before the batch call returns, so
 * the two are recorded and the outcome follows once both are known.
 */
interface Pending {
  readonly s: Socket;
  readonly index: number;
  readonly group: SettleGroup;
  /** The batch call answered for it: it went. */
  answered: boolean;
  settlement: 'claimed' | 'lapsed' | undefined;
  reason: string;
}

/** Creates the mover over a started switch (a switch whose catalog has a provider with sanshare's extensions). */
export function createSocketMover(sw: Switch, options: SocketMoverOptions = {}): SocketMover {
  const settlement = (sw as Partial<DuplicateSettlement>).onDuplicateSettled === undefined ? undefined : (sw as unknown as DuplicateSettlement);
  const confirmsClaims = options.awaitSettlement ?? (settlement !== undefined && providersReportSettlements(sw));
  if (confirmsClaims && settlement === undefined) {
    throw new ServerError('ERR_INVALID_ARGUMENT', 'awaitSettlement: this switch has no onDuplicateSettled; update @sanshare/switch or leave awaitSettlement unset');
  }
  const settleTimeoutMs = options.settleTimeoutMs ?? DEFAULT_SETTLE_TIMEOUT_MS;
  // Sockets duplicated and not settled yet (only when claims are confirmed).
  const waiting = new Map<Socket, Pending>();
  /** Set by `stopAwaitingClaims`: why no claim is awaited any more. */
  let notAwaiting: string | undefined;
  if (confirmsClaims) {
    settlement?.onDuplicateSettled((event) => {
      const pending = waiting.get(event.s);
      if (pending !== undefined) settle(pending, event.outcome, event.reason);
    });
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

  /** The target has the socket: this process's descriptor only is closed (the socket lives on in the target). */
  async function moved(s: Socket): Promise<MoveOutcome> {
    await sw.closesocket(s).catch(() => undefined);
    return { outcome: 'moved' };
  }

  /** Stops waiting for `pending`'s claim; its outcome follows now if the batch call answered for it already. */
  function settle(pending: Pending, outcome: 'claimed' | 'lapsed', reason: string): void {
    waiting.delete(pending.s);
    const group = pending.group;
    if (--group.open === 0 && group.timer !== undefined) clearTimeout(group.timer);
    pending.settlement = outcome;
    pending.reason = reason;
    if (pending.answered) conclude(pending);
  }

  /** Gone and settled: moved, or taken back when the target never took it. */
  function conclude(pending: Pending): void {
    const { s, index, group } = pending;
    const outcome =
      pending.settlement === 'lapsed'
        ? takeBack(s, new ServerError('ERR_SUCCESSOR_FAILED', `pid ${group.targetPid} never took the socket: ${pending.reason}`))
        : moved(s);
    void outcome.then((o) => group.tell(index, o));
  }

  /**
   * Waits for the settlement of each socket of one batch. One timer for the batch, not one per
   * socket: past `settleTimeoutMs` every socket not reported yet counts as claimed.
   */
  function awaitClaims(pendings: readonly Pending[], group: SettleGroup): void {
    group.open = pendings.length;
    if (notAwaiting !== undefined) {
      for (const pending of pendings) settle(pending, 'claimed', notAwaiting);
      return;
    }
    for (const pending of pendings) waiting.set(pending.s, pending);
    group.timer = setTimeout(() => {
      for (const pending of pendings) if (waiting.get(pending.s) === pending) settle(pending, 'claimed', `no report within ${settleTimeoutMs} ms`);
    }, settleTimeoutMs);
  }

  /**
   * How an item that could not get into the switch ended: still here when the switch left its
   * `net.Socket` alone (not connected any more, no provider), closed when it was detached first (the
   * provider failed after taking it: its descriptor was closed).
   */
  function notAdopted(item: MoveItem, error: unknown): MoveOutcome {
    if (!item.socket.destroyed) return { outcome: 'returned', socket: item.socket, error };
    return { outcome: 'closed', error };
  }

  /**
   * Puts `items` (encoded already) into the switch with one `adoptNetSockets` call, tells the outcome
   * of each that cannot go that far, and sends the others in one batch.
   */
  async function adoptAndSend(targetPid: number, items: readonly MoveItem[], indexes: readonly number[], messages: readonly Uint8Array[], tell: Tell): Promise<void> {
    let results: SocketBatchResult[];
    try {
      results = await adoptNetSockets(
        sw,
        items.map((item) => item.socket),
      );
    } catch (error) {
      // The call's own fault (the switch is down): no socket was touched.
      results = items.map(() => ({ error: error as WsaError }));
    }
    const ready: AdoptedItem[] = [];
    for (let at = 0; at < items.length; at++) {
      const result = results[at];
      const index = indexes[at] as number;
      if (result?.s !== undefined) ready.push({ index, s: result.s, message: messages[at] as Uint8Array });
      else tell(index, notAdopted(items[at] as MoveItem, result?.error));
    }
    if (ready.length > 0) await sendBatch(targetPid, ready, tell);
  }

  /** The outcome of one item the batch call refused: still here (taken back), or closed. */
  async function notSent(s: Socket, error: WsaError): Promise<MoveOutcome> {
    let handedOff: boolean;
    try {
      handedOff = sw.isHandedOff(s);
    } catch (cause) {
      // WSAENOTSOCK: the provider released the socket meanwhile (the connection failed underneath).
      return { outcome: 'closed', error: cause };
    }
    if (handedOff) {
      // The provider broke its contract for this item (WSAEINVALIDPROVIDER): whether the socket went
      // is unknown, so it cannot be served here; this process's descriptor is released.
      await sw.closesocket(s).catch(() => undefined);
      return { outcome: 'closed', error };
    }
    // Not handed off: the provider resumed the socket, read-ahead first; it is still ours.
    return takeBack(s, error);
  }

  /**
   * One `WSADuplicateSocketBatch` call for `batch`; each item's outcome told once known. Only the
   * call holds the messages; what waits for the claims is a `Pending` per socket.
   */
  async function sendBatch(targetPid: number, batch: readonly AdoptedItem[], tell: Tell): Promise<void> {
    const group: SettleGroup = { open: 0, timer: undefined, targetPid, tell };
    const pendings = batch.map(({ s, index }): Pending => ({ s, index, group, answered: false, settlement: undefined, reason: '' }));
    // Registered before the call: a settlement may be reported as soon as the target imports.
    if (confirmsClaims) awaitClaims(pendings, group);
    let results: DuplicateBatchResult[];
    try {
      results = await sw.WSADuplicateSocketBatch(
        batch.map(({ s, message }) => ({ s, message })),
        targetPid,
      );
    } catch (error) {
      // The call's own fault (the switch is down): nothing was duplicated, every socket is still ours.
      results = batch.map(() => ({ error: error as WsaError }));
    }
    for (let at = 0; at < pendings.length; at++) {
      const pending = pendings[at] as Pending;
      const result = results[at] ?? { error: new WsaError('WSAEINVALIDPROVIDER', 'WSADuplicateSocketBatch gave no result for this item') };
      if (result.error !== undefined) {
        if (waiting.get(pending.s) === pending) settle(pending, 'lapsed', 'not handed off');
        const { index } = pending;
        void notSent(pending.s, result.error).then((o) => tell(index, o));
      } else if (!confirmsClaims) {
        const { index } = pending;
        void moved(pending.s).then((o) => tell(index, o));
      } else {
        pending.answered = true;
        if (pending.settlement !== undefined) conclude(pending);
      }
    }
  }

  function sendEach(targetPid: number, items: readonly MoveItem[], tell: Tell): void {
    // The sockets ready to go are adopted together (one provider call per batch) and sent in one
    // batch call, `SEND_BATCH_SIZE` at a time; a socket with unsent writes is adopted once they
    // reached the kernel, and sent on its own then, so that it holds no other back.
    let ready: { items: MoveItem[]; indexes: number[]; messages: Uint8Array[] } = { items: [], indexes: [], messages: [] };
    const refused: Array<[number, MoveOutcome]> = [];
    for (let index = 0; index < items.length; index++) {
      const item = items[index] as MoveItem;
      // Encode first: a state over the limit must not cost the connection its place in its server.
      let message: Uint8Array;
      try {
        message = encodeMovedSocket(item.moved);
      } catch (error) {
        refused.push([index, { outcome: 'returned', socket: item.socket, error }]);
        continue;
      }
      if (item.socket.writableLength > 0) {
        void adoptAndSend(targetPid, [item], [index], [message], tell);
        continue;
      }
      ready.items.push(item);
      ready.indexes.push(index);
      ready.messages.push(message);
      if (ready.items.length === SEND_BATCH_SIZE) {
        void adoptAndSend(targetPid, ready.items, ready.indexes, ready.messages, tell);
        ready = { items: [], indexes: [], messages: [] };
      }
    }
    if (ready.items.length > 0) void adoptAndSend(targetPid, ready.items, ready.indexes, ready.messages, tell);
    // Told after this call returns, as every other outcome is.
    if (refused.length > 0) {
      queueMicrotask(() => {
        for (const [index, outcome] of refused) tell(index, outcome);
      });
    }
  }

  return {
    confirmsClaims,
    stopAwaitingClaims(reason: string): void {
      notAwaiting ??= reason;
      for (const pending of [...waiting.values()]) settle(pending, 'claimed', reason);
    },
    send(targetPid, items) {
      return new Promise((resolve) => {
        const outcomes = new Array<MoveOutcome>(items.length);
        let left = items.length;
        if (left === 0) {
          resolve(outcomes);
          return;
        }
        sendEach(targetPid, items, (index, outcome) => {
          outcomes[index] = outcome;
          if (--left === 0) resolve(outcomes);
        });
      });
    },
    sendEach,
    sendListener(targetPid, name, server) {
      return sendListener(sw, targetPid, name, server);
    },
    receive(receiveOptions) {
      return receiveLoop(sw, receiveOptions);
    },
  };
}

/**
 * Imports under way at once while receiving, and the most deliveries taken by one
 * `WSAReceiveDuplicates` call: deliveries keep coming while earlier ones are imported, and a batch of
 * the sender (`SEND_BATCH_SIZE`) is taken in one call.
 */
const RECEIVE_CONCURRENCY = 256;

/**
 * Deliveries taken (imported, bridged, handed to the server) in one event-loop turn. Node (libuv
 * 1.45 and later) accepts one new connection per listener per turn, and every connection taken in a
 * turn is read and answered in the next one: a whole batch of 250 at once made turns of 100-400 ms,
 * so that new connects waited seconds in the kernel's accept queue during a move. A few at a time
 * keeps turns short (a few ms), at the cost of one more turn per chunk.
 */
export const TAKEN_PER_TURN = 16;

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

  /** A delivery that is a connection to import (its source accepted, its message decoded). */
  interface Connection {
    readonly delivery: DuplicateDelivery;
    readonly moved: MovedSocket;
  }

  /**
   * A delivery's checks, which stay per delivery: its source, its message, whether it is a listener
   * (taken here, on its own: listener-transfer.ts). The connection to import, or undefined when it is
   * not one (told to onError, or a listener under way: each counts in `importing` until it is done).
   */
  function connectionOf(delivery: DuplicateDelivery): Connection | undefined {
    if (!acceptFrom(delivery.sourcePid)) {
      // Not claimed: it lapses back to its sender at the import timeout, nothing lost.
      onError?.(new ServerError('ERR_CONTROL_PROTOCOL', `a socket from pid ${delivery.sourcePid}, which this process does not take sockets from, was left unclaimed`));
      importing--;
      return undefined;
    }
    let moved: MovedSocket;
    try {
      moved = decodeMovedSocket(delivery.message);
    } catch (error) {
      onError?.(error as ServerError);
      importing--;
      return undefined;
    }
    if (!moved.listener) return { delivery, moved };
    if (onListener === undefined) {
      onError?.(new ServerError('ERR_LISTENER', `pid ${delivery.sourcePid} sent listener '${moved.server}' through the switch, and nothing here takes listeners; left unclaimed`));
      importing--;
    } else {
      void receiveListener(sw, delivery, moved.server)
        .then((fd) => onListener(moved.server, fd), (error: unknown) => onError?.(error as ServerError))
        .finally(() => {
          importing--;
          nudge();
        });
    }
    return undefined;
  }

  const notImported = (connection: Connection, error: unknown): ServerError =>
    new ServerError('ERR_CLOSED', `a socket from pid ${connection.delivery.sourcePid} for '${connection.moved.server}' could not be imported: ${firstLine(error)}`, { cause: error });

  /**
   * The deliveries of one `WSAReceiveDuplicates` call: checked one by one, their connections imported
   * with one `WSASocketBatch` call (one claim notice per source for all of them), then bridged to
   * Node `TAKEN_PER_TURN` per event-loop turn (decision 0009: short turns keep new connects answered).
   * Each delivery that cannot be taken is told to onError, as ever.
   */
  async function takeAll(deliveries: readonly DuplicateDelivery[]): Promise<void> {
    const connections: Connection[] = [];
    for (const delivery of deliveries) {
      const connection = connectionOf(delivery);
      if (connection !== undefined) connections.push(connection);
    }
    if (connections.length === 0) {
      nudge();
      return;
    }
    let results: SocketBatchResult[];
    try {
      results = await sw.WSASocketBatch(connections.map((c) => c.delivery.protocolInfo));
    } catch (error) {
      // The call refused them all (WSACleanup): each is told, as a failed import.
      for (const connection of connections) onError?.(notImported(connection, error));
      importing -= connections.length;
      nudge();
      return;
    }
    for (let at = 0, bridged = 0; at < connections.length; at++) {
      const connection = connections[at] as Connection;
      const result = results[at];
      if (result?.s === undefined) {
        onError?.(notImported(connection, result?.error));
        importing--;
        continue;
      }
      if (bridged > 0 && bridged % TAKEN_PER_TURN === 0) {
        nudge();
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      bridged++;
      const { s } = result;
      try {
        arrived.push({ socket: await toNetSocket(sw, s), moved: connection.moved, sourcePid: connection.delivery.sourcePid });
      } catch (error) {
        await sw.closesocket(s).catch(() => undefined);
        onError?.(new ServerError('ERR_CLOSED', `a socket from pid ${connection.delivery.sourcePid} for '${connection.moved.server}' could not be bridged to Node: ${firstLine(error)}`, { cause: error }));
      }
      importing--;
    }
    nudge();
  }

  const pump = (async () => {
    while (!signal.aborted) {
      if (importing >= RECEIVE_CONCURRENCY) {
        await new Promise<void>((resolve) => (wakePump = resolve));
        continue;
      }
      let deliveries: DuplicateDelivery[];
      try {
        deliveries = await sw.WSAReceiveDuplicates({ signal, max: RECEIVE_CONCURRENCY - importing });
      } catch (error) {
        // Aborted; or WSAENETDOWN after WSACleanup, a provider without the extension: nothing more arrives.
        if (!signal.aborted) onError?.(new ServerError('ERR_CLOSED', `receiving moved sockets stopped: ${firstLine(error)}`, { cause: error }));
        break;
      }
      importing += deliveries.length;
      await takeAll(deliveries);
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
