/**
 * The trace: one JSON object per line. Every process of a run writes its events as JSON lines on its
 * stdout; the app's main process reads them, adds its own (verdicts, the result) and prints them as
 * text or, with `--json`, as they are.
 */

/** Who wrote an event. `app` is the main process that orchestrates the others. */
export type Role = 'app' | 'peer' | 'source' | 'destination' | 'controller' | 'worker' | 'server' | 'successor' | 'clients' | 'connector';

/**
 * What a kernel socket looks like at one moment: the descriptors that name it in this process
 * (the switch's, and the provider's behind it) and its identity (the same in every process).
 */
export interface SocketView {
  /** The application's descriptor, minted by the switch (`WPUCreateSocketHandle`). */
  switchSocket?: number;
  /** The provider's descriptor behind it (what the switch passes to `WSP*` calls). */
  providerSocket?: number;
  /** `SO_COOKIE` of the kernel socket, decimal: equal cookies mean the same kernel socket. */
  cookie?: string;
  /** `getsockname`, `address:port`. */
  local?: string;
  /** `getpeername`, `address:port`. */
  remote?: string;
}

/** A Winsock-style error, as carried in the trace. */
export interface TraceError {
  /** `WSAEINVAL`, `ECONNREFUSED`, `SIGKILL`, ... */
  code: string;
  message: string;
}

/**
 * One line of the trace.
 *
 * - `step`: a step of the spec's table began or completed (`step` 1..17, `call` the Winsock call).
 * - `data`: bytes were exchanged on the connection (counts in `data`).
 * - `info`: anything else worth a line (a process started, listens, found its peer, ...).
 * - `pause`: fault injection: the process stopped before `step` and waits for the app to go on.
 * - `failure`: a step (or the run) failed; `error` says why.
 * - `exit`: the process is about to exit; `data` holds its descriptor counts and results.
 * - `verdict`: a check of the app's verdict (`data.ok`, `detail`).
 * - `result`: the last line of a run (`data.ok`, `data.exitCode`).
 */
export interface TraceEvent {
  kind: 'step' | 'data' | 'info' | 'pause' | 'failure' | 'exit' | 'verdict' | 'result';
  role: Role;
  pid: number;
  /** Milliseconds since the Unix epoch when the event was written (for reading, never for checks). */
  at: number;
  step?: number;
  call?: string;
  socket?: SocketView;
  detail?: string;
  error?: TraceError;
  /** Kind-specific values (counts, ids, verdict results). */
  data?: Record<string, unknown>;
}

const KINDS: ReadonlySet<string> = new Set(['step', 'data', 'info', 'pause', 'failure', 'exit', 'verdict', 'result']);

/** Parses one line of a child's stdout; `undefined` when it is not a trace event. */
export function parseTraceLine(line: string): TraceEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const event = value as Partial<TraceEvent>;
  if (typeof event.kind !== 'string' || !KINDS.has(event.kind)) return undefined;
  if (typeof event.role !== 'string' || typeof event.pid !== 'number' || typeof event.at !== 'number') return undefined;
  return event as TraceEvent;
}
