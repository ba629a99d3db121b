/**
 * WSPSocketBatch (an extension, protocol-info spi.ts): `WSPSocket(FROM_PROTOCOL_INFO x3, info, 0,
 * flags)` for up to 253 protocol infos in one call. Each info is checked and its pending import
 * opened exactly as the single import does it (import-socket.ts: `PendingImports.find`, then
 * `openImport`), one after the other, so that the same info twice in a batch finds its import taken
 * the second time (`WSAEINVAL`, single use). What a batch saves is per socket and need not be: the
 * claims of every import from one source go in one notice (or as few as MAX_NOTICE_IDS allows) with
 * one promise for all of them, and the whole batch is one call, one promise, one result array.
 *
 * The arrived descriptors are not described again here: the arrival check read them all, addresses
 * included, in one addon call per transport message (export-batch-receiver.ts), and `openImport`
 * fills the socket's cached addresses from that.
 *
 * A claim is in the kernel before the call returns (docs/provider.md section 10); an import whose
 * claim cannot be written is closed here (its source takes the socket back) and fails as the single
 * import fails. An info that names no duplicate (a catalog entry's) creates a fresh socket, as
 * WSPSocket does with it.
 */
import { kindOf } from '@sanshare/internal';
import { FROM_PROTOCOL_INFO, WsaError, type ProtocolInfo, type Socket, type SocketBatchResult } from '@sanshare/protocol-info';
import { closeSocket } from './close-socket.js';
import { MAX_BATCH_EXPORTS } from './constants.js';
import { createSocket } from './create-socket.js';
import { toWsaError } from './errors.js';
import { exportIdOf, openImport, unconfirmed } from './import-socket.js';
import type { NoticeWriter } from './notice-writer.js';
import type { PendingImport } from './pending-imports.js';
import type { ProviderState } from './provider-state.js';

const CALL = 'WSPSocketBatch';

/** An import opened by the batch, waiting for its claim to reach its source. */
interface Opened {
  at: number;
  s: Socket;
  found: PendingImport;
}

/** Whether `info` names a duplicate (what createSocket imports) rather than a catalog entry. */
function namesImport(info: unknown): info is ProtocolInfo {
  if (typeof info !== 'object' || info === null) return false;
  const { exportContext, dwProviderReserved } = info as ProtocolInfo;
  return exportContext !== undefined || dwProviderReserved !== 0;
}

/** An item's failure as its result: a `WsaError` as the single call would reject with it. */
const failed = (error: unknown): SocketBatchResult => ({ error: toWsaError(error, `${CALL} failed`) });

export async function importSocketBatch(state: ProviderState, protocolInfos: readonly ProtocolInfo[], flags = 0): Promise<SocketBatchResult[]> {
  if (!Array.isArray(protocolInfos)) throw new WsaError('WSAEINVAL', `${CALL}: protocolInfos must be an array of protocol infos, got ${kindOf(protocolInfos)}`);
  if (protocolInfos.length > MAX_BATCH_EXPORTS) {
    throw new WsaError('WSAEINVAL', `${CALL}: ${protocolInfos.length} protocol infos is more than the ${MAX_BATCH_EXPORTS} one call takes; split them into calls of at most ${MAX_BATCH_EXPORTS}`);
  }
  const { pending } = state;
  // Sent on export credits, sockets may still be in their channel: wait for them all at once, as
  // long as a hand-off may take (the single import's wait, overlapped).
  let arrivals: Promise<void>[] | undefined;
  for (const info of protocolInfos) {
    if (!namesImport(info)) continue;
    const exportId = exportIdOf(info);
    if (pending.isReserved(exportId)) (arrivals ??= []).push(pending.arrival(exportId, state.options.handoffTimeoutMs));
  }
  if (arrivals !== undefined) await Promise.all(arrivals);

  const results = new Array<SocketBatchResult>(protocolInfos.length);
  const bySource = new Map<NoticeWriter, Opened[]>();
  for (let at = 0; at < protocolInfos.length; at++) {
    const info = protocolInfos[at];
    if (!namesImport(info)) {
      // Not a duplicate's info: WSPSocket's own answer (a fresh socket, or its refusal).
      try {
        results[at] = { s: await createSocket(state, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, info as ProtocolInfo, 0, flags) };
      } catch (error) {
        results[at] = failed(error);
      }
      continue;
    }
    let found: PendingImport;
    let s: Socket;
    try {
      found = pending.find(info);
      s = openImport(state, found);
    } catch (error) {
      results[at] = failed(error);
      continue;
    }
    results[at] = { s };
    const { notices } = found;
    if (notices === undefined) continue;
    const group = bySource.get(notices);
    if (group === undefined) bySource.set(notices, [{ at, s, found }]);
    else group.push({ at, s, found });
  }

  if (bySource.size > 0) {
    const claims: Promise<void>[] = [];
    for (const [notices, opened] of bySource) {
      claims.push(
        notices.claimAll(opened.map((o) => o.found.exportId)).then(undefined, async (error: unknown) => {
          // The channel could not carry the claims, so it ended with every import it brought: the
          // source takes these sockets back, and they must not live on here as well.
          for (const o of opened) {
            await closeSocket(state, o.s).catch(() => {});
            results[o.at] = { error: unconfirmed(o.found, error) };
          }
        }),
      );
    }
    await Promise.all(claims);
  }
  return results;
}
