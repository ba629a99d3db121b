/**
 * WSPAdoptDescriptors (extension): WSPAdoptDescriptor for a batch of descriptors (a server moving its
 * connections adopts hundreds at once). Every descriptor is checked as the single call checks it, with
 * the same errors, but the kernel is asked about all of them in ONE call into the addon
 * (`socketInfos`), which also reads each socket's addresses: kept in its entry, they answer the
 * switch's WSPGetSockName and WSPGetPeerName (its access-control key, asked at the next duplication)
 * without another syscall.
 */
import { kindOf } from '@sanshare/internal';
import { WsaError, type AdoptBatchItem, type SocketBatchResult } from '@sanshare/protocol-info';
import { LINUX, SCM_MAX_FD, socketInfos, type SocketInfo } from '@sanshare/transport-uds';
import { adoptListener, adoptStream, describe, notStream } from './descriptor-bridge.js';
import { toWsaError } from './errors.js';
import type { ProviderState } from './provider-state.js';

const CALL = 'WSPAdoptDescriptors';

/** One item that passed the shape checks: where its result goes, and what it brought. */
interface Candidate {
  readonly index: number;
  readonly fd: number;
  readonly readAhead: Uint8Array | undefined;
}

/** The item's shape checked: a candidate, or why it is refused (its descriptor, if any, untouched). */
function checkItem(item: unknown, index: number, firstIndexOf: Map<number, number>): Candidate | WsaError {
  if (typeof item !== 'object' || item === null) return new WsaError('WSAEFAULT', `${CALL} (item ${index}): an item must be { fd, readAhead? }, got ${kindOf(item)}`);
  const { fd, readAhead } = item as { fd?: unknown; readAhead?: unknown };
  // The single call's message and code for a number that is no descriptor.
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) return new WsaError('WSAEINVAL', `${CALL} (item ${index}): ${String(fd)} is not a descriptor`);
  if (readAhead !== undefined && !(readAhead instanceof Uint8Array)) {
    return new WsaError('WSAEFAULT', `${CALL} (item ${index}): readAhead must be a Uint8Array, got ${kindOf(readAhead)}`);
  }
  // Two provider sockets over one descriptor would each close it: a descriptor goes once per batch.
  const first = firstIndexOf.get(fd);
  if (first !== undefined) return new WsaError('WSAEINVAL', `${CALL} (item ${index}): descriptor ${fd} is item ${first} of this batch already; a descriptor goes once per batch`);
  firstIndexOf.set(fd, index);
  return { index, fd, readAhead };
}

/** What the kernel says each descriptor is, with its addresses; a descriptor that cannot be described gets its error. */
function describeAll(fds: readonly number[]): Array<SocketInfo | null | WsaError> {
  try {
    return socketInfos(fds, { addresses: true });
  } catch {
    // One of them is not open (socketInfos fails the whole call for it): each on its own, so that
    // only that one is refused. Rare (a caller's bug), so the extra calls do not matter.
    return fds.map((fd) => {
      try {
        return describe(fd, { addresses: true });
      } catch (error) {
        // The single call's WSAENOTSOCK.
        return error as WsaError;
      }
    });
  }
}

/** Adopts one described descriptor as WSPAdoptDescriptor would; throws its error. */
function adoptDescribed(state: ProviderState, candidate: Candidate, info: SocketInfo | null | WsaError): SocketBatchResult {
  const { fd, readAhead } = candidate;
  // The single call's order: room first, then what the descriptor is.
  state.sockets.requireRoom();
  if (info instanceof WsaError) throw info;
  if (info === null) throw new WsaError('WSAENOTSOCK', `descriptor ${fd} is not a socket`);
  if (info.acceptConn) return { s: adoptListener(state, fd, info, readAhead) };
  if (info.type !== LINUX.SOCK_STREAM) throw notStream(fd, info.type);
  // One check more than the single call makes, free here (socketInfos read the peer anyway): a
  // connection that was reset, or never established, has no peer and could not be duplicated. A
  // switch leaves this check to the batch rather than asking Node (a getpeername per socket).
  if (!info.connected) throw new WsaError('WSAEINVAL', `descriptor ${fd} is a stream socket with no peer (reset, or never connected): this provider adopts connected TCP sockets`);
  return { s: adoptStream(state, fd, info.domain, readAhead, info) };
}

export async function adoptDescriptors(state: ProviderState, items: unknown): Promise<SocketBatchResult[]> {
  if (!Array.isArray(items)) throw new WsaError('WSAEINVAL', `${CALL}: items must be an array of { fd, readAhead? }, got ${kindOf(items)}`);
  const list = items as readonly unknown[];
  if (list.length > SCM_MAX_FD) throw new WsaError('WSAEINVAL', `${CALL}: ${list.length} items, at most ${SCM_MAX_FD} per call (SCM_MAX_FD); split the batch`);
  const results = new Array<SocketBatchResult>(list.length);
  const candidates: Candidate[] = [];
  const firstIndexOf = new Map<number, number>();
  // A plain loop: a hole in a sparse array is an item too (undefined: WSAEFAULT), never skipped.
  for (let index = 0; index < list.length; index++) {
    const checked = checkItem(list[index], index, firstIndexOf);
    if (checked instanceof WsaError) results[index] = { error: checked };
    else candidates.push(checked);
  }
  const infos = describeAll(candidates.map((c) => c.fd));
  for (let at = 0; at < candidates.length; at++) {
    const candidate = candidates[at] as Candidate;
    try {
      results[candidate.index] = adoptDescribed(state, candidate, infos[at] ?? null);
    } catch (error) {
      // Refused: its descriptor is still the caller's, open, as it came (nothing above closes it before success).
      results[candidate.index] = { error: toWsaError(error, `${CALL} (item ${candidate.index}): descriptor ${candidate.fd} could not be adopted`) };
    }
  }
  return results;
}
