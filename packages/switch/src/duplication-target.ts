import type { ProtocolInfo } from '@sanshare/protocol-info';

/**
 * The pid each protocol info returned by this process's `WSADuplicateSocket` was duplicated for, as
 * the application asked (`dwProcessId`): the switch's own knowledge, not the provider's, so that the
 * protocol-info channel can refuse to send an info to a peer it was not made for (it would fail in
 * that peer's `WSASocket`, and this process would stay locked out until the import expired).
 *
 * Keyed by the object `WSADuplicateSocket` returned (weakly: forgotten with it). A copy, or an info
 * decoded from bytes, is not recognised; the target's provider is the authority in every case.
 */
const targets = new WeakMap<object, number>();

export function recordDuplicationTarget(info: ProtocolInfo, pid: number): void {
  if (typeof info === 'object' && info !== null) targets.set(info, pid);
}

/** The pid `info` was duplicated for by this process, or undefined when this process did not make it. */
export function duplicationTargetOf(info: ProtocolInfo): number | undefined {
  return typeof info === 'object' && info !== null ? targets.get(info) : undefined;
}
