/**
 * WSPDuplicateSocket (and its extension WSPDuplicateSocketWithMessage): stops the socket's reads
 * for real, flushes its writes, and pushes its descriptor, with the read-ahead and the emulated
 * options, to the provider of `dwProcessId` (`ExportSender`); returns the special protocol info
 * that lets that process import it once. On any failure this process keeps reading the socket,
 * the read-ahead first in line: nothing is lost (docs/provider.md sections 3 to 6).
 *
 * After it returns, the duplication is outstanding until the target says how it ended (section 10):
 * claimed, or lapsed (never imported). A lapsed one gives the socket back: if its descriptor is still
 * open here, the read-ahead it carried (kept until then) goes back in front of the stream and the
 * socket reads again. Both outcomes are reported to the switch through the optional upcall
 * `WPUNotifyDuplicateSettled`, while the descriptor is open.
 *
 * A listening socket duplicates too (duplicate-listener.ts): it carries no read-ahead, and this
 * process stops accepting on it while a duplicate is out.
 */
import { WsaError, type ProtocolInfo, type Socket } from '@sanshare/protocol-info';
import { dupFd, getSocketCookie } from '@sanshare/transport-uds';
import { exportedProtocolInfo } from './build-protocol-info.js';
import { MAX_APP_MESSAGE_BYTES, MAX_READ_AHEAD_BYTES } from './constants.js';
import { pick, toWsaError } from './errors.js';
import type { SocketEssentials } from './export-codec.js';
import type { ProviderState } from './provider-state.js';
import { endpointPath } from './runtime-dir.js';
import { handOffListener } from './duplicate-listener.js';
import type { ConnectedEntry, ListeningEntry, OutstandingDuplicate } from './socket-entry.js';
import type { StreamSocket } from './stream-socket.js';
import { wrapDescriptor } from './wrap-descriptor.js';

const EMPTY = new Uint8Array(0);
/** Hand-off order across this process: read-ahead given back by several lapses goes back in this order. */
let nextOrder = 0;

/** The next hand-off's place in that order (a batch takes one per socket, in item order). */
export function takeHandoffOrder(): number {
  return nextOrder++;
}

/** The codes WSPDuplicateSocket may fail with (WSPDuplicateSocket.txt); SAN providers never use WSAEINPROGRESS. */
export const DUPLICATE_ERRORS: ReadonlySet<string> = new Set(['WSAENETDOWN', 'WSAEINVAL', 'WSAEMFILE', 'WSAENOBUFS', 'WSAENOTSOCK']);

/**
 * Duplicates `s` for `dwProcessId`; with `appMessage`, the target delivers the socket with it
 * (WSPReceiveDuplicate). Duplications of one descriptor run one at a time, in call order.
 */
export async function duplicateSocket(state: ProviderState, s: Socket, dwProcessId: number, appMessage?: Uint8Array): Promise<ProtocolInfo> {
  // WSAENETDOWN first: a provider that cannot receive sockets must not hand one away, since the
  // spec's scenario needs the socket to come back (and it is the one code that says so).
  const receiver = state.receiver;
  if (receiver === undefined) throw new WsaError('WSAENETDOWN', 'the provider has no hand-off endpoint');
  receiver.assertUp();
  const entry = state.sockets.require(s);
  if (!Number.isInteger(dwProcessId) || dwProcessId < 0 || dwProcessId > 0xffffffff) {
    throw new WsaError('WSAEINVAL', `dwProcessId must be an integer from 0 to 0xFFFFFFFF, got ${String(dwProcessId)}`);
  }
  const listener = entry.state === 'listening' && entry.listening !== undefined;
  if (!listener && (entry.state !== 'stream' || entry.stream === undefined)) {
    throw new WsaError('WSAEINVAL', `socket ${s} is neither connected nor listening (only those can be duplicated)`);
  }
  // An open channel to the target already proves it runs (its EOF would have closed the channel).
  if (!state.sender.hasLiveChannel(dwProcessId)) checkProcess(dwProcessId);
  const run = entry.duplications
    .then(() =>
      listener
        ? handOffListener(state, s, entry as ListeningEntry, dwProcessId, appMessage)
        : handOff(state, s, entry as ConnectedEntry, dwProcessId, appMessage),
    )
    .catch((error: unknown) => {
      // The spec's five codes only: a connection that failed under us (reset, closed) is a bad argument now.
      const mapped = toWsaError(error, 'WSPDuplicateSocket');
      if (DUPLICATE_ERRORS.has(mapped.code)) throw mapped;
      throw new WsaError('WSAEINVAL', `socket ${s} cannot be duplicated: ${mapped.message.slice(mapped.code.length + 2)} (${mapped.code})`, { cause: mapped });
    });
  entry.duplications = run.catch(() => {});
  return run;
}

/** One duplication, its turn come: stop, flush, export, and the protocol info of the result. */
async function handOff(state: ProviderState, s: Socket, entry: ConnectedEntry, targetPid: number, appMessage: Uint8Array | undefined): Promise<ProtocolInfo> {
  if (state.sockets.get(s) !== entry) throw new WsaError('WSAENOTSOCK', `socket ${s} was closed`);
  const { stream } = entry;
  const wasStopped = stream.stopped;
  const readAhead = await stream.stopForHandoff();
  try {
    if (readAhead.length > MAX_READ_AHEAD_BYTES) throw new WsaError('WSAENOBUFS', `${readAhead.length} bytes read ahead exceed the hand-off limit`);
    const fd = stream.fd;
    const socketCookie = entry.shared.cookie ?? getSocketCookie(fd);
    const socket: SocketEssentials = { addressFamily: entry.af, socketType: entry.type, protocol: entry.protocol, catalogEntryId: state.catalog.dwCatalogEntryId };
    // The read-ahead stays here (a reference, not a copy: nothing else holds the buffer) until the
    // target claims the socket or it lapses and the bytes go back in front of the stream.
    const duplicate: OutstandingDuplicate = { order: takeHandoffOrder(), exportId: 0, readAhead };
    const result = await state.sender.exportSocket({
      endpoint: endpointPath(state.options.runtimeDir, targetPid),
      targetPid,
      fd,
      socketCookie,
      socket,
      options: { ...entry.shared.options },
      readAhead,
      appMessage,
      timeoutMs: state.options.handoffTimeoutMs,
      // After this duplication (and any queued before the notice came) is done: in call order. A
      // descriptor closed meanwhile (the usual end of a hand-off) has nothing to take back or tell.
      settle: (outcome, reason) => {
        if (state.sockets.get(s) !== entry) return;
        entry.duplications = entry.duplications.then(() => settle(state, s, entry, duplicate, targetPid, outcome, reason)).catch(() => {});
      },
    });
    duplicate.exportId = result.exportId;
    entry.outstanding.add(duplicate);
    stream.commitHandoff();
    return exportedProtocolInfo(state.catalog, socket, socketCookie, targetPid, result);
  } catch (error) {
    // Nothing left: this process keeps the socket and reads again, the read-ahead first in line.
    if (!wasStopped) resumeQuietly(stream);
    throw error;
  }
}

/**
 * How a duplication of `s` ended. Lapsed, with `s` still open: its read-ahead goes back in front of
 * the stream, and once no other duplication of `s` is outstanding the socket reads again. Either way
 * the switch hears of it while `s` is open (it lifts its lock after a lapse; an application that
 * moved the socket away may close its own descriptor after a claim).
 */
export function settle(
  state: ProviderState,
  s: Socket,
  entry: ConnectedEntry,
  duplicate: OutstandingDuplicate,
  targetPid: number,
  outcome: 'claimed' | 'lapsed',
  reason: string,
): void {
  entry.outstanding.delete(duplicate);
  const readAhead = duplicate.readAhead;
  duplicate.readAhead = EMPTY;
  if (state.cleanedUp || state.sockets.get(s) !== entry || entry.state !== 'stream') return;
  if (outcome === 'lapsed') {
    entry.stream.giveBack(readAhead, duplicate.order);
    if (entry.outstanding.size === 0) resumeQuietly(entry.stream);
  }
  state.sockets.notifySettled(entry, { outcome, dwProcessId: targetPid, dwProviderReserved: duplicate.exportId, reason });
}

/** The message of WSPDuplicateSocketWithMessage, checked before anything is handed off. */
export function checkAppMessage(message: unknown): Uint8Array {
  if (!(message instanceof Uint8Array)) throw new WsaError(pick(['WSAEFAULT'], 'WSAEINVAL'), 'message must be a Uint8Array');
  if (message.length > MAX_APP_MESSAGE_BYTES) {
    throw new WsaError('WSAEMSGSIZE', `a message of ${message.length} bytes exceeds the hand-off limit of ${MAX_APP_MESSAGE_BYTES} bytes`);
  }
  // A copy: the frame is built after the socket's writes are flushed, and the caller may reuse its
  // buffer as soon as it gets control back (at most 64 KiB, small next to the hand-off itself).
  return Uint8Array.prototype.slice.call(message);
}

/** `WSAEINVAL` unless `pid` is a running process this one may signal (same user, or privileged). */
export function checkProcess(pid: number): void {
  // kill(0) would probe our own process group, and pids above INT_MAX do not exist on Linux.
  if (pid === 0 || pid > 0x7fffffff) throw new WsaError('WSAEINVAL', `process ${pid} is not a running process`);
  try {
    process.kill(pid, 0);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new WsaError(
      'WSAEINVAL',
      code === 'EPERM' ? `process ${pid} belongs to another user` : `process ${pid} is not a running process`,
      { cause: error },
    );
  }
}

/**
 * Reads `stream` again after a hand-off that did not happen (failed, or lapsed), the read-ahead first
 * in line. A connection gone meanwhile (reset, or its descriptor closed) stays stopped: the first
 * error, or the next call on it, says why.
 */
export function resumeQuietly(stream: StreamSocket): void {
  try {
    stream.resume((fd) => wrapDescriptor(dupFd(fd)));
  } catch {
    // See above: nothing to add to the error the caller reports.
  }
}
