import type { ProtocolInfo } from '@sanshare/protocol-info';

/** One phrase for a special protocol info: what it names, for whom, which kernel socket. */
export function describeHandoff(info: ProtocolInfo): string {
  const h = info.handoff;
  if (!h) return `protocol info (dwProviderReserved ${info.dwProviderReserved})`;
  return `export ${h.exportId} from pid ${h.sourcePid} for pid ${h.targetPid}, cookie ${h.socketCookie}`;
}
