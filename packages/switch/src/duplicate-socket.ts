import { WsaError, type ProtocolInfo, type Socket } from '@sanshare/protocol-info';
import { AccessControl, type Lock } from './access-control.js';
import type { Duplication } from './duplication-ledger.js';
import { recordDuplicationTarget } from './duplication-target.js';
import type { Descriptor, ProviderSlot } from './provider-slot.js';
import { socketKeyOf } from './socket-key.js';
import type { SwitchCore } from './switch-core.js';

/** A duplication whose socket is locked and recorded, and whose provider call is about to start. */
export interface BegunDuplication {
  readonly d: Descriptor;
  readonly lock: Lock;
  readonly duplication: Duplication<ProviderSlot>;
}

/** Throws `WSAEINVAL` unless `dwProcessId` is a pid Winsock can name (a `DWORD`). */
export function assertProcessId(dwProcessId: number, call: string): void {
  if (!Number.isInteger(dwProcessId) || dwProcessId < 0 || dwProcessId > 0xffffffff) {
    throw new WsaError('WSAEINVAL', `${call}: process id ${String(dwProcessId)} is not in 0..0xFFFFFFFF; pass the target's pid (requestPeerPid)`);
  }
}

/**
 * The switch's part before a provider duplicates `s`: the socket's key is asked through the
 * provider's table (`socketKeyOf`; the descriptor itself when it has none), and the socket is locked,
 * so that no call of this process slips in while the socket is on its way. The duplication is
 * recorded in the ledger with its lock, so that the provider's report of its lapse
 * (`WPUNotifyDuplicateSettled`) lifts that lock and no other. Throws `WSAENOTSOCK` / `WSAEACCES` /
 * `WSAENETDOWN` as `use` does, before anything is locked.
 */
export function beginDuplication(core: SwitchCore, s: Socket, dwProcessId: number, call: string): BegunDuplication {
  const d = core.use(s, call);
  const key = socketKeyOf(d.provider, d.context) ?? AccessControl.descriptorKey(d.s);
  core.access.assign(d.s, key);
  // Known under its key only now: another descriptor of the same socket may have handed it off already.
  core.use(s, call);
  const lock = core.access.lock(key);
  return { d, lock, duplication: core.ledger.begin(d.provider, d.s, dwProcessId, lock) };
}

/** The provider's call returned `info`: the socket stays locked until it is imported back or its duplication lapses. */
export function completeDuplication(core: SwitchCore, begun: BegunDuplication, info: ProtocolInfo): void {
  recordDuplicationTarget(info, begun.duplication.dwProcessId);
  // An info that is not one (a broken provider) matches no settlement: its lock stays until an import.
  core.ledger.complete(begun.duplication, typeof info === 'object' && info !== null ? info.dwProviderReserved : Number.NaN);
}

/** The provider's call failed: the socket is still this process's, and its lock is lifted. */
export function failDuplication(core: SwitchCore, begun: BegunDuplication): void {
  core.ledger.abandon(begun.duplication);
  core.access.unlockIfHeld(begun.lock);
}

/**
 * A duplication under access control, for `WSADuplicateSocket` and its extension with a message:
 * `run` is the provider's call, started once the socket is locked (`beginDuplication`); a failed
 * duplication unlocks it again.
 */
export async function duplicateSocket(
  core: SwitchCore,
  s: Socket,
  dwProcessId: number,
  call: string,
  run: (d: Descriptor) => Promise<ProtocolInfo>,
): Promise<ProtocolInfo> {
  core.use(s, call);
  assertProcessId(dwProcessId, call);
  const begun = beginDuplication(core, s, dwProcessId, call);
  let info: ProtocolInfo;
  try {
    info = await run(begun.d);
  } catch (error) {
    failDuplication(core, begun);
    throw error;
  }
  completeDuplication(core, begun, info);
  return info;
}
