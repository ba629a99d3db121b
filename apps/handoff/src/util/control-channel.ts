import { createInterface } from 'node:readline';

/**
 * How the app's main process steers a child: one line per command on the child's stdin, a word
 * (`go`, `quit`, `restart`) or a word and its arguments (`peer-killed destination 4242 9`). Stdin
 * closing means the main process is gone: every child then cleans up and exits, so no child outlives
 * an app that was killed.
 */
export interface ControlChannel {
  /** Resolves when `word` arrives (or arrived before, unclaimed); rejects when stdin closes first. */
  waitFor(word: string): Promise<void>;
  /** Calls `listener` with the arguments of every line that starts with `command`. */
  on(command: string, listener: (args: readonly string[]) => void): void;
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
  const listeners = new Map<string, (args: readonly string[]) => void>();
  const arrived = new Set<string>();
  let closed = false;
  const rl = createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (raw) => {
    const [word = '', ...args] = raw.trim().split(/\s+/);
    const listener = listeners.get(word);
    if (listener !== undefined) {
      listener(args);
      return;
    }
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
    on(command, listener) {
      listeners.set(command, listener);
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
