import type { TraceError } from './trace-event.js';

/**
 * Turns anything thrown into the trace's `{ code, message }`: a coded error (`WsaError`, `SwitchError`,
 * `UdsError`, a Node system error) keeps its code. Some errors repeat their code at the start of their
 * message (`WSAEINVAL: ...`); that prefix is dropped here, so that every line that prints an error
 * (`describeTraceError`) shows the code once, whichever way the package writes its messages.
 */
export function toTraceError(error: unknown): TraceError {
  if (typeof error === 'object' && error !== null) {
    const candidate = error as { code?: unknown; message?: unknown; name?: unknown };
    const code = typeof candidate.code === 'string' ? candidate.code : typeof candidate.name === 'string' ? candidate.name : 'Error';
    const message = typeof candidate.message === 'string' ? candidate.message : String(error);
    return { code, message: withoutCodePrefix(message, code) };
  }
  return { code: 'Error', message: String(error) };
}

/** `CODE: message`, the one way the app prints an error (code once). */
export function describeTraceError(error: TraceError | undefined): string {
  if (error === undefined) return 'no error reported';
  return `${error.code}: ${withoutCodePrefix(error.message, error.code)}`;
}

function withoutCodePrefix(message: string, code: string): string {
  for (const prefix of [`${code}: `, `${code} `]) {
    if (message.startsWith(prefix)) return message.slice(prefix.length);
  }
  return message;
}
