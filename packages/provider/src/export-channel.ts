/**
 * What the source's two ways of exporting (one socket per message, export-sender.ts; a batch per
 * message, export-batch-sender.ts) share: the channel to one target, what is outstanding on it, and
 * the errors a hand-off to an unreachable target fails with.
 */
import { WsaError } from '@sanshare/protocol-info';
import type { UdsConnection } from '@sanshare/transport-uds';
import { ExportStatus, type ExportReplyMessage } from './export-codec.js';
import type { ExportRequest } from './export-sender.js';

export const outOfDescriptors = (pid: number, cause?: unknown): WsaError =>
  new WsaError(
    'WSAEMFILE',
    `no descriptor available in process ${pid}: it is at its open-file limit (RLIMIT_NOFILE)`,
    cause === undefined ? undefined : { cause },
  );

export const unreachable = (pid: number, why: string, cause?: unknown): WsaError =>
  new WsaError(
    'WSAEINVAL',
    `process ${pid} is not reachable by this provider: ${why}; it must run a sanshare provider (WSPStartup) with the same runtime directory, as the same user`,
    cause === undefined ? undefined : { cause },
  );

/** Failures of a cached channel that mean it died while idle: the export never reached a live target. */
export function isStale(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'UDS_PEER_CLOSED' || code === 'UDS_CLOSED' || code === 'UDS_PEER_DIED' || error instanceof StaleChannel;
}

export class StaleChannel extends Error {}

/** An export that went through and is neither claimed nor lapsed yet. */
export interface Outstanding {
  settle: ExportRequest['settle'];
  /** When the target closes it unclaimed (the source's estimate, for the reason of a lapse). */
  expiresAtMs: number;
  /** The target's reason, when it refused the export after the source had returned (a credited one). */
  refusal: string | undefined;
}

/** No reply within the hand-off timeout. */
export class ReplyTimeout extends Error {}

export interface Channel {
  pid: number;
  connection: UdsConnection;
  /** No reply received on it yet: the target may be unable to accept it (out of descriptors). */
  fresh: boolean;
  /** Export credits the target granted on this channel and this source has not used. */
  credits: number[];
  /** When the last frame from the target was read (`Date.now()`): a batch's silence timer counts from it. */
  heardAtMs: number;
  /** The target's import timeout, as its last grant said. */
  importTimeoutMs: number;
  /** Exports sent without a credit whose reply has not arrived, by export id: their callers wait. */
  waiting: Map<number, (reply: ExportReplyMessage | Error) => void>;
  /** Exports that went through on this channel, by export id, until a notice (or the channel's end) settles them. */
  outstanding: Map<number, Outstanding>;
  /**
   * No longer used for new exports (its state became unknown: a timeout, a failed send), but still
   * read, so that its outstanding exports are settled; closed once none is left.
   */
  retired: boolean;
  /** This source closed it (WSPCleanup): its end settles nothing. */
  abandoned: boolean;
}

/** The error of a target's refusal (`status` other than OK and ID_IN_USE) of an export to `pid`, `why` being its message. */
export function refusalError(status: ExportStatus, why: string, pid: number): WsaError {
  switch (status) {
    case ExportStatus.NO_BUFFERS:
      return new WsaError('WSAENOBUFS', `no buffer space in process ${pid}: ${why}`);
    case ExportStatus.NO_DESCRIPTORS:
      return new WsaError('WSAEMFILE', `no descriptor available in process ${pid}: ${why}`);
    default:
      return new WsaError('WSAEINVAL', `process ${pid} refused the socket: ${why}`);
  }
}
