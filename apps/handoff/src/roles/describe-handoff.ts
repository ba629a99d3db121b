import type { ProtocolInfo } from '@sanshare/protocol-info';

/** One phrase for a special protocol info: what it names, for whom, which kernel socket. */
export function describeHandoff(info: ProtocolInfo): string {
  const h = info.exportContext;
  if (!h) return `protocol info (dwProviderReserved ${info.dwProviderReserved})`;
  return `export ${h.exportId} from pid ${h.sourcePid} for pid ${h.targetPid}, cookie ${h.socketCookie}`;
}

/** One phrase for an exchange: bytes each way and the record numbers received, by tag. */
export function describeExchange(result: { bytesSent: number; bytesReceived: number; ranges: Record<string, { first: number; last: number; count: number }> }): string {
  const ranges = Object.entries(result.ranges)
    .map(([tag, r]) => `${tag}${r.first}..${tag}${r.last}`)
    .join(' ');
  return `sent ${result.bytesSent} bytes, received ${result.bytesReceived} (records ${ranges})`;
}

/** The export context of a protocol info, flattened for the trace's `data`. */
export function handoffData(info: { dwProviderReserved: number; exportContext?: { exportId: number; sourcePid: number; targetPid: number; socketCookie: string } }): Record<string, unknown> {
  return {
    dwProviderReserved: info.dwProviderReserved,
    ...(info.exportContext ? { exportId: info.exportContext.exportId, sourcePid: info.exportContext.sourcePid, targetPid: info.exportContext.targetPid, cookie: info.exportContext.socketCookie } : {}),
  };
}
