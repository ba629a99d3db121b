/**
 * The source's side of the hand-off protocol (docs/provider.md): connect to the target's endpoint,
 * check with SO_PEERCRED that it is the process the caller named, push the descriptor with an
 * `Export` frame and wait for the `ExportReply`.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { WsaError } from '@sanshare/protocol-info';
import { HANDOFF_PROTOCOL_VERSION, MAX_HANDOFF_MESSAGE_BYTES, NONCE_BYTES } from './constants.js';
import { toWsaError } from './errors.js';
import { decodeExportReply, encodeExport, HandoffStatus, type EmulatedOptions, type SocketEssentials } from './handoff-codec.js';
import { connect, type UdsConnection } from './kernel.js';

export interface ExportRequest {
  endpoint: string;
  targetPid: number;
  fd: number;
  socketCookie: bigint;
  socket: SocketEssentials;
  options: EmulatedOptions;
  readAhead: Uint8Array;
  timeoutMs: number;
}

export interface ExportResult {
  exportId: number;
  nonce: Uint8Array;
  expiresAtMs: number;
}

/** Attempts when the target already holds a pending import with a random id (1 in 2^32 each). */
const MAX_ID_ATTEMPTS = 4;

const unreachable = (pid: number, why: string, cause?: unknown): WsaError =>
  new WsaError('WSAEINVAL', `process ${pid} is not reachable by this provider: ${why}`, cause === undefined ? undefined : { cause });

/** Connects to the target's endpoint; `WSAEINVAL` when nothing (or the wrong process) listens there. */
async function open(request: ExportRequest): Promise<UdsConnection> {
  let connection: UdsConnection;
  try {
    connection = await connect(request.endpoint, { timeoutMs: request.timeoutMs, maxMessageBytes: MAX_HANDOFF_MESSAGE_BYTES, maxFdsPerMessage: 1 });
  } catch (error) {
    const mapped = toWsaError(error, 'connect', 'WSAEINVAL');
    // Out of descriptors is this process's own limit (WSAEMFILE); every other failure means no endpoint.
    if (mapped.code === 'WSAEMFILE' || mapped.code === 'WSAENOBUFS') throw mapped;
    throw unreachable(request.targetPid, `no hand-off endpoint at ${request.endpoint}`, error);
  }
  const { pid, uid } = connection.peer;
  const ownUid = process.getuid?.();
  if (pid !== request.targetPid || (ownUid !== undefined && uid !== ownUid)) {
    await connection.close().catch(() => {});
    throw unreachable(request.targetPid, `the endpoint belongs to pid ${pid} uid ${uid} (SO_PEERCRED)`);
  }
  return connection;
}

/** Pushes the socket to the target; resolves once the target holds it as a pending import. */
export async function exportSocket(request: ExportRequest): Promise<ExportResult> {
  for (let attempt = 1; ; attempt++) {
    const connection = await open(request);
    try {
      const exportId = randomInt(1, 0x1_0000_0000);
      const nonce = randomBytes(NONCE_BYTES);
      const frame = encodeExport({
        version: HANDOFF_PROTOCOL_VERSION,
        exportId,
        nonce,
        socketCookie: request.socketCookie,
        targetPid: request.targetPid,
        socket: request.socket,
        options: request.options,
        readAhead: request.readAhead,
      });
      let replyBytes: Uint8Array;
      try {
        await connection.send(frame, [request.fd], { timeoutMs: request.timeoutMs });
        const reply = await connection.receive({ timeoutMs: request.timeoutMs });
        if (reply === null) throw unreachable(request.targetPid, 'its endpoint closed the connection without an answer');
        replyBytes = reply.data;
      } catch (error) {
        const mapped = toWsaError(error, 'hand-off', 'WSAEINVAL');
        if (mapped.code === 'WSAEMFILE' || mapped.code === 'WSAENOBUFS' || mapped.code === 'WSAEINVAL') throw mapped;
        throw unreachable(request.targetPid, mapped.message, error);
      }
      const reply = decodeExportReply(replyBytes);
      if (reply.status === HandoffStatus.OK && reply.exportId === exportId) {
        return { exportId, nonce, expiresAtMs: reply.expiresAtMs };
      }
      const why = reply.message === '' ? 'no reason given' : reply.message;
      switch (reply.status) {
        case HandoffStatus.ID_IN_USE:
          if (attempt < MAX_ID_ATTEMPTS) continue;
          throw new WsaError('WSAENOBUFS', `the target refused ${attempt} export ids: ${why}`);
        case HandoffStatus.NO_BUFFERS:
          throw new WsaError('WSAENOBUFS', `no buffer space in process ${request.targetPid}: ${why}`);
        case HandoffStatus.NO_DESCRIPTORS:
          throw new WsaError('WSAEMFILE', `no descriptor available in process ${request.targetPid}: ${why}`);
        default:
          throw new WsaError('WSAEINVAL', `process ${request.targetPid} refused the socket: ${why}`);
      }
    } finally {
      await connection.close().catch(() => {});
    }
  }
}
