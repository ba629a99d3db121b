/**
 * Gathers the connections a move readies one by one (each reaches its safe point on its own) into
 * batches for `SocketMover.sendEach`: what became ready in one turn of the event loop goes in one
 * call, and a batch that reaches `SEND_BATCH_SIZE` goes at once. So thousands of idle connections
 * move in a few dozen `WSADuplicateSocketBatch` calls, while a lone connection that reached its safe
 * point late is not held back waiting for company.
 */
import { SEND_BATCH_SIZE, type MoveItem, type MoveOutcome, type SocketMover } from './socket-mover.js';

/** Sends items to one target, batched. */
export interface SendBatcher {
  /**
   * Queues `item`; `done` gets its outcome once it is known (a moved socket at its claim). Nothing
   * of the item is held once its batch went: while claims are awaited only `done` is.
   */
  send(item: MoveItem, done: (outcome: MoveOutcome) => void): void;
}

/** A batcher over `mover` for process `targetPid`. */
export function createSendBatcher(mover: SocketMover, targetPid: number, batchSize = SEND_BATCH_SIZE): SendBatcher {
  let items: MoveItem[] = [];
  let dones: Array<((outcome: MoveOutcome) => void) | undefined> = [];
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    if (items.length === 0) return;
    const batch = items;
    const told = dones;
    items = [];
    dones = [];
    mover.sendEach(targetPid, batch, (index, outcome) => {
      const done = told[index];
      told[index] = undefined;
      done?.(outcome);
    });
  }

  return {
    send(item, done) {
      items.push(item);
      dones.push(done);
      if (items.length >= batchSize) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
  };
}
