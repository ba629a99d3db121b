import type { TraceEvent } from './trace-event.js';
import { describeTraceError } from './trace-error.js';

/**
 * Formats one event as a text line (what the app prints without `--json`):
 *
 * ```
 * step  process            call                          descriptors    socket identity
 *   5   source      4242   WSADuplicateSocket(s, 4243)   s=1 prov=1     cookie 8193  127.0.0.1:51234 > 127.0.0.1:40001   export 7
 * ```
 *
 * Lines that are not steps use `--` (data exchange), `..` (information), `!!` (failure),
 * `OK`/`NO` (verdicts).
 */
const CALL_WIDTH = 40;
const DESCRIPTORS_WIDTH = 13;

/** The column titles above the text lines. */
export const TRACE_HEADER = `${'step'.padEnd(5)}${'process'.padEnd(12)}${'pid'.padStart(7)}  ${'call'.padEnd(CALL_WIDTH)}  ${'descriptors'.padEnd(DESCRIPTORS_WIDTH)}  socket identity (SO_COOKIE, local > remote), detail`;

export function formatTraceLine(event: TraceEvent): string {
  const mark = markOf(event);
  const proc = `${event.role.padEnd(11)} ${String(event.pid).padStart(7)}`;
  const parts: string[] = [];
  if (event.call !== undefined) parts.push(event.call.padEnd(CALL_WIDTH));
  const socket = event.socket;
  if (socket) {
    const descriptors: string[] = [];
    if (socket.switchSocket !== undefined) descriptors.push(`s=${socket.switchSocket}`);
    if (socket.providerSocket !== undefined) descriptors.push(`prov=${socket.providerSocket}`);
    parts.push(descriptors.join(' ').padEnd(DESCRIPTORS_WIDTH));
    const identity: string[] = [];
    if (socket.cookie !== undefined) identity.push(`cookie ${socket.cookie}`);
    if (socket.local !== undefined || socket.remote !== undefined) identity.push(`${socket.local ?? '?'} > ${socket.remote ?? '?'}`);
    if (identity.length > 0) parts.push(identity.join('  '));
  }
  if (event.detail !== undefined) parts.push(event.detail);
  if (event.error) parts.push(describeTraceError(event.error));
  if (event.kind === 'verdict' || event.kind === 'result') return `${mark}  ${parts.join('  ')}`.trimEnd();
  return `${mark}  ${proc}  ${parts.join('  ')}`.trimEnd();
}

function markOf(event: TraceEvent): string {
  switch (event.kind) {
    case 'step':
      return String(event.step ?? '?').padStart(3);
    case 'data':
      return ' --';
    case 'pause':
      return ' ||';
    case 'failure':
      return ' !!';
    case 'verdict':
      return event.data?.ok === true ? ' OK' : ' NO';
    case 'result':
      return event.data?.ok === true ? '==>' : '=!>';
    default:
      return ' ..';
  }
}
