/**
 * A zero-downtime restart of a Node server, in the spirit of tableflip's upgrade / ready / exit:
 * the running process starts its successor (or a supervisor does), the successor takes the listeners
 * and says it is ready, the old process stops accepting, every live connection moves to the successor
 * at its safe point through the switch, and the old process exits once it holds nothing.
 * docs/server.md has the whole lifecycle and every failure case.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { armDeadline, withDeadline } from '@sanshare/internal';
import { EventEmitter } from 'node:events';
import { fstatSync } from 'node:fs';
import { Server as NetServer, type AddressInfo, type ListenOptions, type Server } from 'node:net';
import { closeQuietly, dupFd } from '@sanshare/transport-uds';
import type { Switch } from '@sanshare/switch';
import { adapterFor, type Attachable } from './adapter-for.js';
import { startConnectProbe, type ConnectProbe } from './connect-probe.js';
import { connectControl, type ControlChannel, type ControlListener } from './control-channel.js';
import type { ControlMessage, MoveCounts } from './control-codec.js';
import { ConnectionRouter } from './connection-router.js';
import {
  CONTROL_PROTOCOL_VERSION,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_EXIT_TIMEOUT_MS,
  DEFAULT_READY_TIMEOUT_MS,
  ENV,
  ORPHAN_RECEIVE_IDLE_MS,
} from './constants.js';
import { ServerError, firstLine, isServerError } from './errors.js';
import { checkListenerName, inheritance, listeningDescriptor, readInheritedListeners } from './inherited-listeners.js';
import { listenServer } from './listen-server.js';
import { ArrivedListeners } from './listener-transfer.js';
import { countConnections, moveConnections, type AttachedServer, type MoveReport } from './move-connections.js';
import { defaultNotifiers, type ReadinessNotifier } from './notifier.js';
import { PhaseClock } from './phase-clock.js';
import { removePidFile, writePidFile } from './pid-file.js';
import { progressLine, type RestartPhase, type RestartProgress } from './restart-progress.js';
import { createSocketMover, type SocketMover } from './socket-mover.js';
import { resolveRuntimeDir, startSwitchAndControl, type ProviderSettings } from './start-switch.js';

/** How the successor is started: a command, its arguments, environment and directory. */
export interface SuccessorCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** Added to this process's environment (the package adds its own variables on top). */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** Options of `createRestarter`. */
export interface RestarterOptions {
  /** Where the processes of this server meet (provider endpoints, control sockets). Default: the provider's default. */
  runtimeDir?: string;
  /** Written atomically with this process's pid when it is ready (each generation writes its own). */
  pidFile?: string;
  /** From the successor's start to its `ready()`, in ms (default 30,000); past it the old process serves on. */
  readyTimeoutMs?: number;
  /** How long connections get to reach a safe point before the fallback, in ms (default 30,000). */
  drainTimeoutMs?: number;
  /** After the fallback, how long the old process waits for what it still holds to end, in ms (default 10,000). */
  exitTimeoutMs?: number;
  /** The provider's settings, the same in every generation. */
  provider?: ProviderSettings;
  /** How to start the successor. Default: this process's own command line (`process.execPath`, `execArgv`, `argv`). */
  successor?: SuccessorCommand;
  /** Service managers to tell (`MAINPID`, `READY=1`). Default: the supervisor's descriptor and/or systemd's `NOTIFY_SOCKET` when present. */
  notify?: readonly ReadinessNotifier[];
  /** Upgrade when this signal arrives (`'SIGHUP'`, say). Off by default; ignored under a supervisor, which handles SIGHUP itself. */
  upgradeSignal?: NodeJS.Signals;
  /** Draw a progress line on stderr during a restart. Default: when stdout is a terminal. */
  progressLine?: boolean;
  /** Probe each listener with a TCP connect every `intervalMs` during a restart (refused connects, worst latency). Off by default. */
  probeConnects?: { intervalMs: number };
}

/** What a restart did, in the old process (`upgrade()`'s result and `exited`). */
export interface RestartReport {
  /** The successor's pid. */
  readonly successorPid: number;
  readonly moved: number;
  readonly refused: number;
  readonly unserved: number;
  readonly fallback: number;
  readonly closed: number;
  /** Why connections could not move (at most 100). */
  readonly unmovable: readonly string[];
  readonly timings: RestartProgress['timings'];
  readonly connects: RestartProgress['connects'];
}

/** What taking over did, in the successor (`takenOver`). */
export interface TakeoverReport {
  /** The predecessor's pid (undefined in the first generation). */
  readonly predecessorPid: number | undefined;
  /** Connections received and served here. */
  readonly received: number;
  /** Connections received for a server this process never attached (ended). */
  readonly unrouted: number;
  /** The predecessor died (or could not be reached) before it said it was done. */
  readonly predecessorDied: boolean;
}

/** Options of `attach`. */
export interface AttachOptions {
  /** The name both generations know this server by. Default: the adapter's kind and attach order (`http#1`). */
  name?: string;
}

/** A restartable server process. */
export interface Restarter {
  /** This process's generation: 1 for the first, counting up at each restart. */
  readonly generation: number;
  /** The switch this process moves sockets with. */
  readonly switch: Switch;
  /**
   * Listens `server` under `name`: on the listener the previous generation had under that name (the
   * kernel socket itself, never closed in between), else on `options` as `server.listen(options)` would.
   */
  listen(name: string, server: Server, options: ListenOptions): Promise<void>;
  /**
   * Moves this server's connections at restarts, and takes the predecessor's (by name): an
   * `http.Server`, a `ws` WebSocketServer, or an adapter (`createTcpAdapter` for a `net.Server`,
   * `createWsAdapter` with state hooks). Attach before `ready()`.
   */
  attach(server: Attachable, options?: AttachOptions): void;
  /** Says this process serves: the predecessor (if any) stops accepting and moves its connections here; the pid file is written. */
  ready(): Promise<void>;
  /**
   * Starts the successor and hands everything over. Resolves once this process holds nothing (then
   * exit); rejects with `ERR_RESTART_IN_PROGRESS` during another restart (or before `ready()`), and
   * with `ERR_SUCCESSOR_FAILED` when the successor dies or is not ready in time: this process then
   * listens again and serves on, having lost nothing it still held. Rejects with `ERR_CLOSED` when
   * `close()` is called meanwhile: a successor not ready yet is stopped (as when it fails); a ready
   * one is left to serve the listeners and the connections moved to it.
   */
  upgrade(): Promise<RestartReport>;
  /** Resolves once this process has handed everything over (by `upgrade()`, a signal or a supervisor): exit then. */
  readonly exited: Promise<RestartReport>;
  /** Resolves once this process has taken over from its predecessor (at once in the first generation). */
  readonly takenOver: Promise<TakeoverReport>;
  on(event: 'progress', listener: (progress: RestartProgress) => void): this;
  /**
   * Something went wrong that this process survives, and serves on: a socket it could not take (from a
   * process it does not take sockets from, or one that could not be imported), a control channel
   * fault, a listener it could not listen on again after a failed restart, a predecessor that
   * abandoned the restart. Without a listener these go nowhere (no 'error' event, no crash).
   */
  on(event: 'warning', listener: (warning: Error) => void): this;
  off(event: 'progress', listener: (progress: RestartProgress) => void): this;
  off(event: 'warning', listener: (warning: Error) => void): this;
  /** Stops everything this restarter runs (switch, control socket, signal handler) and removes its pid file. */
  close(): Promise<void>;
}

type State = 'starting' | 'serving' | 'upgrading' | 'handed-over' | 'closed';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function nonNegative(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0)) throw new ServerError('ERR_INVALID_ARGUMENT', `${name} must be a number >= 0, got ${String(value)}`);
  return value;
}

function envInt(env: NodeJS.ProcessEnv, key: string): number | undefined {
  const text = env[key];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new ServerError('ERR_INVALID_ARGUMENT', `${key}=${text} is not a positive integer; the process that started this one set it wrong`);
  return value;
}

/** A predecessor this process joined. */
interface Predecessor {
  readonly pid: number;
  readonly channel: ControlChannel | undefined;
  readonly listeners: readonly string[];
  /** Aborts when it died and nothing more arrives from it: a listener not here by then never comes, and its port is free. */
  readonly gone: AbortSignal;
}

class RestarterImpl extends EventEmitter implements Restarter {
  readonly generation: number;
  readonly switch: Switch;
  readonly exited: Promise<RestartReport>;
  readonly takenOver: Promise<TakeoverReport>;
  readonly #options: RestarterOptions;
  readonly #timeouts: { ready: number; drain: number; exit: number };
  readonly #runtimeDir: string;
  readonly #mover: SocketMover;
  readonly #control: ControlListener;
  /** A connection that arrived and that its server could not adopt is ended, and told as a warning. */
  readonly #router = new ConnectionRouter({ onRefused: (error) => this.#warn(error) });
  readonly #listeners = new Map<string, Server>();
  /** Names whose `listen` is under way: a second `listen` of one is refused at once, as for one that listens. */
  readonly #listening = new Set<string>();
  readonly #inherited: Map<string, number>;
  /** Listeners the predecessor sent through the switch (it did not start this process), waiting for `listen()`. */
  readonly #arrivedListeners = new ArrivedListeners();
  readonly #notifiers: readonly ReadinessNotifier[];
  readonly #supervised: boolean;
  /** The supervisor to ask for a successor (SIGHUP): the one named in the environment, else (an older supervisor) the parent. */
  readonly #supervisorPid: number | undefined;
  readonly #exited = deferred<RestartReport>();
  readonly #takenOver = deferred<TakeoverReport>();
  readonly #closing = new AbortController();
  #predecessor: Predecessor | undefined;
  #state: State = 'starting';
  #attachCount = 0;
  /** A successor until its predecessor is done (or dead) and every socket on its way has arrived. */
  #takingOver = false;
  /** The successor being started by `upgrade()`, and who waits for its Hello. */
  #expected: { child: ChildProcess | undefined; joined: (channel: ControlChannel, hello: ControlMessage & { kind: 'hello' }) => void } | undefined;
  #signalHandler: (() => void) | undefined;
  /** A successor whose predecessor is done (or gone): nothing more arrives from it. */
  #predecessorDone = false;

  constructor(init: {
    options: RestarterOptions;
    timeouts: { ready: number; drain: number; exit: number };
    runtimeDir: string;
    sw: Switch;
    control: ControlListener;
    generation: number;
    inherited: Map<string, number>;
  }) {
    super();
    this.#options = init.options;
    this.#timeouts = init.timeouts;
    this.#runtimeDir = init.runtimeDir;
    this.switch = init.sw;
    this.#mover = createSocketMover(init.sw);
    this.#control = init.control;
    this.generation = init.generation;
    this.#inherited = init.inherited;
    this.#supervised = process.env[ENV.supervised] === '1';
    const supervisorPid = Number(process.env[ENV.supervisorPid]);
    this.#supervisorPid = Number.isInteger(supervisorPid) && supervisorPid > 1 ? supervisorPid : undefined;
    this.#notifiers = init.options.notify ?? defaultNotifiers();
    this.exited = this.#exited.promise;
    this.takenOver = this.#takenOver.promise;
    void this.#acceptJoiners();
    const signal = init.options.upgradeSignal;
    if (signal !== undefined && !this.#supervised) {
      this.#signalHandler = () => {
        this.upgrade().catch(() => {
          // Reported as a 'failed' progress event; the process serves on.
        });
      };
      process.on(signal, this.#signalHandler);
    }
  }

  // ----- joining a predecessor (successor side) -----

  /** Connects to the predecessor named in the environment; tolerates a predecessor that is already gone. */
  async join(env: NodeJS.ProcessEnv): Promise<void> {
    const path = env[ENV.control];
    const pid = envInt(env, ENV.controlPid);
    if (path === undefined || pid === undefined) {
      throw new ServerError('ERR_INVALID_ARGUMENT', `${ENV.role}=successor without ${ENV.control} and ${ENV.controlPid}; start successors with restarter.upgrade() or sanshare-server supervise`);
    }
    this.#takingOver = true;
    const clock = new PhaseClock<RestartPhase>('joining');
    // Closing the restarter stops the receiving too.
    const receiving = new AbortController();
    const unlink = armDeadline({ signal: this.#closing.signal }, () => receiving.abort());
    const counts: MoveCounts = { phase: 'joining', moved: 0, remaining: 0, refused: 0, unserved: 0, fallback: 0, closed: 0 };
    let received = 0;
    /** Arrived, and ended because its server could not adopt it. */
    let notAdopted = 0;
    let expected: number | undefined;
    let died = false;
    let idle: NodeJS.Timeout | undefined;
    const armIdle = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => receiving.abort(), ORPHAN_RECEIVE_IDLE_MS);
    };
    // Every socket the predecessor sent has arrived: served here, or ended because its server could not adopt it.
    const maybeDone = (): void => {
      if (expected !== undefined && received + notAdopted >= expected) receiving.abort();
    };
    const emit = (phase: RestartPhase, reason?: string): void => {
      if (phase !== clock.phase) clock.enter(phase);
      this.#emitProgress({ ...counts, phase, generation: this.generation, peerPid: pid, moved: received, timings: clock.snapshot(), connects: undefined, ...(reason === undefined ? {} : { reason }) });
    };
    // Arrivals are told once per event-loop turn, not one event each: the counts are cumulative, and
    // an event per connection cost the successor about 0.02 ms of each (a tenth of its work per move).
    let arrivalsTold: NodeJS.Immediate | undefined;
    const tellArrivals = (): void => {
      arrivalsTold ??= setImmediate(() => {
        arrivalsTold = undefined;
        emit('receiving');
      });
    };

    let channel: ControlChannel | undefined;
    let listeners: string[] = [];
    try {
      channel = await connectControl(path, pid, { timeoutMs: this.#timeouts.ready });
      await channel.send({
        kind: 'hello',
        version: CONTROL_PROTOCOL_VERSION,
        pid: process.pid,
        generation: this.generation,
        role: 'successor',
        listenersHeld: [...this.#inherited.keys()],
      });
      const welcome = await channel.receive({ timeoutMs: this.#timeouts.ready });
      if (welcome === null) throw new ServerError('ERR_CONTROL_CHANNEL', `pid ${pid} closed the control channel before it welcomed this process`);
      if (welcome.kind === 'abort') throw new ServerError('ERR_CONTROL_CHANNEL', `pid ${pid} refused this process: ${welcome.reason}`);
      if (welcome.kind !== 'welcome' || welcome.pid !== pid) throw new ServerError('ERR_CONTROL_PROTOCOL', `pid ${pid} answered Hello with ${welcome.kind}, not Welcome`);
      listeners = welcome.listeners;
    } catch (error) {
      // The old process is gone (or refuses): this process keeps what it inherited and serves alone.
      await channel?.close();
      channel = undefined;
      died = true;
      emit('taken-over', `predecessor pid ${pid} could not be joined: ${firstLine(error)}`);
    }
    const gone = new AbortController();
    this.#predecessor = { pid, channel, listeners, gone: gone.signal };

    // Connections arrive through the switch, from the predecessor only.
    const loop = (async () => {
      for await (const arrived of this.#mover.receive({
        acceptFrom: (source) => source === pid,
        signal: receiving.signal,
        onListener: (name, fd) => this.#arrivedListeners.put(name, fd),
        onError: (error) => {
          counts.unserved++;
          this.#warn(error);
        },
      })) {
        if (this.#router.deliver(arrived)) received++;
        else {
          notAdopted++;
          counts.unserved++;
        }
        if (died) armIdle();
        tellArrivals();
        maybeDone();
      }
    })();

    if (channel === undefined) {
      receiving.abort();
    } else {
      const ch = channel;
      void (async () => {
        for (;;) {
          let message: ControlMessage | null;
          try {
            message = await ch.receive();
          } catch (error) {
            this.#warn(error);
            message = null;
          }
          if (message === null) break;
          if (message.kind === 'progress') {
            counts.remaining = message.progress.remaining;
            counts.fallback = message.progress.fallback;
            counts.refused = message.progress.refused;
            counts.closed = message.progress.closed;
            emit('receiving');
          } else if (message.kind === 'done') {
            expected = message.socketsSent;
            counts.unserved += message.totals.unserved;
            counts.fallback = message.totals.fallback;
            counts.refused = message.totals.refused;
            counts.closed = message.totals.closed;
            counts.remaining = message.totals.remaining;
            maybeDone();
            // Sockets that lapsed never arrive: stop after a quiet spell either way.
            armIdle();
          } else if (message.kind === 'abort') {
            this.#warn(new ServerError('ERR_SUCCESSOR_FAILED', `pid ${pid} abandoned the restart: ${message.reason}`));
          }
        }
        if (expected === undefined) {
          // Closed without Done: the old process died mid-move. Keep what arrived, and what is still on its way.
          died = true;
          armIdle();
        }
      })();
    }

    void loop.then(async () => {
      clearTimeout(idle);
      // The last arrivals are told by 'taken-over', after a 'receiving' with the final counts.
      if (arrivalsTold !== undefined) {
        clearImmediate(arrivalsTold);
        arrivalsTold = undefined;
        emit('receiving');
      }
      unlink();
      if (died) gone.abort(new Error(`pid ${pid} died before sending it`));
      // Listens come before ready(); a predecessor that could not be joined ends this before them.
      this.#predecessorDone = true;
      if (this.#state !== 'starting') this.#closeUnclaimedInherited();
      // Our own Done: the old process keeps its listener duplicates until it reads it.
      if (!died) await channel?.send({ kind: 'done', socketsSent: received, totals: { ...counts, phase: 'done' } }).catch(() => undefined);
      await channel?.close();
      const unrouted = this.#router.dropUnrouted();
      counts.unserved += unrouted;
      emit('taken-over', died ? `predecessor pid ${pid} died before it was done` : undefined);
      this.#takingOver = false;
      this.#takenOver.resolve({ predecessorPid: pid, received, unrouted, predecessorDied: died });
    });
  }

  // ----- the application's calls -----

  async listen(name: string, server: Server, options: ListenOptions): Promise<void> {
    checkListenerName(name);
    if (this.#listeners.has(name) || this.#listening.has(name)) throw new ServerError('ERR_INVALID_ARGUMENT', `listener '${name}' is already listening in this process; give each listener its own name`);
    if (this.#state === 'closed') throw new ServerError('ERR_CLOSED', 'the restarter is closed');
    this.#listening.add(name);
    try {
      await this.#listenOn(name, server, options);
    } finally {
      this.#listening.delete(name);
    }
    this.#listeners.set(name, server);
  }

  /** `listen`'s work: on the inherited descriptor, on one the predecessor sends, or anew. */
  async #listenOn(name: string, server: Server, options: ListenOptions): Promise<void> {
    const inherited = this.#inherited.get(name);
    if (inherited !== undefined) {
      this.#inherited.delete(name);
      // Node's handle takes a socket descriptor over (and closes it itself when listening on it then
      // fails); anything else (a file, a pipe's wrong end) it refuses untouched, and that one is no
      // longer close()'s to close: closed here when the listen fails.
      const notASocket = isOpenNonSocket(inherited);
      try {
        await listenServer(server, { fd: inherited }, `listener '${name}' (inherited descriptor ${inherited})`);
      } catch (error) {
        if (notASocket) closeQuietly(inherited);
        throw error;
      }
    } else if (this.#predecessor?.listeners.includes(name) === true && this.#predecessor.channel !== undefined) {
      // Not inherited (this process was not started by its predecessor): the listener comes through the switch.
      const { pid, gone } = this.#predecessor;
      let fd: number;
      try {
        fd = await this.#arrivedListeners.take(name, this.#timeouts.ready, AbortSignal.any([this.#closing.signal, gone]));
      } catch (error) {
        // The predecessor died without sending it: its listening socket died with it, so the port is
        // free. Listening anew serves it again; waiting on would leave it without a server.
        if (!gone.aborted || this.#closing.signal.aborted) throw error;
        this.#warn(new ServerError('ERR_LISTENER', `${firstLine(error)}; listening anew on the options given to listen()`, { cause: error }));
        await listenServer(server, options, `listener '${name}' (anew: pid ${pid} ended without sending it)`);
        return;
      }
      try {
        await listenServer(server, { fd }, `listener '${name}' (moved from pid ${pid})`);
      } catch (error) {
        closeQuietly(fd);
        throw error;
      }
    } else {
      await listenServer(server, options, `listener '${name}'`);
    }
  }

  attach(server: Attachable, options: AttachOptions = {}): void {
    const adapter = adapterFor(server);
    this.#attachCount++;
    const name = options.name ?? `${adapter.kind}#${this.#attachCount}`;
    if (this.#router.has(name)) throw new ServerError('ERR_INVALID_ARGUMENT', `a server is already attached as '${name}'; give each its own name`);
    this.#router.attach({ name, adapter });
  }

  async ready(): Promise<void> {
    if (this.#state !== 'starting') throw new ServerError('ERR_INVALID_ARGUMENT', `ready() was already called (this process is ${this.#state})`);
    this.#state = 'serving';
    if (this.#options.pidFile !== undefined) writePidFile(this.#options.pidFile);
    this.#notify({ READY: 1, MAINPID: process.pid });
    const channel = this.#predecessor?.channel;
    if (channel !== undefined && !channel.closed) {
      await channel.send({ kind: 'ready', pid: process.pid }).catch((error: unknown) => this.#warn(error));
    }
    if (this.#predecessor === undefined) this.#takenOver.resolve({ predecessorPid: undefined, received: 0, unrouted: 0, predecessorDied: false });
    else if (this.#predecessorDone) this.#closeUnclaimedInherited();
  }

  async upgrade(): Promise<RestartReport> {
    if (this.#state === 'serving' && this.#takingOver) {
      throw new ServerError(
        'ERR_RESTART_IN_PROGRESS',
        `cannot restart: this process is still taking over from pid ${this.#predecessor?.pid}; wait for restarter.takenOver, then upgrade`,
      );
    }
    if (this.#state !== 'serving') {
      const why =
        this.#state === 'upgrading'
          ? 'a restart is already under way; wait for it to end (restarter.exited, or the rejection of the first upgrade())'
          : this.#state === 'starting'
            ? 'this process is not serving yet; call ready() first'
            : `this process has ${this.#state === 'handed-over' ? 'handed everything over already' : 'been closed'}`;
      throw new ServerError('ERR_RESTART_IN_PROGRESS', `cannot restart: ${why}`);
    }
    this.#state = 'upgrading';
    const clock = new PhaseClock<RestartPhase>('spawning');
    const joined = deferred<{ channel: ControlChannel; hello: ControlMessage & { kind: 'hello' } }>();
    const gone = new AbortController();
    let child: ChildProcess | undefined;
    try {
      try {
        if (this.#supervised) {
          // The supervisor starts successors: ask it (it answers SIGHUP), then take the Hello that comes.
          // By its pid: the parent may be a wrapper (npm start, sh -c), which SIGHUP would kill.
          process.kill(this.#supervisorPid ?? process.ppid, 'SIGHUP');
        } else {
          child = this.#spawnSuccessor();
          child.once('exit', (code, signal) => gone.abort(new Error(`the successor (pid ${child?.pid}) exited (${signal ?? `code ${String(code)}`})`)));
          child.once('error', (error) => gone.abort(error));
        }
      } catch (error) {
        // Refused at once (spawn throws for an empty command or a NUL byte; the supervisor is gone):
        // nothing was started or handed over, and this process serves on, able to try again.
        this.#state = 'serving';
        throw new ServerError(
          'ERR_SUCCESSOR_FAILED',
          `the restart failed: the successor could not be started: ${firstLine(error)}; this process serves on`,
          { cause: error },
        );
      }
      this.#expected = { child, joined: (channel, hello) => joined.resolve({ channel, hello }) };
      return await this.#handover(clock, joined.promise, gone, child);
    } finally {
      this.#expected = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#closing.abort();
    // A move under way: its claims could not arrive once the switch below is cleaned up, and it would
    // wait the whole settle timeout for them. What was sent counts as moved (the ready successor
    // keeps serving it), and upgrade() ends now, with ERR_CLOSED.
    this.#mover.stopAwaitingClaims('the restarter was closed: no claim is awaited any more');
    if (this.#signalHandler !== undefined && this.#options.upgradeSignal !== undefined) process.off(this.#options.upgradeSignal, this.#signalHandler);
    if (this.#options.pidFile !== undefined) removePidFile(this.#options.pidFile);
    for (const fd of this.#inherited.values()) closeQuietly(fd);
    this.#inherited.clear();
    this.#arrivedListeners.close();
    await this.#control.close();
    await this.#predecessor?.channel?.close();
    await this.switch.WSACleanup().catch(() => undefined);
  }

  // ----- the old process's side of a restart -----

  #spawnSuccessor(): ChildProcess {
    const command = this.#options.successor ?? { command: process.execPath, args: [...process.execArgv, ...process.argv.slice(1)] };
    const fds = new Map<string, number>();
    for (const [name, server] of this.#listeners) if (server.listening) fds.set(name, listeningDescriptor(server));
    const passed = inheritance(fds, 3);
    const env: NodeJS.ProcessEnv = { ...process.env, ...command.env };
    // Inherited from whoever started this process; they describe this process, not the successor.
    for (const key of ['LISTEN_PID', 'LISTEN_FDS', 'LISTEN_FDNAMES', ENV.notifyFd]) delete env[key];
    Object.assign(env, {
      [ENV.role]: 'successor',
      [ENV.control]: this.#control.path,
      [ENV.controlPid]: String(process.pid),
      [ENV.generation]: String(this.generation + 1),
      [ENV.listenFds]: passed.env,
      [ENV.runtimeDir]: this.#runtimeDir,
    });
    return spawn(command.command, command.args, {
      env,
      stdio: ['inherit', 'inherit', 'inherit', ...passed.stdio],
      ...(command.cwd === undefined ? {} : { cwd: command.cwd }),
    });
  }

  /** Takes every joiner's Hello; a successor this process expects (or, under a supervisor, any) starts or joins a handover. */
  async #acceptJoiners(): Promise<void> {
    for (;;) {
      let channel: ControlChannel;
      try {
        channel = await this.#control.accept({ signal: this.#closing.signal });
      } catch {
        return;
      }
      void this.#greet(channel);
    }
  }

  async #greet(channel: ControlChannel): Promise<void> {
    let hello: ControlMessage | null;
    try {
      hello = await channel.receive({ timeoutMs: this.#timeouts.ready });
    } catch {
      await channel.close();
      return;
    }
    const refuse = async (reason: string): Promise<void> => {
      await channel.send({ kind: 'abort', reason }).catch(() => undefined);
      await channel.close();
    };
    if (hello === null) return void (await channel.close());
    if (hello.kind !== 'hello') return refuse(`expected Hello, got ${hello.kind}`);
    if (hello.version !== CONTROL_PROTOCOL_VERSION) return refuse(`control protocol version ${hello.version} is not supported (this process speaks ${CONTROL_PROTOCOL_VERSION})`);
    if (hello.pid !== channel.peerPid) return refuse(`Hello says pid ${hello.pid} but the channel's peer is pid ${channel.peerPid}`);
    if (hello.role !== 'successor') return refuse(`this process is a restartable server, not a worker pool (role ${hello.role})`);
    const expected = this.#expected;
    if (expected !== undefined && (expected.child === undefined || expected.child.pid === hello.pid)) {
      expected.joined(channel, hello);
      return;
    }
    if (this.#supervised && this.#state === 'serving' && this.#takingOver) {
      // Still taking over (the predecessor is moving its connections here): handing over now would tell
      // the predecessor this process is done and leave what it moves next nowhere to go. The
      // successor waits in its join (up to its readyTimeoutMs) for the Welcome that follows then.
      this.#warn(
        new ServerError(
          'ERR_RESTART_IN_PROGRESS',
          `pid ${hello.pid} joined while this process is still taking over from pid ${this.#predecessor?.pid}; it is handed over to once that is done`,
        ),
      );
      await this.takenOver;
    }
    if (channel.closed) return;
    if (this.#supervised && this.#state === 'serving') {
      // A supervisor started a successor on its own (SIGHUP to it): hand over as if upgrade() had asked.
      this.#state = 'upgrading';
      const gone = new AbortController();
      this.#handover(new PhaseClock<RestartPhase>('connecting'), Promise.resolve({ channel, hello }), gone, undefined).catch(() => {
        // Reported as a 'failed' progress event; the process serves on.
      });
      return;
    }
    return refuse(
      this.#state === 'upgrading' ? 'a restart is already under way in this process' : `this process did not start pid ${hello.pid} and is not supervised (it is ${this.#state})`,
    );
  }

  async #handover(
    clock: PhaseClock<RestartPhase>,
    joining: Promise<{ channel: ControlChannel; hello: ControlMessage & { kind: 'hello' } }>,
    gone: AbortController,
    child: ChildProcess | undefined,
  ): Promise<RestartReport> {
    const counts: MoveCounts = { phase: clock.phase, moved: 0, remaining: countConnections(this.#router.servers), refused: 0, unserved: 0, fallback: 0, closed: 0 };
    let successorPid = child?.pid;
    let probe: ConnectProbe | undefined;
    let report: MoveReport | undefined;
    const tty = (this.#options.progressLine ?? process.stdout.isTTY === true) ? progressLine(process.stderr) : undefined;
    const progress = (phase: RestartPhase, reason?: string): RestartProgress => {
      if (phase !== clock.phase) clock.enter(phase);
      const p: RestartProgress = {
        ...counts,
        phase,
        generation: this.generation,
        peerPid: successorPid,
        timings: clock.snapshot(),
        connects: probe === undefined ? undefined : { attempted: probe.attempted, refused: probe.refused, worstLatencyMs: probe.worstLatencyMs },
        ...(reason === undefined ? {} : { reason }),
      };
      tty?.update(p);
      this.#emitProgress(p);
      return p;
    };
    // A duplicate of each listening descriptor, kept until the successor is done: the kernel socket
    // never closes, and this process can listen on it again if the successor fails.
    const keep = new Map<string, number>();
    for (const [name, server] of this.#listeners) if (server.listening) keep.set(name, dupFd(listeningDescriptor(server)));
    const addresses = [...this.#listeners.values()].map((s) => s.address()).filter((a): a is AddressInfo => typeof a === 'object' && a !== null);
    if (this.#options.probeConnects !== undefined && addresses.length > 0) probe = startConnectProbe(addresses, this.#options.probeConnects.intervalMs);
    let channel: ControlChannel | undefined;
    /** It said Ready: it accepts on the listeners from then on, and the connections moved to it are its own. */
    let successorReady = false;
    /** The service manager was told the successor is the main process (MAINPID). */
    let namedSuccessorMain = false;
    // The successor is gone when it exits, closes its channel, is not ready in time, or this restarter closes.
    const unlinkClosing = armDeadline({ signal: this.#closing.signal }, () => gone.abort(new Error('the restarter was closed')));
    const readyDeadline = armDeadline({ timeoutMs: this.#timeouts.ready }, () => gone.abort(new ServerError('ERR_SUCCESSOR_FAILED', 'did not get there in time (readyTimeoutMs)')));
    try {
      progress(clock.phase);
      // 1. The successor connects and says hello (or dies, or takes too long).
      const joined = await raceAbort(joining, gone.signal, 'before it connected to the control socket');
      channel = joined.channel;
      successorPid = joined.hello.pid;
      const ch = channel;
      // Until the reader below runs, the channel's end is the successor's failure. From then on the
      // reader decides: the successor closes its end right after its Done, and the close can be seen
      // before that Done is read, while the reader ends only after every message was read.
      let readerOwnsEnd = false;
      void ch.whenClosed.then(() => {
        if (!readerOwnsEnd) gone.abort(new Error(`the successor (pid ${successorPid}) closed the control channel`));
      });
      progress('connecting');
      const held = new Set(joined.hello.listenersHeld);
      // Welcome names the listeners that listen (a closed one never comes), and those are what moves.
      const listening = [...this.#listeners].filter(([, server]) => server.listening);
      await ch.send({ kind: 'welcome', version: CONTROL_PROTOCOL_VERSION, pid: process.pid, generation: this.generation, listeners: listening.map(([name]) => name) });
      // The listener moves first: this process stops accepting on it as it goes (listener-transfer.ts),
      // and listens again on its kept duplicate if the successor fails.
      for (const [name, server] of listening) if (!held.has(name)) await this.#mover.sendListener(successorPid, name, server);
      // 2. It listens and says it is ready.
      progress('starting');
      await raceAbort(readUntilReady(ch), gone.signal, 'before it was ready');
      readyDeadline();
      successorReady = true;
      // From now on a read stays pending, so that the successor's death (the channel's end) is seen at
      // once. The one message it sends later is its own Done: it holds every socket this process sent.
      let finished = false;
      readerOwnsEnd = true;
      let tookOver: () => void = () => {};
      const successorTookOver = new Promise<void>((resolve) => (tookOver = resolve));
      void (async () => {
        let message: ControlMessage | null;
        while ((message = await ch.receive().catch(() => null)) !== null) {
          if (message.kind === 'done') {
            finished = true;
            tookOver();
          }
        }
        if (!finished) gone.abort(new Error(`the successor (pid ${successorPid}) closed the control channel`));
      })();
      this.#notify({ MAINPID: successorPid as number });
      namedSuccessorMain = true;
      // 3. This process stops accepting (the successor accepts on the same kernel socket) and moves every connection.
      for (const server of this.#listeners.values()) if (server.listening) NetServer.prototype.close.call(server);
      let lastSent = 0;
      // The move begins here: its phase (and its time) start now, not at the first socket's outcome,
      // which comes only once a whole batch was claimed.
      progress('moving');
      report = await moveConnections({
        servers: this.#router.servers,
        mover: this.#mover,
        targetPid: successorPid,
        drainTimeoutMs: this.#timeouts.drain,
        fallbackAtDeadline: true,
        signal: gone.signal,
        onProgress: (c) => {
          assignCounts(counts, c);
          const p = progress(c.phase === 'fallback' ? 'fallback' : 'moving');
          if (performance.now() - lastSent >= 100) {
            lastSent = performance.now();
            void ch.send({ kind: 'progress', progress: { ...counts, phase: p.phase } }).catch(() => undefined);
          }
        },
      });
      assignCounts(counts, report);
      if (report.aborted) throw gone.signal.reason ?? new Error('the restart was abandoned');
      // 4. What could not move got its fallback: wait for it to end, up to the exit deadline.
      progress('exiting');
      await waitForNoConnections(this.#router.servers, this.#timeouts.exit, this.#closing.signal);
      const left = countConnections(this.#router.servers);
      counts.unserved += left;
      counts.remaining = left;
      await ch.send({ kind: 'done', socketsSent: counts.moved, totals: { ...counts, phase: 'done' } }).catch(() => undefined);
      // 5. Until the successor says it holds them all, this process keeps its duplicate of each
      // listener: a successor that dies now (its claims taken, its connections not yet served) must
      // not leave the port without a server. Bounded: a live successor that is slow to say so (it
      // waits out sockets that lapsed) is not rolled back from.
      let patience: NodeJS.Timeout | undefined;
      await raceAbort(
        Promise.race([successorTookOver, new Promise<void>((resolve) => (patience = setTimeout(resolve, ORPHAN_RECEIVE_IDLE_MS + this.#timeouts.ready)))]),
        gone.signal,
        'before it said it held every connection',
      ).finally(() => clearTimeout(patience));
      finished = true;
      await ch.close();
      for (const fd of keep.values()) closeQuietly(fd);
      keep.clear();
      await probe?.stop();
      const final = progress('done');
      child?.unref();
      this.#state = 'handed-over';
      const result: RestartReport = {
        successorPid: successorPid as number,
        moved: counts.moved,
        refused: counts.refused,
        unserved: counts.unserved,
        fallback: counts.fallback,
        closed: counts.closed,
        unmovable: report.unmovable,
        timings: final.timings,
        connects: final.connects,
      };
      unlinkClosing();
      await this.#releaseAfterHandover();
      this.#exited.resolve(result);
      return result;
    } catch (error) {
      if (this.#state === 'closed' && successorReady) {
        // close() mid-move: the successor is ready, accepts on the listeners and serves what moved to
        // it. Killing it (the rollback) would end all of that, and this closed process would listen
        // again in its place. It is left to serve on; it keeps what arrived, as when its predecessor dies.
        await channel?.send({ kind: 'abort', reason: 'the old process was closed mid-restart and sends nothing more' }).catch(() => undefined);
        await channel?.close();
        for (const fd of keep.values()) closeQuietly(fd);
        keep.clear();
        child?.unref();
        await probe?.stop();
        progress('failed', 'the restarter was closed');
        tty?.end();
        unlinkClosing();
        throw new ServerError(
          'ERR_CLOSED',
          `the restarter was closed during the restart: the successor (pid ${successorPid}) was ready, and serves on with the listeners and the ${counts.moved} connection(s) moved to it; this process does not listen again`,
          { cause: error },
        );
      }
      // The successor failed: listen again on the kept descriptors and serve on; nothing was lost here.
      const reason = isServerError(error) ? error.message : firstLine(error);
      await this.#rollback(keep, child, successorPid, channel, reason);
      // The service manager watches the successor it was told about: it is gone, and this process
      // serves on. Named again, or systemd takes the dead successor for the service, and stops it.
      if (namedSuccessorMain) this.#notify({ MAINPID: process.pid });
      // Likewise the pid file, which a successor writes at its ready() (possibly just before it died,
      // its Ready unread here): it names this process again.
      if (this.#options.pidFile !== undefined && this.#state !== 'closed') {
        try {
          writePidFile(this.#options.pidFile);
        } catch (pidFileError) {
          this.#warn(pidFileError);
        }
      }
      await probe?.stop();
      progress('failed', reason);
      tty?.end();
      readyDeadline();
      unlinkClosing();
      if (this.#state === 'closed') {
        throw new ServerError(
          'ERR_CLOSED',
          `the restarter was closed during the restart: the successor${successorPid === undefined ? '' : ` (pid ${successorPid})`}, not ready yet, was stopped; this process listens again and serves every connection it held`,
          { cause: error },
        );
      }
      this.#state = 'serving';
      throw new ServerError(
        'ERR_SUCCESSOR_FAILED',
        `the restart failed: the successor${successorPid === undefined ? '' : ` (pid ${successorPid})`} ${reason.replace(/^the successor( \(pid \d+\))? /, '')}; this process listens again and serves every connection it held`,
        { cause: error },
      );
    }
  }

  async #rollback(keep: Map<string, number>, child: ChildProcess | undefined, successorPid: number | undefined, channel: ControlChannel | undefined, reason: string): Promise<void> {
    await channel?.send({ kind: 'abort', reason }).catch(() => undefined);
    await channel?.close();
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    } else if (child === undefined && successorPid !== undefined) {
      // A successor the supervisor started (its pid from its Hello, checked against the channel's
      // SO_PEERCRED): left alive it would go on to listen and say READY=1, serving beside this process.
      try {
        process.kill(successorPid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    for (const [name, fd] of keep) {
      const server = this.#listeners.get(name);
      if (server !== undefined && !server.listening) {
        try {
          // The server's handle takes this descriptor over.
          await listenServer(server, { fd }, `listener '${name}' (listening again after the failed restart)`);
          continue;
        } catch (error) {
          this.#warn(error);
        }
      }
      closeQuietly(fd);
    }
    keep.clear();
  }

  /**
   * Inherited listeners this successor never listened on (a new version without that listener): once
   * the predecessor is done and this process ready, nothing will accept on them, and a descriptor kept open would take
   * connects into a backlog nobody serves (clients hang). Closed, the port refuses them. Before this
   * process's Done: the predecessor closes its own duplicates when it reads it.
   */
  #closeUnclaimedInherited(): void {
    for (const [name, fd] of this.#inherited) {
      closeQuietly(fd);
      this.#warn(new ServerError('ERR_LISTENER', `listener '${name}' was inherited and never listened on; closed, so that its port refuses connects rather than leaving them unanswered (unless a supervisor holds it too)`));
    }
    this.#inherited.clear();
  }

  /** After a handover: nothing more to accept, move or receive here. */
  async #releaseAfterHandover(): Promise<void> {
    this.#closing.abort();
    if (this.#signalHandler !== undefined && this.#options.upgradeSignal !== undefined) process.off(this.#options.upgradeSignal, this.#signalHandler);
    await this.#control.close();
    await this.switch.WSACleanup().catch(() => undefined);
  }

  /** A 'warning' event: always an `Error`, whatever was thrown underneath. */
  #warn(error: unknown): void {
    this.emit('warning', error instanceof Error ? error : new ServerError('ERR_CONTROL_CHANNEL', String(error)));
  }

  #notify(state: Record<string, string | number>): void {
    for (const n of this.#notifiers) n.notify(state);
  }

  #emitProgress(p: RestartProgress): void {
    this.emit('progress', p);
  }
}

/** Copies the counts of `from` (a report may carry more) into `into`. */
function assignCounts(into: MoveCounts, from: MoveCounts): void {
  into.moved = from.moved;
  into.remaining = from.remaining;
  into.refused = from.refused;
  into.unserved = from.unserved;
  into.fallback = from.fallback;
  into.closed = from.closed;
}

/** Reads control messages until Ready; rejects when the channel closes first or says Abort. */
async function readUntilReady(channel: ControlChannel): Promise<void> {
  for (;;) {
    const message = await channel.receive();
    if (message === null) throw new ServerError('ERR_SUCCESSOR_FAILED', 'the successor closed the control channel before it was ready');
    if (message.kind === 'ready') return;
    if (message.kind === 'abort') throw new ServerError('ERR_SUCCESSOR_FAILED', `the successor gave up: ${message.reason}`);
  }
}

/** `promise`, or `ERR_SUCCESSOR_FAILED` when `gone` aborts first (`what` says at which point, the abort's reason why). */
function raceAbort<T>(promise: Promise<T>, gone: AbortSignal, what: string): Promise<T> {
  return withDeadline<T>(
    { signal: gone },
    (resolve, reject) => void promise.then(resolve, reject),
    (expiry) => {
      const reason = expiry.timedOut ? undefined : expiry.reason;
      return new ServerError('ERR_SUCCESSOR_FAILED', `the successor failed ${what}: ${isServerError(reason) ? reason.message : firstLine(reason)}`, { cause: reason });
    },
  );
}

/** Whether `fd` is open and not a socket (false when it is not open at all). */
function isOpenNonSocket(fd: number): boolean {
  try {
    return !fstatSync(fd).isSocket();
  } catch {
    return false;
  }
}

/** Resolves once no attached server has a connection, or after `timeoutMs`. */
async function waitForNoConnections(servers: readonly AttachedServer[], timeoutMs: number, signal: AbortSignal): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (countConnections(servers) > 0 && performance.now() < until && !signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Creates the restarter of this process. In a process started by `upgrade()` (or by a supervisor) it
 * joins the previous generation first: inherited listeners are taken by name in `listen()`, and the
 * connections arrive once `ready()` is called.
 *
 * Rejects with `ERR_INVALID_ARGUMENT` for a bad option, `ERR_CONTROL_CHANNEL` when this process's
 * control socket cannot be made.
 */
export async function createRestarter(options: RestarterOptions = {}): Promise<Restarter> {
  const timeouts = {
    ready: nonNegative(options.readyTimeoutMs, 'readyTimeoutMs', DEFAULT_READY_TIMEOUT_MS),
    drain: nonNegative(options.drainTimeoutMs, 'drainTimeoutMs', DEFAULT_DRAIN_TIMEOUT_MS),
    exit: nonNegative(options.exitTimeoutMs, 'exitTimeoutMs', DEFAULT_EXIT_TIMEOUT_MS),
  };
  const env = process.env;
  const role = env[ENV.role];
  if (role !== undefined && role !== '' && role !== 'successor') {
    throw new ServerError('ERR_INVALID_ARGUMENT', `${ENV.role}=${role}: this process was started as a ${role}, not as a successor; call serveWorker() in workers`);
  }
  const runtimeDir = resolveRuntimeDir(options.runtimeDir ?? env[ENV.runtimeDir]);
  const generation = envInt(env, ENV.generation) ?? 1;
  const inherited = readInheritedListeners(env);
  const { sw, control } = await startSwitchAndControl(runtimeDir, options.provider);
  const restarter = new RestarterImpl({ options, timeouts, runtimeDir, sw, control, generation, inherited });
  if (role === 'successor') {
    try {
      await restarter.join(env);
    } catch (error) {
      // Never handed to the application, so nothing else would close its switch and control socket.
      await restarter.close();
      throw error;
    }
  }
  return restarter;
}
