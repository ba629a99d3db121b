/**
 * The supervisor (`sanshare-server supervise -- node app.js`): a parent that never exits while the
 * server runs, for containers whose PID 1 must stay. It starts the first generation, starts a
 * successor on SIGHUP (the generations hand over to each other as with `restarter.upgrade()`),
 * starts a new generation when the current one dies, and forwards termination signals.
 *
 * With `--listen name=[host:]port` the supervisor opens the listeners itself and every generation
 * inherits them (systemd socket-activation style): connects queue in the kernel's backlog even while
 * no generation runs. It never accepts on them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';
import { closeQuietly, dupFd } from '@sanshare/transport-uds';
import { ENV, SUPERVISOR_BACKOFF_MS } from './constants.js';
import { controlSocketPath } from './control-channel.js';
import { ServerError } from './errors.js';
import { checkListenerName, inheritance, listeningDescriptor } from './inherited-listeners.js';
import { listenServer } from './listen-server.js';
import { resolveRuntimeDir } from './start-switch.js';

/** One `--listen` listener. */
export interface SupervisedListener {
  readonly name: string;
  readonly host?: string;
  readonly port: number;
}

/** Options of `supervise`. */
export interface SuperviseOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly listeners?: readonly SupervisedListener[];
  readonly runtimeDir?: string;
  /** Lines about what the supervisor does (default: stderr). */
  readonly log?: (line: string) => void;
}

/** A running supervisor. */
export interface Supervisor {
  /** Where each `--listen` listener is bound (its port when 0 was asked). */
  readonly ports: ReadonlyMap<string, number>;
  /** Resolves with the exit code once the supervisor stopped (a termination signal, and every generation exited). */
  readonly stopped: Promise<number>;
  /** Starts a successor of the current generation, as SIGHUP does. */
  restart(): void;
  /** Forwards `signal` to every generation and stops once they all exited. */
  stop(signal?: NodeJS.Signals): void;
}

interface Generation {
  readonly number: number;
  readonly child: ChildProcess;
  ready: boolean;
  /**
   * The server process of the generation, as its first `MAINPID=` line says: its successor joins that
   * process's control socket. Not always the child: a wrapper (`npm start`, `sh -c`) may stand between.
   */
  mainPid: number | undefined;
}

const FORWARDED: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
const STOPPING: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGQUIT'];

/** Starts supervising; resolves once the listeners are open and the first generation is started. */
export async function supervise(options: SuperviseOptions): Promise<Supervisor> {
  const log = options.log ?? ((line: string) => void process.stderr.write(`sanshare-server: ${line}\n`));
  const runtimeDir = resolveRuntimeDir(options.runtimeDir ?? process.env[ENV.runtimeDir]);
  // The listeners: opened here, then only a duplicate is kept (out of Node's event loop, so this
  // process never accepts); each generation inherits it.
  const fds = new Map<string, number>();
  const ports = new Map<string, number>();
  for (const l of options.listeners ?? []) {
    checkListenerName(l.name);
    const server: Server = createServer();
    await listenServer(server, { port: l.port, ...(l.host === undefined ? {} : { host: l.host }) }, `--listen ${l.name}`);
    fds.set(l.name, dupFd(listeningDescriptor(server)));
    const address = server.address();
    ports.set(l.name, typeof address === 'object' && address !== null ? address.port : l.port);
    server.close();
  }

  const generations = new Set<Generation>();
  let current: Generation | undefined;
  let successor: Generation | undefined;
  let lastNumber = 0;
  let stopping = false;
  let backoff: number = SUPERVISOR_BACKOFF_MS.first;
  let exitCode = 0;
  /** The timer that starts a new generation when none serves. */
  let replacement: NodeJS.Timeout | undefined;
  let resolveStopped!: (code: number) => void;
  const stopped = new Promise<number>((resolve) => (resolveStopped = resolve));

  function start(predecessor: Generation | undefined): Generation {
    const number = ++lastNumber;
    const passed = inheritance(fds, 4);
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of ['LISTEN_PID', 'LISTEN_FDS', 'LISTEN_FDNAMES', ENV.role, ENV.control, ENV.controlPid]) delete env[key];
    Object.assign(env, {
      [ENV.supervised]: '1',
      [ENV.generation]: String(number),
      [ENV.notifyFd]: '3',
      [ENV.listenFds]: passed.env,
      [ENV.runtimeDir]: runtimeDir,
      [ENV.supervisorPid]: String(process.pid),
    });
    const predecessorPid = predecessor?.mainPid ?? predecessor?.child.pid;
    if (predecessorPid !== undefined) {
      Object.assign(env, { [ENV.role]: 'successor', [ENV.control]: controlSocketPath(runtimeDir, predecessorPid), [ENV.controlPid]: String(predecessorPid) });
    }
    const child = spawn(options.command, [...options.args], { env, stdio: ['inherit', 'inherit', 'inherit', 'pipe', ...passed.stdio] });
    const generation: Generation = { number, child, ready: false, mainPid: undefined };
    generations.add(generation);
    log(`generation ${number} started (pid ${child.pid ?? '?'})${predecessorPid === undefined ? '' : `, taking over from pid ${predecessorPid}`}`);
    const notify = child.stdio[3];
    if (notify !== null && notify !== undefined && 'on' in notify) {
      createInterface({ input: notify as NodeJS.ReadableStream }).on('line', (line) => {
        // Only the first: later ones name the successor it hands over to.
        const mainPid = /^MAINPID=(\d+)$/.exec(line);
        if (mainPid !== null && generation.mainPid === undefined) generation.mainPid = Number(mainPid[1]);
        if (line === 'READY=1' && !generation.ready) {
          generation.ready = true;
          backoff = SUPERVISOR_BACKOFF_MS.first;
          if (successor === generation) successor = undefined;
          if (current !== generation) log(`generation ${number} (pid ${child.pid}) is ready`);
          current = generation;
        }
      });
    }
    let ended = false;
    const end = (code: number | null, how: string): void => {
      if (ended) return;
      ended = true;
      generations.delete(generation);
      if (successor === generation) successor = undefined;
      log(`generation ${number} ${how}`);
      if (current === generation) {
        current = undefined;
        exitCode = code ?? 1;
        // The current generation died without handing over (or handed over to a successor not ready
        // yet, which then becomes current).
        const heir = [...generations].find((g) => g.ready);
        if (heir !== undefined) current = heir;
      }
      // No generation serves and none is coming (the current one died, or the one started to replace
      // it died before it was ready, or could not even start): start a new one, backing off while
      // they keep failing, unless we are stopping.
      if (!stopping && current === undefined && successor === undefined) replaceLater();
      if (stopping && generations.size === 0) finish();
    };
    // A spawn that fails (no such command, not executable) emits 'error' and never 'exit'.
    child.once('error', (error) => {
      if (child.pid === undefined) end(null, `could not start: ${error.message}`);
      else log(`generation ${number} (pid ${child.pid}): ${error.message}`);
    });
    child.once('exit', (code, signal) => end(code, `(pid ${child.pid}) exited (${signal ?? `code ${String(code)}`})`));
    return generation;
  }

  function replaceLater(): void {
    if (replacement !== undefined) return;
    log(`no generation serves: starting a new one in ${backoff} ms`);
    // A ref'd timer: it is what keeps the supervisor alive until the new generation starts.
    replacement = setTimeout(() => {
      replacement = undefined;
      if (!stopping && current === undefined && successor === undefined) successor = start(undefined);
    }, backoff);
    backoff = Math.min(backoff * 2, SUPERVISOR_BACKOFF_MS.max);
  }

  function finish(): void {
    clearTimeout(replacement);
    replacement = undefined;
    for (const signal of [...FORWARDED, 'SIGHUP' as const]) process.off(signal, onSignal);
    for (const fd of fds.values()) closeQuietly(fd);
    fds.clear();
    resolveStopped(exitCode);
  }

  function restart(): void {
    if (stopping) return;
    if (successor !== undefined) return void log(`a restart is already under way (generation ${successor.number}); SIGHUP ignored`);
    if (current === undefined) return void log('no generation is ready yet; SIGHUP ignored');
    successor = start(current);
  }

  function stop(signal: NodeJS.Signals = 'SIGTERM'): void {
    stopping = true;
    for (const g of generations) g.child.kill(signal);
    if (generations.size === 0) finish();
  }

  function onSignal(signal: NodeJS.Signals): void {
    if (signal === 'SIGHUP') return restart();
    if (STOPPING.includes(signal)) return stop(signal);
    for (const g of generations) g.child.kill(signal);
  }
  for (const signal of [...FORWARDED, 'SIGHUP' as const]) process.on(signal, onSignal);

  successor = start(undefined);
  return { ports, stopped, restart, stop };
}

/** Parses `--listen name=[host:]port` (IPv6 hosts in brackets: `[::1]:8080`). */
export function parseListen(text: string): SupervisedListener {
  const at = text.indexOf('=');
  const name = text.slice(0, at);
  const where = text.slice(at + 1);
  const match = /^(?:(\[[^\]]+\]|[^:]+):)?(\d{1,5})$/.exec(where);
  const port = Number(match?.[2]);
  if (at < 1 || match === null || port > 65535) {
    throw new ServerError('ERR_INVALID_ARGUMENT', `--listen ${text}: expected name=[host:]port, such as http=8080 or http=127.0.0.1:8080 or http=[::1]:8080`);
  }
  checkListenerName(name);
  const host = match[1]?.replace(/^\[(.*)\]$/, '$1');
  return host === undefined ? { name, port } : { name, host, port };
}
