import { EventEmitter } from 'node:events';
import { mkdir, stat } from 'node:fs/promises';
import { unlinkSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, resolve } from 'node:path';
import { ACCEPT_PAUSE_MS, DEFAULT_MAX_PENDING_CONNECTIONS, LISTEN_BACKLOG } from './constants.js';
import { withDeadline } from '@sanshare/internal';
import { checkOperation } from './check-operation.js';
import { Connection } from './connection.js';
import { abortError, errnoName, expiryError, fromNativeError, UdsError } from './errors.js';
import { checkInteger, resolveLimits, type ResolvedLimits } from './limits.js';
import { loadBinding, POLL_READABLE, type NativeBinding, type NativePoller } from './load-binding.js';
import { checkSocketPath } from './socket-path.js';
import type { ListenOptions, OperationOptions, PeerCredentials, UdsConnection, UdsListener } from './types.js';

const E = constants.errno;

interface AcceptWaiter {
  resolve: (connection: UdsConnection) => void;
  reject: (error: UdsError) => void;
}

/**
 * Listens on `path`: a SOCK_SEQPACKET Unix socket, file mode 0600, in a directory created 0700
 * when missing. A stale socket file (its owner died: nobody accepts) is replaced; a live one is
 * never stolen.
 *
 * Rejects with UdsError: `UDS_PATH_TOO_LONG` (before any syscall), `UDS_ADDRESS_IN_USE`,
 * `UDS_PERMISSION_DENIED`, `UDS_INVALID_ARGUMENT`, `UDS_ABORTED`.
 */
export async function listen(path: string, options: ListenOptions = {}): Promise<UdsListener> {
  const what = `listen(${String(path)})`;
  checkSocketPath(path, what);
  const limits = resolveLimits(options);
  const allow = resolveAllowUids(options.allowUids);
  const maxPending = checkInteger(options.maxPendingConnections ?? DEFAULT_MAX_PENDING_CONNECTIONS, 'maxPendingConnections', 1, 1_000_000);
  const signal = options.signal;
  if (signal?.aborted === true) throw abortError(signal.reason, what);
  const native = loadBinding();
  try {
    await mkdir(dirname(resolve(path)), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw fromNativeError(error, `${what}: creating its directory`);
  }
  let fd: number;
  try {
    fd = native.listen(path, LISTEN_BACKLOG);
  } catch (error) {
    const failure = fromNativeError(error, what);
    if (failure.code === 'UDS_ADDRESS_IN_USE') {
      const why = failure.errno === E.EEXIST ? 'a file that is not a socket is there' : 'a live listener owns it';
      throw new UdsError('UDS_ADDRESS_IN_USE', `${what}: the address is in use (${why})`, {
        errno: E.EADDRINUSE,
        syscall: 'bind',
        cause: failure,
      });
    }
    throw failure;
  }
  let identity: { dev: number; ino: number };
  try {
    const st = await stat(path);
    identity = { dev: st.dev, ino: st.ino };
  } catch (error) {
    native.closeFd(fd);
    throw fromNativeError(error, what);
  }
  const listener = new Listener(native, fd, path, identity, limits, allow, maxPending);
  if (signal !== undefined) {
    if (signal.aborted) void listener.close();
    else signal.addEventListener('abort', () => void listener.close(), { once: true });
  }
  return listener;
}

function resolveAllowUids(allow: ListenOptions['allowUids']): ReadonlySet<number> {
  if (allow === undefined || allow === 'same') {
    return new Set([typeof process.geteuid === 'function' ? process.geteuid() : -1]);
  }
  if (!Array.isArray(allow)) {
    throw new UdsError('UDS_INVALID_ARGUMENT', "allowUids must be 'same' or an array of uids");
  }
  return new Set(allow.map((uid: unknown) => checkInteger(uid, 'allowUids[]', 0, 0xffff_ffff)));
}

class Listener extends EventEmitter implements UdsListener {
  readonly path: string;
  readonly #native: NativeBinding;
  readonly #fd: number;
  readonly #identity: { dev: number; ino: number };
  readonly #limits: ResolvedLimits;
  readonly #allow: ReadonlySet<number>;
  readonly #maxPending: number;
  readonly #poller: NativePoller;
  readonly #pending: Connection[] = [];
  readonly #waiters: AcceptWaiter[] = [];
  #polling = false;
  #paused: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    native: NativeBinding,
    fd: number,
    path: string,
    identity: { dev: number; ino: number },
    limits: ResolvedLimits,
    allow: ReadonlySet<number>,
    maxPending: number,
  ) {
    super();
    this.#native = native;
    this.#fd = fd;
    this.path = path;
    this.#identity = identity;
    this.#limits = limits;
    this.#allow = allow;
    this.#maxPending = maxPending;
    this.#poller = new native.Poller(fd, (status) => this.#onPoll(status));
    this.#updatePoll();
  }

  get closed(): boolean {
    return this.#closed;
  }

  accept(options?: OperationOptions): Promise<UdsConnection> {
    try {
      checkOperation(options, 'accept');
    } catch (error) {
      return Promise.reject(error);
    }
    const ready = this.#pending.shift();
    if (ready !== undefined) {
      this.#updatePoll();
      return Promise.resolve(ready);
    }
    if (this.#closed) return Promise.reject(new UdsError('UDS_CLOSED', 'accept: the listener is closed'));
    return withDeadline<UdsConnection>(
      options,
      (resolve, reject) => {
        const waiter: AcceptWaiter = { resolve, reject };
        this.#waiters.push(waiter);
        // A waiter whose deadline fired leaves the queue: the next connection goes to someone waiting.
        return () => {
          const at = this.#waiters.indexOf(waiter);
          if (at >= 0) this.#waiters.splice(at, 1);
        };
      },
      (expiry) => expiryError(expiry, 'accept'),
    );
  }

  async *[Symbol.asyncIterator](): AsyncIterator<UdsConnection> {
    for (;;) {
      try {
        yield await this.accept();
      } catch (error) {
        if (error instanceof UdsError && error.code === 'UDS_CLOSED') return;
        throw error;
      }
    }
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    if (this.#paused !== undefined) clearTimeout(this.#paused);
    this.#poller.close();
    try {
      this.#native.closeFd(this.#fd);
    } catch {
      // EBADF: already released.
    }
    // Unlink only our own socket file: a successor may already have replaced it.
    try {
      const st = statSync(this.path);
      if (st.dev === this.#identity.dev && st.ino === this.#identity.ino) unlinkSync(this.path);
    } catch {
      // Gone already.
    }
    for (const waiter of this.#waiters.splice(0)) {
      waiter.reject(new UdsError('UDS_CLOSED', 'accept: the listener was closed'));
    }
    const orphans = this.#pending.splice(0);
    this.emit('close');
    return Promise.all(orphans.map((c) => c.close())).then(() => undefined);
  }

  ref(): this {
    if (!this.#closed) this.#poller.ref();
    return this;
  }

  unref(): this {
    if (!this.#closed) this.#poller.unref();
    return this;
  }

  #onPoll(status: number): void {
    if (this.#closed) return;
    if (status < 0) {
      this.#pause();
      return;
    }
    const native = this.#native;
    while (!this.#closed && this.#pending.length < this.#maxPending) {
      const fd = native.accept(this.#fd);
      if (fd < 0) {
        const errno = -fd;
        if (errno === E.EAGAIN) break;
        if (errno === E.ECONNABORTED || errno === E.EINTR) continue;
        // EMFILE, ENFILE, ENOBUFS...: the connection waits in the kernel's backlog; retry later.
        this.#pause();
        this.emit('acceptError', new UdsError('UDS_SYSTEM', `accept failed with ${errnoName(errno)}`, { errno, syscall: 'accept' }));
        return;
      }
      let peer: PeerCredentials;
      try {
        const [pid, uid, gid] = native.peerCred(fd);
        peer = { pid, uid, gid };
      } catch {
        native.closeFd(fd);
        continue;
      }
      if (!this.#allow.has(peer.uid)) {
        native.closeFd(fd);
        const reason = new UdsError(
          'UDS_PEER_REJECTED',
          `refused a peer running as uid ${peer.uid} (pid ${peer.pid}); allowed uids: ${[...this.#allow].join(', ')}`,
        );
        this.emit('rejected', { peer, reason });
        continue;
      }
      this.#deliver(new Connection(native, fd, peer, this.#limits));
    }
    this.#updatePoll();
  }

  #deliver(connection: Connection): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve(connection);
    } else if (this.listenerCount('connection') > 0) {
      this.emit('connection', connection);
    } else {
      this.#pending.push(connection);
    }
  }

  #pause(): void {
    this.#polling = false;
    this.#poller.stop();
    this.#paused ??= setTimeout(() => {
      this.#paused = undefined;
      this.#updatePoll();
    }, ACCEPT_PAUSE_MS);
  }

  #updatePoll(): void {
    if (this.#closed || this.#paused !== undefined) return;
    const want = this.#pending.length < this.#maxPending;
    if (want === this.#polling) return;
    this.#polling = want;
    if (want) this.#poller.start(POLL_READABLE);
    else this.#poller.stop();
  }
}
