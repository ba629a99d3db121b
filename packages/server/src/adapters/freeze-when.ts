import { FLUSH_POLL_MS } from './constants.js';
import type { FreezeResult } from './connection-adapter.js';

/** What one check of a waiting freeze found: done (frozen, or why not), keep waiting for an event, or re-check by timer. */
export type FreezeStep = FreezeResult | 'wait' | 'poll';

/**
 * Waits for a connection to reach its safe point, driven by events: `step()` looks first; while it
 * says to wait, `subscribe(poke)` registers `poke` with whatever can change the connection's state
 * (a parser chunk, a response's 'finish', a WebSocket message, a socket's 'drain') and returns how
 * to unregister it; each poke runs `step()`.
 * `step()` may ask for a timer re-check ('poll', every FLUSH_POLL_MS) for the one wait no event
 * announces: written bytes leaving below the high-water mark. When `signal` aborts first, `whyNotYet()`
 * says what still stood in the way. Whenever the freeze ends unfrozen, `undo()` puts the connection
 * back into service, after the listeners are gone: undoing can parse buffered input, and a listener
 * still in place would freeze it again.
 */
export function freezeWhen(
  signal: AbortSignal,
  step: () => FreezeStep,
  whyNotYet: () => string,
  undo: () => void,
  subscribe: (poke: () => void) => () => void,
): Promise<FreezeResult> {
  if (signal.aborted) {
    const why = whyNotYet();
    undo();
    return Promise.resolve({ frozen: false, why });
  }
  // Most connections are at their safe point already (idle between requests or messages): looked
  // at once first, without listeners and an abort handler to add and take away again at once (a
  // quarter of a freeze's cost, with thousands of connections frozen in a move).
  const first = step();
  if (first !== 'wait' && first !== 'poll') {
    if (!first.frozen) undo();
    return Promise.resolve(first);
  }
  return new Promise((resolve) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let unsubscribe: (() => void) | undefined;
    const finish = (result: FreezeResult): void => {
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      unsubscribe?.();
      signal.removeEventListener('abort', onAbort);
      if (!result.frozen) undo();
      resolve(result);
    };
    const poke = (): void => {
      if (done) return;
      const next = step();
      if (next === 'wait') return;
      if (next === 'poll') {
        timer ??= setTimeout(() => {
          timer = undefined;
          poke();
        }, FLUSH_POLL_MS);
        return;
      }
      finish(next);
    };
    const onAbort = (): void => {
      if (!done) finish({ frozen: false, why: whyNotYet() });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    unsubscribe = subscribe(poke);
    // Nothing changed since the first look (no turn of the event loop between): only its timer is due.
    if (first === 'poll') {
      timer = setTimeout(() => {
        timer = undefined;
        poke();
      }, FLUSH_POLL_MS);
    }
  });
}
