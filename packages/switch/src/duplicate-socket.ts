import { WsaError, type ProtocolInfo, type Socket } from '@sanshare/protocol-info';
import { AccessControl } from './access-control.js';
import { recordDuplicationTarget } from './duplication-target.js';
import type { Descriptor } from './provider-slot.js';
import { socketKeyOf } from './socket-key.js';
import type { SwitchCore } from './switch-core.js';

/**
 * A duplication under access control, for `WSADuplicateSocket` and its extension with a message:
 * `run` is the provider's call. The socket's key is asked through the provider's table
 * (`socketKeyOf`; the descriptor itself when it has none), and the socket is locked before the
 * provider starts, so that no call of this process slips in while the socket is on its way; a
 * failed duplication unlocks it again. The duplication is recorded in the ledger with its lock, so
 * that the provider's report of its lapse (`WPUNotifyDuplicateSettled`) lifts that lock and no other.
 */
export async function duplicateSocket(
  core: SwitchCore,
  s: Socket,
  dwProcessId: number,
  call: string,
  run: (d: Descriptor) => Promise<ProtocolInfo>,
): Promise<ProtocolInfo> {
  const d = core.use(s, call);
  if (!Number.isInteger(dwProcessId) || dwProcessId < 0 || dwProcessId > 0xffffffff) {
    throw new WsaError('WSAEINVAL', `${call}: process id ${String(dwProcessId)} is not in 0..0xFFFFFFFF; pass the target's pid (requestPeerPid)`);
  }
  const key = socketKeyOf(d.provider, d.context) ?? AccessControl.descriptorKey(d.s);
  core.access.assign(d.s, key);
  // Known under its key only now: another descriptor of the same socket may have handed it off already.
  core.use(s, call);
  const lock = core.access.lock(key);
  const duplication = core.ledger.begin(d.provider, d.s, dwProcessId, lock);
  let info: ProtocolInfo;
  try {
    info = await run(d);
  } catch (error) {
    core.ledger.abandon(duplication);
    core.access.unlockIfHeld(lock);
    throw error;
  }
  recordDuplicationTarget(info, dwProcessId);
  // An info that is not one (a broken provider) matches no settlement: its lock stays until an import.
  core.ledger.complete(duplication, typeof info === 'object' && info !== null ? info.dwProviderReserved : Number.NaN);
  return info;
}
