import { WsaError, type ProtocolInfo, type Socket } from '@sanshare/protocol-info';
import { copyProtocolInfo } from './copy-protocol-info.js';
import { reasonOf } from './explain.js';
import { selectProvider } from './provider-selection.js';
import { socketKeyOf } from './socket-key.js';
import type { SwitchCore } from './switch-core.js';

/**
 * The provider's own copy of `info`. An info that cannot be copied (it holds what `structuredClone`
 * refuses, a function say) is the caller's bad input: `WSAEINVAL`, as `WSASocketBatch` gives it.
 */
function copyOf(info: ProtocolInfo): ProtocolInfo {
  try {
    return copyProtocolInfo(info);
  } catch (error) {
    throw new WsaError('WSAEINVAL', `WSASocket: the protocol info cannot be copied: ${reasonOf(error)}`, { cause: error });
  }
}

/**
 * `WSASocket`: picks the provider (`selectProvider`), calls its `WSPSocket` and returns the switch
 * descriptor the provider created. As ws2_32 does, the provider always gets a protocol info: the
 * caller's (a duplicated socket's, to import; the provider alone knows what its context means) or
 * the selected catalog entry's.
 *
 * A descriptor created from a protocol info gets its access-control key at once (spec step 14):
 * when it names a socket this process had handed off, the lock is lifted for every descriptor of
 * that socket here. Whether the info was a duplicate's is not the switch's to read; the key tells:
 * a fresh socket from a catalog entry's info has none (it is not bound) and matches no lock.
 */
export async function wsaSocket(
  core: SwitchCore,
  af: number,
  type: number,
  protocol: number,
  protocolInfo: ProtocolInfo | null,
  group: number,
  flags: number,
): Promise<Socket> {
  core.assertAlive();
  const { slot, entry } = selectProvider(core.slots, core.failures, af, type, protocol, protocolInfo);
  const context = await slot.procTable.WSPSocket(af, type, protocol, copyOf(protocolInfo ?? entry.protocolInfo), group, flags);
  core.assertAlive();
  const d = await core.adoptResult(slot, context, 'WSASocket');
  if (protocolInfo !== null) {
    const key = socketKeyOf(slot, context);
    if (key !== undefined) {
      core.access.assign(d.s, key);
      core.access.unlock(key);
    }
  }
  return d.s;
}
