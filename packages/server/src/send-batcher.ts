/**
 * Gathers the connections a move readies one by one (each reaches its safe point on its own) into
 * batches for `SocketMover.send`: what became ready in one turn of the event loop goes in one call,
 * and a batch that reaches `SEND_BATCH_SIZE` goes at once. So thousands of idle connections move in
 * a few dozen `WSADuplicateSocketBatch` calls, while a lone connection that reached its safe point
 * late is not held back waiting for company.
 */
import { SEND_BATCH_SIZE, type MoveItem, type MoveOutcome, type SocketMover } from './socket-mover.js';

/** Sends items to one target, batched. */
export interface SendBatcher {
  /** Queues `item`; resolves with its outcome once its batch was sent. */
  send(item: MoveItem): Promise<MoveOutcome>;
}

interface Queued {
  readonly item: MoveItem;
  readonly resolve: (outcome: MoveOutcome) => void;
}

/** A batcher over `mover` for process `targetPid`. */
export function createSendBatcher(mover: SocketMover, targetPid: number, batchSize = SEND_BATCH_SIZE): SendBatcher {
  let queued: Queued[] = [];
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    if (queued.length === 0) return;
    const batch = queued;
    queued = [];
    mover.send(targetPid, batch.map((q) => q.item)).then(
      (outcomes) => batch.forEach((q, at) => q.resolve(outcomes[at] as MoveOutcome)),
      // `send` never rejects for one item; a rejection is a bug underneath: each connection still in
      // its net.Socket is given back as it was, the others are reported closed (never served twice).
      (error: unknown) =>
        batch.forEach((q) => q.resolve(q.item.socket.destroyed ? { outcome: 'closed', error } : { outcome: 'returned', socket: q.item.socket, error })),
    );
  }

  return {
    send(item) {
      return new Promise((resolve) => {
        queued.push({ item, resolve });
        if (queued.length >= batchSize) flush();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}
