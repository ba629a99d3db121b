/**
 * Spawns test agents (agent.ts) as real, separate OS processes and talks to them over their
 * stdin/stdout. Every agent started is tracked; `killAgents()` (call it in afterEach) SIGKILLs
 * whatever is still running, even when the test failed half way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fromJson, toJson } from './wire-json.js';

const AGENT = fileURLToPath(new URL('./agent.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** An agent's failure, carrying the provider's Winsock code (`WSAEINVAL`...). */
export class AgentError extends Error {
  constructor(readonly code: string, message: string) {
    super(`${code}: ${message}`);
  }
}

export interface Agent {
  readonly pid: number;
  readonly child: ChildProcess;
  call<T = unknown>(op: string, args?: Record<string, unknown>): Promise<T>;
  /** Resolves with the exit code or signal once the process is gone. */
  readonly exited: Promise<number | string | null>;
}

const running = new Set<ChildProcess>();

export interface AgentSpawnOptions {
  /** Run under `ulimit -n <n>` (for WSAEMFILE from the process limit). */
  nofile?: number;
  /** The agent's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Run as this uid and gid (child_process `uid`/`gid`: the test must be root to use them). */
  uid?: number;
  gid?: number;
}

export async function startAgent(providerOptions: Record<string, unknown>, spawnOptions: AgentSpawnOptions = {}): Promise<Agent> {
  const nodeArgs = ['--import', 'tsx', AGENT, toJson(providerOptions)];
  const identity = spawnOptions.uid === undefined ? {} : { uid: spawnOptions.uid, gid: spawnOptions.gid ?? spawnOptions.uid };
  const child =
    spawnOptions.nofile === undefined
      ? spawn(process.execPath, nodeArgs, { cwd: PACKAGE_DIR, stdio: ['pipe', 'pipe', 'inherit'], env: spawnOptions.env ?? process.env, ...identity })
      : spawn('/bin/sh', ['-c', `ulimit -n ${spawnOptions.nofile} && exec "$0" "$@"`, process.execPath, ...nodeArgs], {
          cwd: PACKAGE_DIR,
          stdio: ['pipe', 'pipe', 'inherit'],
          env: spawnOptions.env ?? process.env,
          ...identity,
        });
  running.add(child);
  const exited = new Promise<number | string | null>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(signal ?? code);
    });
  });
  const pendingCalls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const lines = createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> });
  lines.on('line', (line) => {
    const message = fromJson(line) as { id: number; ok: boolean; value?: unknown; code?: string; message?: string };
    const waiter = pendingCalls.get(message.id);
    if (waiter === undefined) return;
    pendingCalls.delete(message.id);
    if (message.ok) waiter.resolve(message.value);
    else waiter.reject(new AgentError(message.code ?? 'ERROR', message.message ?? ''));
  });
  void exited.then((how) => {
    for (const waiter of pendingCalls.values()) waiter.reject(new AgentError('AGENT_EXITED', `agent exited (${String(how)})`));
    pendingCalls.clear();
  });
  let nextId = 1;
  const call = <T>(op: string, args: Record<string, unknown> = {}): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new AgentError('AGENT_EXITED', 'agent is not running'));
        return;
      }
      const id = nextId++;
      pendingCalls.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.stdin?.write(`${toJson({ id, op, ...args })}\n`);
    });
  const started = await call<{ pid: number }>('startup');
  return { pid: started.pid, child, call, exited };
}

/** SIGKILLs every agent still running and waits until each is gone. */
export async function killAgents(): Promise<void> {
  const gone = [...running].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(gone);
}

/** Expects `promise` to reject with an AgentError of `code`. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<AgentError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AgentError && error.code === code) return error;
    throw new Error(`expected ${code}, got ${String(error)}`, { cause: error });
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

/**
 * One hand-off each way between `a` and `b`, everything closed afterwards: the providers' cached
 * channels (one descriptor at each end) are open after it, so descriptor counts taken next are a
 * fair baseline for leak checks.
 */
export async function warmUp(a: Agent, b: Agent, port: number): Promise<void> {
  const s = await a.call<number>('connect', { address: '127.0.0.1', port });
  const d = await b.call<number>('import', { info: await a.call('duplicate', { s, pid: b.pid }) });
  const back = await a.call<number>('import', { info: await b.call('duplicate', { s: d, pid: a.pid }) });
  await b.call('close', { s: d });
  await a.call('close', { s });
  await a.call('close', { s: back });
}
