/**
 * Workers: a controller process accepts connections and hands each one to one of N worker processes
 * (the kernel socket itself, through the switch), where an ordinary `http.Server`, `ws` server or
 * `net.Server` sees a normal `'connection'`. Beyond Node's `cluster`: live connections move between
 * workers at their safe points (`drain` a worker before restarting it, `rebalance` the load), with
 * the clients noticing nothing. docs/server.md "Workers".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type ListenOptions, type Server, type Socket } from 'node:net';
import type { Switch } from '@sanshare/switch';
import { Server as HttpServer } from 'node:http';
import { adapterFor, type Attachable } from './adapter-for.js';
import { connectControl, type ControlChannel, type ControlListener } from './control-channel.js';
import type { ControlMessage, MoveCounts } from './control-codec.js';
import { ConnectionRouter } from './connection-router.js';
import { CONTROL_PROTOCOL_VERSION, DEFAULT_DRAIN_TIMEOUT_MS, DEFAULT_READY_TIMEOUT_MS, ENV, WORKER_RESPAWN_RETRY_MS } from './constants.js';
import { ServerError, firstLine } from './errors.js';
import { listenServer } from './listen-server.js';
import { countConnections, moveConnections, type AttachedServer } from './move-connections.js';
import { createSocketMover, type SocketMover } from './socket-mover.js';
import { resolveRuntimeDir, startSwitch, startSwitchAndControl, type ProviderSettings } from './start-switch.js';

/** True in a process a worker pool started (call `serveWorker` there). */
export function isWorker(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[ENV.role] === 'worker';
}

/** Options of `createWorkerPool`. */
export interface WorkerPoolOptions {
  /** How many worker processes (1 to 1,024). */
  workers: number;
  /** Where the controller listens, as `server.listen(options)` takes it. */
  listen: ListenOptions;
  /** The worker program. Default: this program (`process.argv[1]`), like `cluster`; it calls `serveWorker`. */
  module?: string;
  /** Arguments after the module. Default: this process's (`process.argv.slice(2)`). */
  args?: readonly string[];
  /** Node options of the workers. Default: this process's (`process.execArgv`). */
  execArgv?: readonly string[];
  /** Added to the workers' environment. */
  env?: NodeJS.ProcessEnv;
  /** Start a new worker when one exits (default true), unless the pool is closing. */
  respawn?: boolean;
  /** From a worker's start to its `serveWorker`, in ms (default 30,000). */
  readyTimeoutMs?: number;
  /** How long a drained worker's connections get to reach a safe point before the fallback, in ms (default 30,000). */
  drainTimeoutMs?: number;
  runtimeDir?: string;
  provider?: ProviderSettings;
}

/** One worker as the controller sees it. */
export interface WorkerInfo {
  /** 1, 2, ... in start order (a respawned worker gets a new id). */
  readonly id: number;
  readonly pid: number;
  /** `starting`, `ready` (takes new connections), `draining` / `drained` (takes none), `exited`. */
  readonly state: 'starting' | 'ready' | 'draining' | 'drained' | 'exited';
  /** Its live connections, as it last reported (plus those handed to it since). */
  readonly connections: number;
}

/** What moving a worker's connections did. */
export interface WorkerMoveReport {
  readonly moved: number;
  readonly refused: number;
  readonly fallback: number;
  readonly closed: number;
  /** Connections still in the worker afterwards. */
  readonly remaining: number;
}

/** A running pool. */
export interface WorkerPool {
  /** Where the controller listens. */
  readonly address: AddressInfo;
  readonly workers: readonly WorkerInfo[];
  /**
   * Resolves once every worker is ready (at once when they are). Rejects with `ERR_CLOSED` when the pool
   * closes first, `ERR_WORKER_FAILED` when a worker exited and `respawn` is false (none will replace it).
   */
  ready(): Promise<void>;
  /**
   * Moves every connection of `worker` to the other ready workers at their safe points and sends it
   * no new ones; connections that cannot move by the drain deadline get the fallback. The worker stays
   * up (state `drained`): stop it, or `undrain` it.
   */
  drain(worker: WorkerInfo | number): Promise<WorkerMoveReport>;
  /** Lets a drained worker take new connections again. */
  undrain(worker: WorkerInfo | number): void;
  /** Moves connections from the busiest workers to the least busy until they differ by at most one (connections that cannot move stay). */
  rebalance(): Promise<WorkerMoveReport>;
  /** Stops accepting, stops every worker (SIGTERM) and the controller's switch. */
  close(): Promise<void>;
  on(event: 'worker', listener: (worker: WorkerInfo, event: 'ready' | 'exited') => void): this;
  on(event: 'warning', listener: (error: Error) => void): this;
}

interface Worker {
  id: number;
  pid: number;
  child: ChildProcess;
  state: WorkerInfo['state'];
  connections: number;
  channel: ControlChannel | undefined;
  /** Move requests waiting for the worker's Status. */
  replies: Map<number, { resolve: (status: ControlMessage & { kind: 'status' }) => void; reject: (error: Error) => void }>;
}

const EMPTY = new Uint8Array(0);

function checkCount(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ServerError('ERR_INVALID_ARGUMENT', `${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

class Pool extends EventEmitter implements WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #sw: Switch;
  readonly #mover: SocketMover;
  readonly #control: ControlListener;
  readonly #server: Server;
  readonly #runtimeDir: string;
  readonly #workers: Worker[] = [];
  /** Connections accepted while no worker was ready: handed out as soon as one is. */
  readonly #waiting: Socket[] = [];
  readonly #readyWaiters = new Set<() => void>();
  /** Retries of workers Node could not start (cleared by close()). */
  readonly #retries = new Set<NodeJS.Timeout>();
  /** Why the pool has fewer workers than asked for good (one exited, `respawn: false`): ready() then rejects. */
  #lost: string | undefined;
  #nextId = 1;
  #nextRequest = 1;
  #closing = false;
  #turn = 0;

  constructor(options: WorkerPoolOptions, sw: Switch, control: ControlListener, runtimeDir: string) {
    super();
    this.#options = options;
    this.#sw = sw;
    this.#mover = createSocketMover(sw);
    this.#control = control;
    this.#runtimeDir = runtimeDir;
    // pauseOnConnect: Node reads nothing from a connection the controller only passes on.
    this.#server = createServer({ pauseOnConnect: true }, (socket) => this.#dispatch(socket));
    void this.#acceptWorkers();
  }

  get address(): AddressInfo {
    return this.#server.address() as AddressInfo;
  }

  get workers(): WorkerInfo[] {
    return this.#workers.map(({ id, pid, state, connections }) => ({ id, pid, state, connections }));
  }

  async start(): Promise<void> {
    for (let i = 0; i < this.#options.workers; i++) this.#spawn();
    await listenServer(this.#server, this.#options.listen, 'the worker pool');
  }

  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.#closing) {
          this.#readyWaiters.delete(check);
          reject(new ServerError('ERR_CLOSED', 'the worker pool was closed before every worker was ready'));
        } else if (this.#lost !== undefined && this.#workers.length < this.#options.workers) {
          this.#readyWaiters.delete(check);
          reject(new ServerError('ERR_WORKER_FAILED', `${this.#lost} and respawn is off: the pool has ${this.#workers.length} of its ${this.#options.workers} workers`));
        } else if (this.#workers.length >= this.#options.workers && this.#workers.every((w) => w.state !== 'starting')) {
          this.#readyWaiters.delete(check);
          resolve();
        }
      };
      this.#readyWaiters.add(check);
      check();
    });
  }

  #spawn(): void {
    const id = this.#nextId++;
    const module = this.#options.module ?? process.argv[1];
    if (module === undefined) throw new ServerError('ERR_INVALID_ARGUMENT', 'module: this process has no script (process.argv[1]); name the worker program');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [...(this.#options.execArgv ?? process.execArgv), module, ...(this.#options.args ?? process.argv.slice(2))], {
        stdio: 'inherit',
        env: {
          ...process.env,
          ...this.#options.env,
          [ENV.role]: 'worker',
          [ENV.control]: this.#control.path,
          [ENV.controlPid]: String(process.pid),
          [ENV.runtimeDir]: this.#runtimeDir,
        },
      });
    } catch (error) {
      // Refused at once (a NUL byte in an argument or the environment): the options are wrong.
      throw new ServerError('ERR_INVALID_ARGUMENT', `worker ${id} could not be started: ${firstLine(error)}; check the pool's module, args, execArgv and env`, { cause: error });
    }
    const worker: Worker = { id, pid: child.pid ?? 0, child, state: 'starting', connections: 0, channel: undefined, replies: new Map() };
    this.#workers.push(worker);
    const readyTimer = setTimeout(() => {
      if (worker.state === 'starting') {
        this.emit('warning', new ServerError('ERR_WORKER_FAILED', `worker ${id} (pid ${worker.pid}) was not ready within ${this.#options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS} ms; killed`));
        child.kill('SIGKILL');
      }
    }, this.#options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
    readyTimer.unref();
    const gone = (why: string, cause: unknown, respawnInMs: number): void => {
      clearTimeout(readyTimer);
      worker.state = 'exited';
      void worker.channel?.close();
      for (const reply of worker.replies.values()) reply.resolve({ kind: 'status', requestId: 0, connections: 0 });
      worker.replies.clear();
      this.#workers.splice(this.#workers.indexOf(worker), 1);
      this.emit('worker', { id, pid: worker.pid, state: 'exited', connections: 0 }, 'exited');
      if (!this.#closing) {
        const respawn = this.#options.respawn !== false;
        const retry = respawn && respawnInMs > 0 ? `; trying again in ${respawnInMs} ms` : '';
        this.emit('warning', new ServerError('ERR_WORKER_FAILED', `${why}${retry}`, cause === undefined ? undefined : { cause }));
        if (respawn) this.#respawn(respawnInMs);
        else this.#lost ??= why;
      }
      for (const check of this.#readyWaiters) check();
    };
    child.once('exit', (code, signal) => gone(`worker ${id} (pid ${worker.pid}) exited (${signal ?? `code ${String(code)}`})`, undefined, 0));
    // Node reports some spawn failures (ENOENT, EACCES, EAGAIN, EMFILE, ENFILE) with an 'error' event
    // and no 'exit': unheard, it would crash the controller and every connection it holds.
    child.on('error', (error) => {
      if (worker.state !== 'starting' || child.pid !== undefined) {
        this.emit('warning', new ServerError('ERR_WORKER_FAILED', `worker ${id} (pid ${worker.pid}): ${firstLine(error)}`, { cause: error }));
        return;
      }
      gone(`worker ${id} could not be started: ${firstLine(error)}`, error, WORKER_RESPAWN_RETRY_MS);
    });
  }

  /** Starts a worker in the place of one that is gone, after `delayMs`; a refusal is a warning, not a crash. */
  #respawn(delayMs: number): void {
    const start = (): void => {
      if (this.#closing) return;
      try {
        this.#spawn();
      } catch (error) {
        this.emit('warning', error);
      }
    };
    if (delayMs === 0) {
      start();
      return;
    }
    const timer = setTimeout(() => {
      this.#retries.delete(timer);
      start();
    }, delayMs);
    this.#retries.add(timer);
  }

  async #acceptWorkers(): Promise<void> {
    for (;;) {
      let channel: ControlChannel;
      try {
        channel = await this.#control.accept();
      } catch {
        return;
      }
      void this.#greet(channel);
    }
  }

  async #greet(channel: ControlChannel): Promise<void> {
    const worker = this.#workers.find((w) => w.pid === channel.peerPid && w.channel === undefined);
    let hello: ControlMessage | null = null;
    try {
      hello = await channel.receive({ timeoutMs: this.#options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS });
    } catch {
      // Malformed or silent: refused below.
    }
    if (worker === undefined || hello?.kind !== 'hello' || hello.role !== 'worker' || hello.version !== CONTROL_PROTOCOL_VERSION) {
      await channel.send({ kind: 'abort', reason: worker === undefined ? `pid ${channel.peerPid} is not a worker this pool started` : 'expected a worker Hello of version 1' }).catch(() => undefined);
      await channel.close();
      return;
    }
    worker.channel = channel;
    await channel.send({ kind: 'welcome', version: CONTROL_PROTOCOL_VERSION, pid: process.pid, generation: 0, listeners: [] }).catch(() => undefined);
    for (;;) {
      let message: ControlMessage | null;
      try {
        message = await channel.receive();
      } catch (error) {
        this.emit('warning', error);
        message = null;
      }
      if (message === null) break;
      if (message.kind === 'ready' && worker.state === 'starting') {
        worker.state = 'ready';
        this.emit('worker', { id: worker.id, pid: worker.pid, state: worker.state, connections: worker.connections }, 'ready');
        for (const check of this.#readyWaiters) check();
        this.#flushWaiting();
      } else if (message.kind === 'status') {
        worker.connections = message.connections;
        const reply = worker.replies.get(message.requestId);
        worker.replies.delete(message.requestId);
        reply?.resolve(message);
      }
    }
    // The worker closed its channel: it is on its way out (its exit is handled above), or it closed
    // (PoolWorker.close()) and lives on with its connections. Either way no Status comes any more: a
    // move waiting for one would wait as long as the worker lives.
    if (worker.state !== 'exited') worker.state = 'drained';
    for (const reply of worker.replies.values()) {
      reply.reject(new ServerError('ERR_WORKER_FAILED', `worker ${worker.id} (pid ${worker.pid}) closed its control channel during the move; the connections it still holds stay there`));
    }
    worker.replies.clear();
  }

  #pick(except?: Worker): Worker | undefined {
    const ready = this.#workers.filter((w) => w.state === 'ready' && w !== except);
    if (ready.length === 0) return undefined;
    // Least connections first; ties in turn, so that a fresh pool spreads evenly.
    this.#turn++;
    let best = ready[this.#turn % ready.length] as Worker;
    for (const w of ready) if (w.connections < best.connections) best = w;
    return best;
  }

  #dispatch(socket: Socket): void {
    if (this.#closing) {
      // A connection a worker gave back while the pool closes: no worker takes it any more.
      socket.destroy();
      return;
    }
    const worker = this.#pick();
    if (worker === undefined) {
      this.#waiting.push(socket);
      socket.once('close', () => {
        const at = this.#waiting.indexOf(socket);
        if (at !== -1) this.#waiting.splice(at, 1);
      });
      return;
    }
    worker.connections++;
    void this.#mover.send(worker.pid, [{ socket, moved: { server: '', state: EMPTY, listener: false, fresh: true } }]).then(([outcome]) => {
      if (outcome?.outcome !== 'returned') return;
      // That worker could not take it (exiting, full): the next one does.
      worker.connections--;
      this.emit('warning', new ServerError('ERR_WORKER_FAILED', `worker ${worker.id} (pid ${worker.pid}) could not take a connection: ${firstLine(outcome.error)}`));
      this.#dispatch(outcome.socket);
    });
  }

  #flushWaiting(): void {
    for (const socket of this.#waiting.splice(0)) this.#dispatch(socket);
  }

  #find(worker: WorkerInfo | number): Worker {
    const id = typeof worker === 'number' ? worker : worker.id;
    const found = this.#workers.find((w) => w.id === id);
    if (found === undefined) throw new ServerError('ERR_INVALID_ARGUMENT', `no worker ${id} in this pool (it exited, or never was)`);
    return found;
  }

  /** Asks `from` to move `count` connections (0: all) to `to`; resolves with its Status. */
  async #move(from: Worker, to: Worker, count: number): Promise<MoveCounts> {
    const channel = from.channel;
    if (channel === undefined || channel.closed) throw new ServerError('ERR_WORKER_FAILED', `worker ${from.id} (pid ${from.pid}) has no control channel`);
    const requestId = this.#nextRequest++;
    const status = new Promise<ControlMessage & { kind: 'status' }>((resolve, reject) => from.replies.set(requestId, { resolve, reject }));
    // Settled (a channel that closes rejects it) maybe before the send below has failed: handled here, thrown below.
    status.catch(() => undefined);
    try {
      await channel.send({ kind: 'moveRequest', requestId, targetPid: to.pid, count });
    } catch (error) {
      from.replies.delete(requestId);
      throw error;
    }
    const reply = await status;
    const counts = reply.move ?? { phase: 'exited', moved: 0, remaining: 0, refused: 0, unserved: 0, fallback: 0, closed: 0 };
    to.connections += counts.moved;
    return counts;
  }

  async drain(worker: WorkerInfo | number): Promise<WorkerMoveReport> {
    const source = this.#find(worker);
    if (source.state === 'starting') throw new ServerError('ERR_INVALID_ARGUMENT', `worker ${source.id} is not ready yet; drain it once it serves`);
    source.state = 'draining';
    const total: { -readonly [K in keyof WorkerMoveReport]: number } = { moved: 0, refused: 0, fallback: 0, closed: 0, remaining: 0 };
    try {
      const targets = this.#workers.filter((w) => w.state === 'ready');
      if (targets.length === 0) throw new ServerError('ERR_WORKER_FAILED', `cannot drain worker ${source.id}: no other worker is ready to take its connections`);
      // Spread over the others; the last request takes whatever is left (and gives the fallback).
      const share = Math.ceil(source.connections / targets.length);
      for (const [i, target] of targets.entries()) {
        const counts = await this.#move(source, target, i === targets.length - 1 ? 0 : Math.max(share, 1));
        for (const key of ['moved', 'refused', 'fallback', 'closed'] as const) total[key] += counts[key];
        total.remaining = counts.remaining;
      }
      return { ...total };
    } finally {
      if (source.state === 'draining') source.state = 'drained';
    }
  }

  undrain(worker: WorkerInfo | number): void {
    const w = this.#find(worker);
    if (w.state === 'drained' || w.state === 'draining') w.state = 'ready';
  }

  async rebalance(): Promise<WorkerMoveReport> {
    const total: { -readonly [K in keyof WorkerMoveReport]: number } = { moved: 0, refused: 0, fallback: 0, closed: 0, remaining: 0 };
    // The plan is made once, on the counts the workers last reported (within 250 ms of a change):
    // counts reported while connections are on their way would make a second plan move them twice.
    const plan: { from: Worker; to: Worker; count: number }[] = [];
    const load = new Map(this.#workers.filter((w) => w.state === 'ready').map((w) => [w, w.connections]));
    for (let round = 0; round < load.size * load.size; round++) {
      const sorted = [...load].sort((a, b) => b[1] - a[1]);
      const [busiest, most] = sorted[0] ?? [undefined, 0];
      const [idlest, least] = sorted[sorted.length - 1] ?? [undefined, 0];
      if (busiest === undefined || idlest === undefined || most - least <= 1) break;
      const count = Math.floor((most - least) / 2);
      plan.push({ from: busiest, to: idlest, count });
      load.set(busiest, most - count);
      load.set(idlest, least + count);
    }
    for (const { from, to, count } of plan) {
      if (from.state !== 'ready' || to.state !== 'ready') continue;
      const counts = await this.#move(from, to, count);
      for (const key of ['moved', 'refused', 'fallback', 'closed'] as const) total[key] += counts[key];
    }
    total.remaining = this.#workers.reduce((n, w) => n + w.connections, 0);
    return { ...total };
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    for (const timer of this.#retries) clearTimeout(timer);
    this.#retries.clear();
    for (const check of this.#readyWaiters) check();
    // The connections still waiting for a worker end first: they count as the server's connections,
    // and its close() waits for every one of them (forever, when no worker is ready to take them).
    for (const socket of this.#waiting.splice(0)) socket.destroy();
    await new Promise<void>((resolve) => (this.#server.listening ? this.#server.close(() => resolve()) : resolve()));
    const exits = this.#workers.map((w) => new Promise<void>((resolve) => (w.child.exitCode !== null || w.child.signalCode !== null ? resolve() : w.child.once('exit', () => resolve()))));
    for (const w of this.#workers) w.child.kill('SIGTERM');
    await Promise.all(exits);
    await this.#control.close();
    await this.#sw.WSACleanup().catch(() => undefined);
  }
}

/**
 * Starts a worker pool: `workers` processes running `module` (this program by default), each calling
 * `serveWorker`, and a controller that listens on `listen` and hands each connection to a worker.
 * Resolves once the controller listens (`pool.ready()` waits for the workers).
 */
export async function createWorkerPool(options: WorkerPoolOptions): Promise<WorkerPool> {
  checkCount(options.workers, 'workers', 1, 1024);
  if (isWorker()) throw new ServerError('ERR_INVALID_ARGUMENT', 'createWorkerPool() in a worker: a worker calls serveWorker(); guard the controller code with isWorker()');
  const runtimeDir = resolveRuntimeDir(options.runtimeDir);
  const { sw, control } = await startSwitchAndControl(runtimeDir, options.provider);
  const pool = new Pool({ ...options, drainTimeoutMs: options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS }, sw, control, runtimeDir);
  try {
    await pool.start();
  } catch (error) {
    await pool.close();
    throw error;
  }
  return pool;
}

/** Options of `serveWorker`. */
export interface ServeWorkerOptions {
  /**
   * The worker's servers whose connections can move to another worker (drain, rebalance): an
   * `http.Server`, a `ws` WebSocketServer, or an adapter. Default: `server` itself when it is an
   * `http.Server` (a plain `net.Server` needs `createTcpAdapter(server, { checkpoint })`).
   */
  adapters?: readonly Attachable[];
  /** How long this worker's connections get to reach a safe point when it is drained, in ms (default 30,000). */
  drainTimeoutMs?: number;
  provider?: ProviderSettings;
}

/** A worker, as `serveWorker` returns it. */
export interface PoolWorker {
  /** Live connections this worker serves. */
  connections(): number;
  /** Resolves when the controller is gone (closed the pool, or died): no new connection comes. */
  readonly disconnected: Promise<void>;
  /** Stops taking connections (closes the control channel and the switch); live connections stay. */
  close(): Promise<void>;
}

/**
 * Serves the connections a pool's controller hands to this process: each arrives at `server` as a
 * normal `'connection'` (the server never listens itself). Connections moved from another worker go
 * to the adapter of their server. Rejects with `ERR_INVALID_ARGUMENT` outside a worker,
 * `ERR_CONTROL_CHANNEL` when the controller cannot be reached.
 */
export async function serveWorker(server: Server, options: ServeWorkerOptions = {}): Promise<PoolWorker> {
  const env = process.env;
  if (!isWorker(env)) throw new ServerError('ERR_INVALID_ARGUMENT', `serveWorker() outside a worker (${ENV.role} is not 'worker'); start workers with createWorkerPool()`);
  const path = env[ENV.control];
  const controllerPid = Number(env[ENV.controlPid]);
  if (path === undefined || !Number.isInteger(controllerPid) || controllerPid < 1) {
    throw new ServerError('ERR_INVALID_ARGUMENT', `${ENV.control} or ${ENV.controlPid} is missing; start workers with createWorkerPool()`);
  }
  const runtimeDir = resolveRuntimeDir(env[ENV.runtimeDir]);
  const sw = await startSwitch(runtimeDir, options.provider);
  const mover = createSocketMover(sw);
  const fresh = new Set<Socket>();
  const serveFresh = (socket: Socket): void => {
    // What net.Server's own accept does (net.js onconnection), so that close() and getConnections() count it.
    const s = socket as Socket & { _server?: Server };
    s._server = server;
    (server as Server & { _connections: number })._connections++;
    fresh.add(socket);
    socket.once('close', () => fresh.delete(socket));
    server.emit('connection', socket);
  };
  const router = new ConnectionRouter({ fresh: serveFresh });
  const attachables = options.adapters ?? (server instanceof HttpServer ? [server] : []);
  attachables.map(adapterFor).forEach((adapter, i) => router.attach({ name: `${adapter.kind}#${i + 1}`, adapter }));
  const servers: readonly AttachedServer[] = router.servers;
  const connections = (): number => (servers.length > 0 ? countConnections(servers) : fresh.size);

  let channel: ControlChannel;
  try {
    channel = await connectControl(path, controllerPid, { timeoutMs: DEFAULT_READY_TIMEOUT_MS });
    await channel.send({ kind: 'hello', version: CONTROL_PROTOCOL_VERSION, pid: process.pid, generation: 0, role: 'worker', listenersHeld: [] });
    const welcome = await channel.receive({ timeoutMs: DEFAULT_READY_TIMEOUT_MS });
    if (welcome?.kind !== 'welcome') throw new ServerError('ERR_CONTROL_CHANNEL', `the controller (pid ${controllerPid}) answered ${welcome === null ? 'nothing' : welcome.kind}${welcome?.kind === 'abort' ? `: ${welcome.reason}` : ''}`);
  } catch (error) {
    await sw.WSACleanup();
    throw error;
  }
  const closing = new AbortController();
  // Sockets come from the controller and, when it moves connections between workers, from other workers.
  void (async () => {
    for await (const arrived of mover.receive({ acceptFrom: () => true, signal: closing.signal })) router.deliver(arrived);
  })();

  let reported = -1;
  const report = (requestId: number, move?: MoveCounts): void => {
    const n = connections();
    if (requestId === 0 && n === reported) return;
    reported = n;
    void channel.send(move === undefined ? { kind: 'status', requestId, connections: n } : { kind: 'status', requestId, connections: n, move }).catch(() => undefined);
  };
  const reporter = setInterval(() => report(0), 250);
  reporter.unref();

  const drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  const disconnected = (async () => {
    for (;;) {
      let message: ControlMessage | null;
      try {
        message = await channel.receive();
      } catch {
        message = null;
      }
      if (message === null) return;
      if (message.kind !== 'moveRequest') continue;
      const counts = await moveConnections({
        servers,
        mover,
        targetPid: message.targetPid,
        drainTimeoutMs,
        fallbackAtDeadline: message.count === 0,
        ...(message.count === 0 ? {} : { limit: message.count }),
        signal: closing.signal,
      });
      // Counted by what this worker still serves: fresh connections of a server without an adapter
      // never move, and the move (which sees only the adapters' connections) would say 0.
      report(message.requestId, servers.length > 0 ? counts : { ...counts, remaining: connections() });
    }
  })();
  await channel.send({ kind: 'ready', pid: process.pid });

  async function close(): Promise<void> {
    if (closing.signal.aborted) return;
    closing.abort();
    clearInterval(reporter);
    await channel.close();
    await sw.WSACleanup().catch(() => undefined);
  }
  void disconnected.then(close);
  return { connections, disconnected, close };
}
