/**
 * The target's side of an `ExportBatch` (docs/provider.md section 13): up to 253 exports in one
 * transport message, descriptor i being the socket of export i. Each export is checked and stored as
 * if it came alone (check-export.ts: its claims, then its descriptor, all the batch's descriptors read
 * from the kernel in one addon call), and gets its own reply; one bad export fails that export only.
 * What is wrong with the message as a whole (a descriptor count other than the export count, the
 * kernel dropping descriptors, an endpoint that stopped) fails every export of it. Every descriptor
 * not stored as a pending import is closed before this returns, whatever happened.
 */
import { closeQuietly, type SocketInfo, type UdsMessage } from '@sanshare/transport-uds';
import { claimProblem, describeArrived, descriptorProblem } from './check-export.js';
import { ExportStatus, type ExportMessage, type ExportReplyMessage } from './export-codec.js';
import type { NoticeWriter } from './notice-writer.js';
import { heldBytes, type PendingImports } from './pending-imports.js';

export interface BatchReceiverContext {
  pending: PendingImports;
  /** True when this process can take `extra` more sockets besides those held (its `maxSockets`). */
  hasRoom: (extra: number) => boolean;
  /** Why the endpoint stopped receiving sockets, or undefined while it receives them. */
  down: string | undefined;
}

/** The pid that sent the batch (`SO_PEERCRED`) and the channel's notices: what each pending import records. */
export interface BatchSource {
  pid: number;
  notices: NoticeWriter;
}

const refused = (exportId: number, status: ExportStatus, message: string): ExportReplyMessage => ({ exportId, status, expiresAtMs: 0, message });

/** What fails every export of the message, or undefined. */
function messageProblem(context: BatchReceiverContext, message: UdsMessage, exports: readonly ExportMessage[]): ExportReplyMessage | undefined {
  if (context.down !== undefined) return refused(0, ExportStatus.INVALID, `process ${process.pid} stopped receiving sockets: ${context.down}`);
  // The kernel dropped descriptors (MSG_CTRUNC): this process is at its RLIMIT_NOFILE, and which
  // descriptor belongs to which export can no longer be told.
  if (message.truncated === true) {
    return refused(0, ExportStatus.NO_DESCRIPTORS, `process ${process.pid} is out of file descriptors (RLIMIT_NOFILE): the kernel dropped sockets of the batch`);
  }
  if (message.fds.length !== exports.length) {
    return refused(0, ExportStatus.INVALID, `an ExportBatch carries exactly 1 descriptor per export, in order: this one has ${exports.length} exports and ${message.fds.length} descriptors`);
  }
  return undefined;
}

/** Why export `m` with its descriptor `fd` cannot be stored, as its refusal, or undefined. */
function itemProblem(context: BatchReceiverContext, m: ExportMessage, fd: number, info: SocketInfo | null | undefined): ExportReplyMessage | undefined {
  const { pending, hasRoom } = context;
  const claim = claimProblem(m, process.pid);
  if (claim !== undefined) return refused(m.exportId, ExportStatus.INVALID, claim);
  const descriptor = descriptorProblem(m, fd, info);
  if (descriptor !== undefined) return refused(m.exportId, ExportStatus.INVALID, descriptor);
  // A batch never uses export credits: a reserved id is in use as much as a pending one (and so is an
  // id that an earlier export of the same batch took).
  if (pending.has(m.exportId)) return refused(m.exportId, ExportStatus.ID_IN_USE, `export id ${m.exportId} is pending`);
  if (pending.isFull) return refused(m.exportId, ExportStatus.NO_BUFFERS, `process ${process.pid} holds its maximum of unclaimed imports`);
  if (!pending.hasByteRoom(heldBytes(m))) {
    return refused(m.exportId, ExportStatus.NO_BUFFERS, `process ${process.pid} holds its maximum of read-ahead and message bytes in unclaimed imports (maxPendingBytes)`);
  }
  if (!hasRoom(0)) return refused(m.exportId, ExportStatus.NO_DESCRIPTORS, `process ${process.pid} has no socket descriptor left`);
  return undefined;
}

/** The replies to a batch, one per export in order, and the ids of the exports stored (withheld from delivery). */
export interface BatchOutcome {
  replies: ExportReplyMessage[];
  stored: number[];
}

/**
 * Checks and stores the exports of one batch message; returns one reply per export, in order. The
 * stored ones are withheld from delivery until the caller has written the reply (`PendingImports.deliver`),
 * or closed if it cannot (`discard`): a source that gave up on a batch (its target fell silent) and
 * closed the channel has its sockets back, so they must never reach an application here.
 */
export function receiveBatch(context: BatchReceiverContext, message: UdsMessage, exports: readonly ExportMessage[], source: BatchSource): BatchOutcome {
  const { fds } = message;
  const stored = new Uint8Array(fds.length);
  const storedIds: number[] = [];
  try {
    const whole = messageProblem(context, message, exports);
    if (whole !== undefined) return { replies: exports.map((m) => ({ ...whole, exportId: m.exportId })), stored: storedIds };
    const infos = describeArrived(fds);
    const replies = exports.map((m, at): ExportReplyMessage => {
      const fd = fds[at] as number;
      const problem = itemProblem(context, m, fd, infos[at]);
      if (problem !== undefined) return problem;
      const expiresAtMs = context.pending.nextExpiry();
      context.pending.add({
        exportId: m.exportId,
        fd,
        nonce: m.nonce,
        socketCookie: m.socketCookie,
        sourcePid: source.pid,
        expiresAtMs,
        socket: m.socket,
        options: m.options,
        readAhead: m.readAhead,
        // Already a copy (the codec shares no memory with the frame), seen as a Buffer without copying again.
        appMessage: m.appMessage === undefined ? undefined : Buffer.from(m.appMessage.buffer, m.appMessage.byteOffset, m.appMessage.length),
        notices: source.notices,
        addresses: infos[at]?.addresses,
      }, true);
      stored[at] = 1;
      storedIds.push(m.exportId);
      return { exportId: m.exportId, status: ExportStatus.OK, expiresAtMs, message: '' };
    });
    return { replies, stored: storedIds };
  } finally {
    fds.forEach((fd, at) => {
      if (stored[at] !== 1) closeQuietly(fd);
    });
  }
}
