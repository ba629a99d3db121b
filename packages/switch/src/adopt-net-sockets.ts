import type { Socket as NetSocket } from 'node:net';
import { AF, WsaError, isWsaError, type AdoptBatchItem, type SocketBatchResult } from '@sanshare/protocol-info';
import { closeQuietly, detachNetSocket, SCM_MAX_FD } from '@sanshare/transport-uds';
import { untilWritesDrained } from './drain-or-close.js';
import { reasonOf } from './explain.js';
import { providerForAdoption } from './provider-selection.js';
import type { ProviderSlot } from './provider-slot.js';
import type { Switch } from './switch-api.js';
import type { SwitchCore } from './switch-core.js';
import { switchCoreOf } from './switch-registry.js';
import { refuseTlsSocket } from './tls-socket.js';

const CALL = 'adoptNetSockets';

/** A socket taken out of Node, on its way into the provider: its place in the result, and what it brought. */
interface Detached extends AdoptBatchItem {
  readonly index: number;
  readonly fd: number;
  readonly readAhead: Uint8Array;
}

/** An item's failure as a `WsaError` (a provider or Node failing otherwise keeps its error as the cause). */
function itemError(error: unknown): WsaError {
  return isWsaError(error) ? error : new WsaError('WSAEINVAL', `${CALL}: ${reasonOf(error)}`, { cause: error });
}

/**
 * The provider that adopts every socket of this call whatever its family, when there is one and it
 * checks connections itself (`WSPAdoptDescriptors` refuses a descriptor with no peer, from the same
 * addon call that checks it): then a socket's family and peer need not be asked of Node, which costs a
 * getpeername per socket (`remoteAddress`). Undefined when the families' providers differ, either is
 * missing, or the provider lacks the batch extension.
 */
function slotForEither(core: SwitchCore): ProviderSlot | undefined {
  try {
    const v4 = providerForAdoption(core.slots, core.failures, AF.INET).slot;
    const v6 = providerForAdoption(core.slots, core.failures, AF.INET6).slot;
    return v4 === v6 && v4.extensions?.WSPAdoptDescriptors !== undefined ? v4 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether Node can name the socket's peer at all: a TCP socket's handle can (`getpeername`), a Unix
 * one's (a `Pipe`) cannot, and Node's `remoteAddress` is then undefined. Node's own test, without its
 * syscall.
 */
function hasIpPeer(socket: NetSocket): boolean {
  const handle = (socket as unknown as { _handle?: { getpeername?: unknown } | null })._handle;
  return typeof handle?.getpeername === 'function';
}

/**
 * The checks `adoptNetSocket` makes before it touches the socket: connected, and a provider for its
 * family. Throws its `WsaError`; the socket is untouched then. With `either` (above), only what Node
 * knows without a syscall is checked here (destroyed, not connected yet: `pending`, or a Unix socket,
 * which no provider of TCP sockets may take and `adoptNetSocket` refuses untouched); a socket reset
 * meanwhile is refused by the provider after its detach, and its descriptor closed (it is dead anyway).
 */
function slotFor(core: SwitchCore, socket: unknown, byFamily: Map<number, ProviderSlot>, either: ProviderSlot | undefined): ProviderSlot {
  if (typeof socket !== 'object' || socket === null) throw new WsaError('WSAEINVAL', `${CALL}: an item must be a net.Socket, got ${socket === null ? 'null' : typeof socket}`);
  const s = socket as NetSocket;
  refuseTlsSocket(s, CALL);
  if (either !== undefined) {
    if (s.destroyed || s.pending || !hasIpPeer(s)) throw new WsaError('WSAEINVAL', `${CALL}: the net.Socket is not connected`);
    return either;
  }
  if (s.destroyed || s.remoteAddress === undefined) throw new WsaError('WSAEINVAL', `${CALL}: the net.Socket is not connected`);
  const af = s.remoteFamily === 'IPv6' ? AF.INET6 : AF.INET;
  // Chosen once per family and call: the slots do not change while the switch runs.
  let slot = byFamily.get(af);
  if (slot === undefined) byFamily.set(af, (slot = providerForAdoption(core.slots, core.failures, af).slot));
  return slot;
}

/**
 * One provider call for `items` (at most `SCM_MAX_FD`, one provider): `WSPAdoptDescriptors`, or one
 * `WSPAdoptDescriptor` each for a provider without it. Each result lands in `results`: the switch
 * descriptor, or the error with the item's descriptor closed (it was the caller's, and the
 * `net.Socket` that held it is gone: the connection ends, as with `adoptNetSocket`).
 */
async function adoptOnSlot(core: SwitchCore, slot: ProviderSlot, items: readonly Detached[], results: SocketBatchResult[]): Promise<void> {
  const extensions = slot.extensions as NonNullable<ProviderSlot['extensions']>;
  let answers: readonly unknown[];
  if (extensions.WSPAdoptDescriptors !== undefined) {
    try {
      // The items themselves: the provider reads their `fd` and `readAhead` only.
      const answered: unknown = await extensions.WSPAdoptDescriptors(items);
      answers = Array.isArray(answered) ? answered : items.map(() => ({ error: new WsaError('WSAEINVALIDPROVIDER', `${CALL}: provider ${slot.providerModule}'s WSPAdoptDescriptors resolved with no array`) }));
    } catch (error) {
      // Nothing was attempted: every descriptor is still ours.
      answers = items.map(() => ({ error }));
    }
  } else {
    answers = await Promise.all(
      // Each call in its own try: a provider that throws at once (no promise) refuses that item alone.
      items.map(async ({ fd, readAhead }) => {
        try {
          return { s: await extensions.WSPAdoptDescriptor(fd, readAhead) };
        } catch (error) {
          return { error };
        }
      }),
    );
  }
  try {
    // WSACleanup while the provider ran: it closed what its provider adopted, and the table is going.
    core.assertAlive();
  } catch (error) {
    for (let at = 0; at < items.length; at++) {
      const item = items[at] as Detached;
      // A refused descriptor is still ours; an adopted one was the provider's, closed by its WSPCleanup.
      if (typeof (answers[at] as Partial<SocketBatchResult> | undefined)?.s !== 'number') closeQuietly(item.fd);
      results[item.index] = { error: itemError(error) };
    }
    return;
  }
  const adopting: Promise<void>[] = [];
  for (let at = 0; at < items.length; at++) {
    const item = items[at] as Detached;
    const answer = answers[at] as Partial<SocketBatchResult> | undefined;
    if (typeof answer?.s !== 'number') {
      // Refused (or, from a broken provider, not answered): the descriptor is still ours to close.
      closeQuietly(item.fd);
      const error = answer?.error ?? new WsaError('WSAEINVALIDPROVIDER', `${CALL}: provider ${slot.providerModule} gave no result for item ${at} of its batch; its descriptor was closed`);
      results[item.index] = { error: itemError(error) };
      continue;
    }
    adopting.push(
      core.adoptResult(slot, answer.s, CALL).then(
        (d) => {
          results[item.index] = { s: d.s };
        },
        (error: unknown) => {
          results[item.index] = { error: itemError(error) };
        },
      ),
    );
  }
  await Promise.all(adopting);
}

/**
 * `adoptNetSocket` for many sockets (a server moving its connections): each socket is checked,
 * flushed, detached and adopted as `adoptNetSocket` would (same errors, same cleanup: a socket that
 * fails after its detach has its descriptor closed), but each provider is called once per
 * `SCM_MAX_FD` (253) sockets with `WSPAdoptDescriptors` (one descriptor at a time with
 * `WSPAdoptDescriptor` for a provider without it). A socket with unsent writes waits for them to
 * reach the kernel on its own: the others do not wait for it. Resolves with one result per socket, in order: `{ s }`,
 * the new switch descriptor, or `{ error }`. Rejects only when nothing could be attempted (the switch
 * is cleaned up; `sockets` is not an array).
 */
export async function adoptNetSockets(sw: Switch, sockets: readonly NetSocket[]): Promise<SocketBatchResult[]> {
  const core = switchCoreOf(sw);
  core.assertAlive();
  if (!Array.isArray(sockets)) throw new WsaError('WSAEINVAL', `${CALL}: sockets must be an array of net.Socket`);
  const results = new Array<SocketBatchResult>(sockets.length);
  const bySlot = new Map<ProviderSlot, Detached[]>();
  const calls: Promise<void>[] = [];
  const byFamily = new Map<number, ProviderSlot>();
  const either = slotForEither(core);

  /** A socket whose writes must reach the kernel first: on its own, once drained. */
  const adoptOnceDrained = async (index: number, socket: NetSocket, slot: ProviderSlot): Promise<void> => {
    try {
      await untilWritesDrained(socket, CALL);
      // WSACleanup while it drained: the socket stays the caller's, untouched.
      core.assertAlive();
      const { fd, readAhead } = detachNetSocket(socket);
      await adoptOnSlot(core, slot, [{ index, fd, readAhead }], results);
    } catch (error) {
      results[index] = { error: itemError(error) };
    }
  };

  // A plain loop: a hole in a sparse array is an item too, refused.
  for (let index = 0; index < sockets.length; index++) {
    const socket = sockets[index] as NetSocket;
    try {
      const slot = slotFor(core, socket, byFamily, either);
      if (socket.writableLength > 0) {
        calls.push(adoptOnceDrained(index, socket, slot));
        continue;
      }
      const { fd, readAhead } = detachNetSocket(socket);
      let batch = bySlot.get(slot);
      if (batch === undefined) bySlot.set(slot, (batch = []));
      batch.push({ index, fd, readAhead });
      if (batch.length === SCM_MAX_FD) {
        calls.push(adoptOnSlot(core, slot, batch, results));
        bySlot.delete(slot);
      }
    } catch (error) {
      // Not connected, no provider for it, or (a socket listed twice) detached already: untouched.
      results[index] = { error: itemError(error) };
    }
  }
  for (const [slot, batch] of bySlot) calls.push(adoptOnSlot(core, slot, batch, results));
  await Promise.all(calls);
  return results;
}
