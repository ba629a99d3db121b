/**
 * Moves the live connections of this process's attached servers to another process, each at its
 * safe point: freeze (the adapter stops reading at a request or message boundary), detach, send
 * through the switch. Connections that cannot move get until the drain deadline, then the fallback
 * (`Connection: close`, WebSocket close 1012); the caller decides whether to wait for them to end.
 * One engine for a restart (everything to the successor) and a pool (a worker's connections to another).
 */
import { armDeadline } from '@sanshare/internal';
import type { Socket as NetSocket } from 'node:net';
import type { ConnectionAdapter, FreezeResult } from './adapters/connection-adapter.js';
import type { MoveCounts } from './control-codec.js';
import { MOVE_CONCURRENCY } from './constants.js';
import { createSendBatcher } from './send-batcher.js';
import { SEND_BATCH_SIZE, type SocketMover } from './socket-mover.js';

/** A server whose connections can move, under the name both processes know it by. */
export interface AttachedServer {
  readonly name: string;
  readonly adapter: ConnectionAdapter<unknown>;
}

/** What a move did, connection by connection. */
export interface MoveReport extends MoveCounts {
  /** Sockets handed to the switch (each moved one, and each one that came back). */
  socketsSent: number;
  /** Why each connection that could not move could not (adapter's words), at most 100 of them. */
  unmovable: string[];
  /** The move was abandoned (the target died): what was not sent yet stayed here, in service. */
  aborted: boolean;
}

/** Options of `moveConnections`. */
export interface MoveConnectionsOptions {
  readonly servers: readonly AttachedServer[];
  readonly mover: SocketMover;
  readonly targetPid: number;
  /** Connections that have not reached a safe point by then (ms from the start) get the fallback, or are left alone. */
  readonly drainTimeoutMs: number;
  /** Give the fallback at the deadline (a restart, a drain); otherwise leave them in service (a rebalance). */
  readonly fallbackAtDeadline: boolean;
  /** Move at most this many (0 or absent: all). */
  readonly limit?: number;
  /** Abandons the move: nothing more is frozen or sent; frozen connections go back into service. */
  readonly signal: AbortSignal;
  /** Called after every change of the counts. */
  readonly onProgress?: (counts: MoveCounts) => void;
}

/** Live connections of every attached server, counted now. */
export function countConnections(servers: readonly AttachedServer[]): number {
  let n = 0;
  for (const { adapter } of servers) for (const _ of adapter.connections()) n++;
  return n;
}

/** How often the engine looks again for connections when it has nothing in flight (ms): ones put back after a refusal, or ending. */
const SWEEP_INTERVAL_MS = 25;
/** Pause after a refused move, in ms, doubling while refusals go on. */
const REFUSAL_BACKOFF_MS = { first: 20, max: 1_000 } as const;
/** Progress events of a move: at most one per this many ms. */
const PROGRESS_INTERVAL_MS = 50;
/** The remaining connections are counted (all of them walked) at most this often, in ms. */
const COUNT_INTERVAL_MS = 1_000;
const MAX_REPORTED_REASONS = 100;
/** Fallbacks given in one turn of the event loop. */
const FALLBACK_CHUNK = 256;

/** Runs one move; resolves when every connection moved, or could not move by the deadline (after its fallback), or the move was abandoned. */
export async function moveConnections(options: MoveConnectionsOptions): Promise<MoveReport> {
  const { servers, mover, targetPid, signal } = options;
  const limit = options.limit !== undefined && options.limit > 0 ? options.limit : Infinity;
  const report: MoveReport = { phase: 'moving', moved: 0, remaining: 0, refused: 0, unserved: 0, fallback: 0, closed: 0, socketsSent: 0, unmovable: [], aborted: false };
  // Connections launched and not detached yet (a connection is launched once); a detached one is no
  // longer a connection of its server, and is only counted (`sending`) until its outcome, so that
  // nothing of it but its state is kept while its claim is awaited.
  const freezing = new Set<unknown>();
  let sending = 0;
  const inFlight = (): number => freezing.size + sending;
  // Connections that reach their safe point in the same turn of the event loop go in one batch.
  const batcher = createSendBatcher(mover, targetPid);
  const unmovable = new Map<unknown, AttachedServer>();
  // Freezes end at the drain deadline or when the move is abandoned (`signal`), whichever comes first.
  const stopFreezing = new AbortController();
  const disarm = armDeadline({ signal, timeoutMs: options.drainTimeoutMs }, (expiry) =>
    stopFreezing.abort(expiry.timedOut ? new Error(`drain deadline of ${options.drainTimeoutMs} ms`) : expiry.reason),
  );
  const freezeSignal = stopFreezing.signal;
  let started = 0;
  let wake: (() => void) | undefined;
  // Woken through setImmediate, never in the same microtask run: a move that fails at once (a
  // successor that just died) must not spin without letting the event loop see that death.
  const nudge = (): void => {
    const resolve = wake;
    wake = undefined;
    if (resolve !== undefined) setImmediate(resolve);
  };
  // After a refusal, launch nothing for a while (doubling): a target that refuses everything is not
  // hammered, and a target that died is noticed (its exit, its control channel) before the next try.
  let backoffMs = 0;
  let pausedUntil = 0;
  // At most one event per interval (and the last). Counting the remaining connections walks them
  // all (10,000 walked every 50 ms cost 10-18 us per moved connection): a walk at most every
  // COUNT_INTERVAL_MS (and for the last event), and in between the last count less what was detached since.
  let lastProgress = 0;
  let lastCount = -Infinity;
  let counted = 0;
  let detachedSinceCount = 0;
  const progress = (final = false): void => {
    const now = performance.now();
    if (!final && now - lastProgress < PROGRESS_INTERVAL_MS) return;
    lastProgress = now;
    if (final || now - lastCount >= COUNT_INTERVAL_MS) {
      lastCount = now;
      counted = countConnections(servers);
      detachedSinceCount = 0;
    }
    report.remaining = Math.max(0, counted - detachedSinceCount);
    options.onProgress?.({ ...report });
  };
  freezeSignal.addEventListener('abort', nudge, { once: true });

  /** One connection's move, once launched: its freeze, then its detach and send (`sendOut`). */
  function moveOne(server: AttachedServer, conn: unknown): void {
    const stopped = (why: string): FreezeResult => ({ frozen: false, why });
    let frozen: Promise<FreezeResult>;
    try {
      frozen = server.adapter.freeze(conn, freezeSignal);
    } catch (error) {
      frozen = Promise.resolve(stopped(String(error)));
    }
    void frozen.then(
      (result) => afterFreeze(server, conn, result),
      (error: unknown) => afterFreeze(server, conn, stopped(String(error))),
    );
  }

  function afterFreeze(server: AttachedServer, conn: unknown, frozen: FreezeResult): void {
    const { adapter, name } = server;
    freezing.delete(conn);
    if (!frozen.frozen) {
      if (!signal.aborted) notMovable(server, conn, frozen.why);
    } else if (signal.aborted) {
      adapter.unfreeze(conn);
    } else {
      let detached: { socket: NetSocket; state: Uint8Array };
      try {
        detached = adapter.detach(conn);
      } catch (error) {
        // Refused before any step that cannot be undone (a state over 64 KiB, say): it stays here,
        // in service, and gets the fallback at the deadline.
        adapter.unfreeze(conn);
        notMovable(server, conn, error instanceof Error ? error.message : String(error));
        return settled();
      }
      sending++;
      detachedSinceCount++;
      return sendOut(adapter, name, detached.socket, detached.state);
    }
    settled();
  }

  function notMovable(server: AttachedServer, conn: unknown, why: string): void {
    unmovable.set(conn, server);
    if (report.unmovable.length < MAX_REPORTED_REASONS) report.unmovable.push(`${server.name}: ${why}`);
  }

  function settled(): void {
    progress();
    nudge();
  }

  /** A detached connection to the target; what waits for its outcome holds its adapter and state, not the connection. */
  function sendOut(adapter: ConnectionAdapter<unknown>, name: string, socket: NetSocket, state: Uint8Array): void {
    batcher.send({ socket, moved: { server: name, state, listener: false, fresh: false } }, (outcome) => {
      sending--;
      report.socketsSent++;
      if (outcome.outcome === 'moved') {
        report.moved++;
        backoffMs = 0;
      } else if (outcome.outcome === 'closed') report.closed++;
      else {
        // Refused, lapsed, or the target is gone: it stays here, in service, and may be tried again.
        backoffMs = Math.min(Math.max(backoffMs * 2, REFUSAL_BACKOFF_MS.first), REFUSAL_BACKOFF_MS.max);
        pausedUntil = performance.now() + backoffMs;
        try {
          adapter.adopt(outcome.socket, state);
          report.refused++;
        } catch {
          // The socket ended meanwhile (or its own state was refused, a bug underneath): closed.
          outcome.socket.destroy();
          report.closed++;
        }
      }
      settled();
    });
  }

  try {
    for (;;) {
      if (signal.aborted) {
        report.aborted = true;
        break;
      }
      const expired = freezeSignal.aborted;
      let launched = 0;
      // Outcomes come one claim at a time: launching into every slot as it frees would freeze, and
      // send, a connection or two per turn (a `WSADuplicateSocketBatch` call, an export message each).
      // Launched a batch's worth at a time, they go in full batches.
      const room = MOVE_CONCURRENCY - inFlight();
      if (!expired && performance.now() >= pausedUntil && (room >= SEND_BATCH_SIZE || inFlight() === 0)) {
        for (const server of servers) {
          for (const conn of server.adapter.connections()) {
            if (started >= limit || inFlight() >= MOVE_CONCURRENCY) break;
            if (freezing.has(conn) || unmovable.has(conn)) continue;
            freezing.add(conn);
            started++;
            launched++;
            moveOne(server, conn);
          }
        }
      }
      if (inFlight() === 0 && launched === 0) {
        const live = new Set<unknown>();
        for (const { adapter } of servers) for (const conn of adapter.connections()) live.add(conn);
        for (const conn of unmovable.keys()) if (!live.has(conn)) unmovable.delete(conn);
        // Only connections that cannot move are left (or none): a restart or a drain waits for the
        // deadline (they may end by themselves first), a rebalance leaves them where they are.
        const onlyUnmovable = live.size === unmovable.size;
        if (expired || started >= limit || (onlyUnmovable && (unmovable.size === 0 || !options.fallbackAtDeadline))) break;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        // New candidates appear without an event (a refused connection put back); look again soon.
        setTimeout(resolve, SWEEP_INTERVAL_MS).unref();
      });
    }
    // In-flight moves finish whatever happens: a socket half-sent must end as moved or back in service.
    while (inFlight() > 0) await new Promise<void>((resolve) => (wake = resolve));
    if (!report.aborted && options.fallbackAtDeadline) {
      report.phase = 'fallback';
      // Thousands of fallbacks (a close frame or a `Connection: close` each) in one synchronous loop
      // would stop this process's event loop for seconds: the connections still served here, and the
      // successor's claims, would wait. A turn of the event loop every FALLBACK_CHUNK connections.
      for (const server of servers) {
        const conns = [...server.adapter.connections()];
        let live: ReadonlySet<unknown> | undefined;
        for (let at = 0; at < conns.length; at++) {
          if (at > 0 && at % FALLBACK_CHUNK === 0) {
            await new Promise<void>((resolve) => setImmediate(resolve));
            // Those that ended by themselves meanwhile get no fallback, and are not counted.
            live = new Set(server.adapter.connections());
          }
          const conn = conns[at];
          if (live !== undefined && !live.has(conn)) continue;
          server.adapter.fallback(conn);
          report.fallback++;
        }
      }
    }
  } finally {
    disarm();
    freezeSignal.removeEventListener('abort', nudge);
  }
  report.phase = report.aborted ? 'aborted' : 'moved';
  progress(true);
  return report;
}
