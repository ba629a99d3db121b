import type { AppWinsock } from '../winsock/app-winsock.js';
import { RecordReader, encodeRecords, StreamCheckError } from './records.js';
import { RECV_TIMEOUT_MS } from '../constants.js';

/** Everything one process sent and received on the connection, kept to be compared with the peer's. */
export interface ByteLog {
  sent: Buffer[];
  received: Buffer[];
}

/** What one exchange did (reported in the trace). */
export interface ExchangeResult {
  bytesSent: number;
  bytesReceived: number;
  /** First and last numbers and counts of each record tag received. */
  ranges: Record<string, { first: number; last: number; count: number }>;
}

/**
 * Sends `count` records of `tag` numbered from `first` and reads until every one came back echoed,
 * at least `minStream` records of the peer's stream arrived, and, for each tag of `echoesOf`, that
 * many echoes of records a previous holder of the socket sent; then reads the rest of a record in
 * progress, so that the next holder of the socket starts at a record boundary.
 */
export async function exchangeRecords(
  ws: AppWinsock,
  s: number,
  options: { tag: string; first: number; count: number; minStream: number; log: ByteLog; reader?: RecordReader; echoesOf?: Record<string, number> },
): Promise<ExchangeResult> {
  const reader = options.reader ?? new RecordReader();
  const start = reader.bytes;
  const sent = await sendRecords(ws, s, options.tag, options.first, options.count, options.log);
  const echoed = (): number => reader.range(options.tag)?.count ?? 0;
  const streamed = (): number => reader.range('S')?.count ?? 0;
  const inherited = (): boolean => Object.entries(options.echoesOf ?? {}).every(([tag, count]) => (reader.range(tag)?.count ?? 0) >= count);
  const enough = (): boolean => echoed() >= options.count && streamed() >= options.minStream && inherited();
  while (!enough() || reader.pending > 0) {
    const maxBytes = enough() ? reader.pending : 64 * 1024;
    const chunk = await ws.recv(s, { maxBytes, signal: AbortSignal.timeout(RECV_TIMEOUT_MS) });
    if (chunk.length === 0) throw new StreamCheckError('the connection ended (FIN) in the middle of the exchange');
    options.log.received.push(Buffer.from(chunk));
    reader.feed(chunk);
  }
  return { bytesSent: sent, bytesReceived: reader.bytes - start, ranges: reader.ranges() };
}

/** Sends `count` records of `tag` numbered from `first`, every byte, keeping them in `log`; resolves with the bytes sent. */
export async function sendRecords(ws: AppWinsock, s: number, tag: string, first: number, count: number, log: ByteLog): Promise<number> {
  const payload = encodeRecords(tag, first, count);
  let sent = 0;
  while (sent < payload.length) {
    const n = await ws.send(s, payload.subarray(sent));
    log.sent.push(Buffer.from(payload.subarray(sent, sent + n)));
    sent += n;
  }
  return sent;
}

/** Reads until the peer's FIN (an empty receive), keeping and checking every byte. */
export async function drainToEof(ws: AppWinsock, s: number, log: ByteLog, reader: RecordReader): Promise<number> {
  let total = 0;
  for (;;) {
    const chunk = await ws.recv(s, { signal: AbortSignal.timeout(RECV_TIMEOUT_MS) });
    if (chunk.length === 0) return total;
    total += chunk.length;
    log.received.push(Buffer.from(chunk));
    reader.feed(chunk);
  }
}
