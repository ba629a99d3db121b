/**
 * Why a connection cannot move: each reason a `freeze` gives starts with one of these codes (then a
 * colon and the explanation), so that a lifecycle can count them and report them as they are.
 * A connection that cannot move stays in service until the drain deadline, then gets the fallback
 * (`Connection: close` on its next response, or WebSocket close 1012 "service restart").
 */
export const UNMOVABLE = {
  untracked: 'the adapter never saw this connection arrive (it came before the adapter was created, or belongs to another server)',
  closed: 'the connection is closed or closing',
  'peer-closed': 'the client has half-closed the connection (its FIN has arrived)',
  tls: 'TLS runs in this process: its keys and record sequence numbers cannot leave with the kernel socket',
  'not-a-socket': 'the connection is not backed by a kernel socket (a userland stream)',
  'app-reads-socket': 'the application reads the socket itself (a data or readable listener), so bytes may sit where no move sees them',
  'deflate-context-takeover':
    'permessage-deflate with context takeover: the zlib window (the last 32 KiB of each direction) lives in this process and neither Node nor ws can export it',
  'request-in-progress': 'a request was still arriving when the move gave up',
  'long-response': 'a response (a long download, server-sent events) was still being written when the move gave up',
  'slow-reader': 'bytes already written were still waiting for the client to read them when the move gave up',
  'fragmented-message': 'a fragmented WebSocket message (or a frame) was still arriving when the move gave up',
  'sender-busy': 'an outgoing WebSocket message was still queued, compressing or open in fragments when the move gave up',
  'no-safe-point': 'the application did not reach a safe point (checkpoint / movable) before the move gave up',
  abandoned: 'the move was abandoned (unfreeze) before the connection reached a safe point',
} as const;

/** A reason code of `UNMOVABLE`, such as `'deflate-context-takeover'`. */
export type UnmovableCode = keyof typeof UNMOVABLE;

/** The `why` of a freeze that failed: `'<code>: <explanation>'`, and `(detail)` when given. */
export function unmovable(code: UnmovableCode, detail?: string): string {
  return `${code}: ${UNMOVABLE[code]}${detail === undefined ? '' : ` (${detail})`}`;
}

/** The code a `why` starts with, or undefined for a reason this package did not write. */
export function unmovableCode(why: string): UnmovableCode | undefined {
  const code = why.slice(0, why.indexOf(':'));
  return Object.hasOwn(UNMOVABLE, code) ? (code as UnmovableCode) : undefined;
}
