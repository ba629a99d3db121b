import { createInterface } from 'node:readline';

/**
 * How the app's main process steers a child: one word per line on the child's stdin (`go`, `quit`,
 * `restart`). Stdin closing means the main process is gone: every child then cleans up and exits,
 * so no child outlives an app that was killed.
 */
export interface ControlChannel {
  /** Resolves when `word` arrives; rejects when stdin closes first. */
  waitFor(word: string): Promise<void>;
  /** Calls `callback` once when stdin closes. */
  onClose(callback: () => void): void;
  /** Stops reading stdin (so it no longer keeps the process alive). */
  close(): void;
}

let shared: ControlChannel | undefined;

/** The control channel of this process (one reader of stdin, shared). */
export function controlChannel(): ControlChannel {
  if (shared) return shared;
  const waiters = new Map<string, Array<{ resolve: () => void; reject: (error: Error) => void }>>();
  const closeCallbacks: Array<() => void> = [];
  const arrived = new Set<string>();
  let closed = false;
  const rl = createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (raw) => {
    const word = raw.trim();
    const list = waiters.get(word);
    if (list === undefined || list.length === 0) {
      arrived.add(word);
      return;
    }
    waiters.delete(word);
    for (const waiter of list) waiter.resolve();
  });
  rl.on('close', () => {
    if (closed) return;
    closed = true;
    for (const list of waiters.values()) for (const waiter of list) waiter.reject(new Error('the app closed the control channel'));
    waiters.clear();
    for (const callback of closeCallbacks) callback();
  });
  shared = {
    waitFor(word) {
      if (arrived.delete(word)) return Promise.resolve();
      if (closed) return Promise.reject(new Error('the app closed the control channel'));
      return new Promise((resolve, reject) => {
        const list = waiters.get(word) ?? [];
        list.push({ resolve, reject });
        waiters.set(word, list);
      });
    },
    onClose(callback) {
      if (closed) queueMicrotask(callback);
      else closeCallbacks.push(callback);
    },
    close() {
      closed = true;
      rl.close();
      process.stdin.destroy();
    },
  };
  return shared;
}

/** Closes the control channel if this process opened one. */
export function closeControlChannel(): void {
  shared?.close();
}
