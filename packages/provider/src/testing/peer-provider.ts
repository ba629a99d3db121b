/**
 * A second, separate OS process running a provider, driven from this one: the target the compliance
 * checks duplicate into, and the source of what they get back. Its procedure table is called over
 * its stdin and stdout (one JSON line per call), not Node's IPC channel, so that it is as unrelated
 * to this process as the spec's source and destination applications are.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { withDeadline } from '@sanshare/internal';
import { WSA_ERRORS, WsaError, type ProtocolInfo, type WsaErrorCode } from '@sanshare/protocol-info';
import { PEER_CALLS, type PeerProcTable } from './peer-calls.js';
import { fromWire, toWire, type PeerAnswer, type PeerHello } from './peer-wire.js';

/** Options of {@link startPeerProvider}. */
export interface PeerProviderOptions {
  /**
   * The provider module the peer loads; it must export `WSPStartup`. A package name is resolved
   * from `cwd` as an `import()` in a script there would resolve it (so a package's own name works
   * in its own directory); a `file:` URL or an absolute path names a file.
   */
  provider: string;
  /** The catalog entry the peer's `WSPStartup` gets (this provider's entry, as a switch would pass it). */
  catalogEntry: ProtocolInfo;
  /** The options of the peer's `WSPStartup` (JSON values): give it the same `runtimeDir` as the provider under test. */
  startupOptions?: Record<string, unknown>;
  /** The peer's working directory, where `provider` is resolved from. Default: this process's. */
  cwd?: string;
  /** How long starting the peer, and each call to it, may take before it fails. Default 30,000 ms. */
  timeoutMs?: number;
}

/** A provider in a peer process. */
export interface PeerProvider {
  /** The peer's pid: the `dwProcessId` that duplicates a socket into it. */
  readonly pid: number;
  /** Its procedure table, called across the process boundary. */
  readonly procTable: PeerProcTable;
  /**
   * Runs `WSPCleanup` there and ends the process (SIGKILL if it has not exited within `timeoutMs`);
   * resolves once it is gone. Safe to call twice, and after the process died.
   */
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** What of the peer's stderr an error message quotes. */
const STDERR_TAIL_BYTES = 4096;

/**
 * Loads `peer-process.js` from next to this module (both in `dist/testing/`), imports the provider
 * from the working directory, and serves. `-e` code resolves a bare specifier from the working
 * directory: the one place a package name means what it means to the caller.
 */
const BOOTSTRAP = `const [peer, provider, config] = process.argv.slice(1);
const { servePeer } = await import(peer);
await servePeer(await import(provider), config);`;

const PEER_PROCESS_URL = new URL('./peer-process.js', import.meta.url).href;

/** `WsaError` of the peer's code, saying it happened there; any other error as an `Error`. */
function errorOf(answer: Extract<PeerAnswer, { ok: false }>, pid: number): Error {
  if (answer.name === 'WsaError' && answer.code !== undefined && Object.prototype.hasOwnProperty.call(WSA_ERRORS, answer.code)) {
    const code = answer.code as WsaErrorCode;
    const detail = answer.message.startsWith(`${code}: `) ? answer.message.slice(code.length + 2) : answer.message;
    return new WsaError(code, `in peer process ${pid}: ${detail}`);
  }
  return new Error(`in peer process ${pid}: ${answer.name}: ${answer.message}`);
}

/** An absolute path becomes a file URL (`import()` takes URLs); anything else is passed as written. */
function specifierOf(provider: string): string {
  return provider.startsWith('/') ? pathToFileURL(provider).href : provider;
}

/**
 * Starts a provider in a separate process and resolves once its `WSPStartup` succeeded there.
 * Rejects when it fails, exits or stays silent for `timeoutMs` (the process is then killed).
 * Close every peer (`close()`) when done, also when a check failed.
 */
export async function startPeerProvider(options: PeerProviderOptions): Promise<PeerProvider> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const config = toWire({ catalogEntry: options.catalogEntry, startupOptions: options.startupOptions ?? {} });
  const child = spawn(process.execPath, ['--input-type=module', '-e', BOOTSTRAP, PEER_PROCESS_URL, specifierOf(options.provider), config], {
    cwd: options.cwd ?? process.cwd(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    // A process that could not be spawned never exits: its 'error' ends it here.
    child.once('error', (error) => {
      stderr = `${stderr}${error.message}\n`;
      resolve();
    });
  });
  const gone = (): string => `the peer process exited (${String(child.exitCode ?? child.signalCode)})${stderr === '' ? '' : `: ${stderr.trim()}`}`;

  const waiting = new Map<number, (answer: PeerAnswer | Error) => void>();
  let hello: ((message: PeerHello | Error) => void) | undefined;
  const lines = createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> });
  lines.on('line', (line) => {
    const message = fromWire(line) as PeerHello | PeerAnswer;
    if ('ready' in message) hello?.(message);
    else waiting.get(message.id)?.(message);
  });
  void exited.then(() => {
    const why = new Error(gone());
    hello?.(why);
    for (const settle of [...waiting.values()]) settle(why);
  });

  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };

  let pid: number;
  try {
    pid = await withDeadline<number>(
      { timeoutMs },
      (resolve, reject) => {
        hello = (message) => {
          hello = undefined;
          if (message instanceof Error) reject(message);
          else if (message.ready) resolve(message.pid);
          else reject(new Error(`the peer's WSPStartup failed: ${message.message}`));
        };
      },
      () => new Error(`the peer process did not start its provider within ${timeoutMs} ms${stderr === '' ? '' : `: ${stderr.trim()}`}`),
    );
  } catch (error) {
    await kill();
    throw error;
  }

  let nextId = 1;
  const call = (name: string, args: unknown[]): Promise<unknown> => {
    if (child.exitCode !== null || child.signalCode !== null || child.stdin?.writable !== true) return Promise.reject(new Error(gone()));
    const id = nextId++;
    return withDeadline<unknown>(
      { timeoutMs },
      (resolve, reject) => {
        waiting.set(id, (answer) => {
          waiting.delete(id);
          if (answer instanceof Error) reject(answer);
          else if (answer.ok) resolve(answer.value);
          else reject(errorOf(answer, pid));
        });
        child.stdin?.write(`${toWire({ id, call: name, args })}\n`);
        return () => waiting.delete(id);
      },
      () => new Error(`${name} got no answer from peer process ${pid} within ${timeoutMs} ms`),
    );
  };
  const procTable = Object.fromEntries(PEER_CALLS.map((name) => [name, (...args: unknown[]) => call(name, args)])) as unknown as PeerProcTable;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      // Closing its stdin asks it to clean up and exit; a peer that does not is killed.
      child.stdin?.end();
      await withDeadline<void>({ timeoutMs }, (resolve) => void exited.then(resolve), () => undefined).catch(kill);
    })();
    return closing;
  };
  return { pid, procTable, close };
}
