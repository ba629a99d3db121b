import type { ProtocolInfo } from '@sanshare/protocol-info';

/** One phrase for a special protocol info: what it names, for whom, which kernel socket. */
export function describeProtocolInfo(info: ProtocolInfo): string {
  const context = info.exportContext;
  if (!context) return `protocol info (dwProviderReserved ${info.dwProviderReserved})`;
  return `export ${context.exportId} from pid ${context.sourcePid} for pid ${context.targetPid}, cookie ${context.socketCookie}`;
}

/** One phrase for an exchange: bytes each way and the record numbers received, by tag. */
export function describeExchange(result: { bytesSent: number; bytesReceived: number; ranges: Record<string, { first: number; last: number; count: number }> }): string {
  const ranges = Object.entries(result.ranges)
    .map(([tag, r]) => `${tag}${r.first}..${tag}${r.last}`)
    .join(' ');
  return `sent ${result.bytesSent} bytes, received ${result.bytesReceived} (records ${ranges})`;
}

/** What the trace's `data` keeps of a protocol info: `dwProviderReserved`, and the provider's export context when it has one. */
export function protocolInfoData(info: ProtocolInfo): Record<string, unknown> {
  const context = info.exportContext;
  return {
    dwProviderReserved: info.dwProviderReserved,
    ...(context ? { exportId: context.exportId, sourcePid: context.sourcePid, targetPid: context.targetPid, cookie: context.socketCookie } : {}),
  };
}
