import type { Role, SocketView, TraceError, TraceEvent } from './trace-event.js';

/** Writes the trace events of one process (JSON lines on stdout, read by the app's main process). */
export interface TraceWriter {
  readonly role: Role;
  readonly pid: number;
  emit(event: Omit<TraceEvent, 'role' | 'pid' | 'at'>): void;
  step(step: number, call: string, socket?: SocketView, detail?: string, data?: Record<string, unknown>): void;
  info(detail: string, data?: Record<string, unknown>): void;
  failure(step: number | undefined, error: unknown, detail?: string): void;
}

/** Creates the trace writer of this process. `write` defaults to stdout. */
export function createTraceWriter(role: Role, write: (line: string) => void = (line) => process.stdout.write(line)): TraceWriter {
  const pid = process.pid;
  const emit = (event: Omit<TraceEvent, 'role' | 'pid' | 'at'>): void => {
    const full: TraceEvent = { ...event, role, pid, at: Date.now() };
    write(`${JSON.stringify(full)}\n`);
  };
  return {
    role,
    pid,
    emit,
    step(step, call, socket, detail, data) {
      emit({ kind: 'step', step, call, ...(socket ? { socket } : {}), ...(detail !== undefined ? { detail } : {}), ...(data ? { data } : {}) });
    },
    info(detail, data) {
      emit({ kind: 'info', detail, ...(data ? { data } : {}) });
    },
    failure(step, error, detail) {
      emit({
        kind: 'failure',
        ...(step !== undefined ? { step } : {}),
        error: toTraceError(error),
        ...(detail !== undefined ? { detail } : {}),
      });
    },
  };
}

/** Turns anything thrown into the trace's `{ code, message }` (a `WsaError` keeps its Winsock code). */
export function toTraceError(error: unknown): TraceError {
  if (typeof error === 'object' && error !== null) {
    const candidate = error as { code?: unknown; message?: unknown; name?: unknown };
    const code = typeof candidate.code === 'string' ? candidate.code : typeof candidate.name === 'string' ? candidate.name : 'Error';
    const message = typeof candidate.message === 'string' ? candidate.message : String(error);
    return { code, message };
  }
  return { code: 'Error', message: String(error) };
}
