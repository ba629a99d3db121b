import type { Role, SocketView, TraceEvent } from './trace-event.js';
import { toTraceError } from './trace-error.js';

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
