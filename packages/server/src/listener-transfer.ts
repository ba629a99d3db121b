/**
 * Listeners moving through the switch (docs/server.md "Listeners"; decision record 0008): how the
 * old process hands a `net.Server`'s listener to a successor it did not start (so nothing was
 * inherited), and how the successor takes it and listens on it.
 *
 * The old process: `adoptNetServer` (its server stops accepting at once: Node's `net.Server` cannot
 * pause, and an old process that kept accepting would take connections the successor should get),
 * then `WSADuplicateSocketWithMessage` with a `MovedSocket { listener: true }`, then `closesocket` of
 * its switch descriptor. Connects that arrive meanwhile wait in the kernel's backlog: none is
 * refused. The restarter keeps its own duplicate of the listener (taken before) until the successor
 * is done, and listens on it again if the successor fails or dies.
 *
 * The successor: the delivery is imported (`WSASocket`) and bridged out (`toListeningDescriptor`);
 * the descriptor waits under its name until `restarter.listen(name, server)` takes it.
 */
import type { Server } from 'node:net';
import { FROM_PROTOCOL_INFO as FROM, type DuplicateDelivery, type Socket } from '@sanshare/protocol-info';
import { adoptNetServer, toListeningDescriptor, type Switch } from '@sanshare/switch';
import { closeQuietly } from '@sanshare/transport-uds';
import { ServerError, firstLine } from './errors.js';
import { encodeMovedSocket } from './moved-socket-codec.js';

/**
 * Hands listener `server` (named `name`) to `targetPid`: the server stops accepting, and the
 * successor gets the kernel listener with the name. Throws `ERR_LISTENER` (the server is not
 * listening, or the switch refused: then, if it stopped, the caller listens again on its own duplicate).
 */
export async function sendListener(sw: Switch, targetPid: number, name: string, server: Server): Promise<void> {
  const message = encodeMovedSocket({ server: name, state: new Uint8Array(0), listener: true, fresh: false });
  const failed = (error: unknown): ServerError =>
    new ServerError('ERR_LISTENER', `listener '${name}' could not be handed to pid ${targetPid}: ${firstLine(error)}`, { cause: error });
  let s: Socket;
  try {
    s = await adoptNetServer(sw, server);
  } catch (error) {
    throw failed(error);
  }
  try {
    await sw.WSADuplicateSocketWithMessage(s, targetPid, message);
  } catch (error) {
    throw failed(error);
  } finally {
    // This process's switch descriptor only: the listener lives on in the successor's pending
    // import (or import) and in the restarter's own duplicate.
    await sw.closesocket(s).catch(() => undefined);
  }
}

/** Imports a listener that arrived (`delivery`, whose message said listener `name`); resolves with its descriptor. */
export async function receiveListener(sw: Switch, delivery: DuplicateDelivery, name: string): Promise<number> {
  let s: Socket;
  try {
    s = await sw.WSASocket(FROM, FROM, FROM, delivery.protocolInfo);
  } catch (error) {
    throw new ServerError('ERR_LISTENER', `listener '${name}' from pid ${delivery.sourcePid} could not be imported: ${firstLine(error)}`, { cause: error });
  }
  try {
    return await toListeningDescriptor(sw, s);
  } catch (error) {
    await sw.closesocket(s).catch(() => undefined);
    throw new ServerError('ERR_LISTENER', `listener '${name}' from pid ${delivery.sourcePid} could not be bridged to Node: ${firstLine(error)}`, { cause: error });
  }
}

/**
 * Listeners that arrived and wait for `listen(name)`, by name. A listener may arrive before or
 * after the application calls `listen`: whichever comes second completes the pair.
 */
export class ArrivedListeners {
  readonly #fds = new Map<string, number>();
  readonly #waiters = new Map<string, (fd: number) => void>();
  #closed = false;

  /** A listener arrived: the waiting `take` gets it, or it waits for one. A second one under the same name is closed. */
  put(name: string, fd: number): void {
    const waiter = this.#waiters.get(name);
    if (waiter !== undefined) {
      this.#waiters.delete(name);
      waiter(fd);
    } else if (this.#closed || this.#fds.has(name)) {
      closeQuietly(fd);
    } else {
      this.#fds.set(name, fd);
    }
  }

  /**
   * The descriptor of listener `name`, once it arrived; rejects with `ERR_LISTENER` after
   * `timeoutMs` or when `signal` aborts (the restarter aborts it when it closes, and when the
   * predecessor died and nothing more arrives from it: it then listens anew).
   */
  take(name: string, timeoutMs: number, signal: AbortSignal): Promise<number> {
    const fd = this.#fds.get(name);
    if (fd !== undefined) {
      this.#fds.delete(name);
      return Promise.resolve(fd);
    }
    return new Promise<number>((resolve, reject) => {
      const fail = (why: string): void => {
        this.#waiters.delete(name);
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        reject(new ServerError('ERR_LISTENER', `listener '${name}' did not arrive from the previous generation: ${why}`));
      };
      const onAbort = (): void => fail(signal.reason instanceof Error ? signal.reason.message : 'the wait was cancelled');
      const timer = setTimeout(() => fail(`nothing within ${timeoutMs} ms (readyTimeoutMs)`), timeoutMs);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.set(name, (arrived) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(arrived);
      });
    });
  }

  /** Closes every listener no `listen` took (the restarter closed). */
  close(): void {
    this.#closed = true;
    for (const fd of this.#fds.values()) closeQuietly(fd);
    this.#fds.clear();
  }
}
