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
 * Sends `count` records of `tag` numbered from `first` and reads until every one came back echoed
 * and at least `minStream` records of the peer's stream arrived; then reads the rest of a record
 * in progress, so that the next holder of the socket starts at a record boundary.
 */
export async function exchangeRecords(
  ws: AppWinsock,
  s: number,
  options: { tag: string; first: number; count: number; minStream: number; log: ByteLog; reader?: RecordReader },
): Promise<ExchangeResult> {
  const reader = options.reader ?? new RecordReader();
  const start = reader.bytes;
  const payload = encodeRecords(options.tag, options.first, options.count);
  let sent = 0;
  while (sent < payload.length) {
    const n = await ws.send(s, payload.subarray(sent));
    options.log.sent.push(Buffer.from(payload.subarray(sent, sent + n)));
    sent += n;
  }
  const echoed = (): number => reader.range(options.tag)?.count ?? 0;
  const streamed = (): number => reader.range('S')?.count ?? 0;
  while (echoed() < options.count || streamed() < options.minStream || reader.pending > 0) {
    const maxBytes = echoed() >= options.count && streamed() >= options.minStream ? reader.pending : 64 * 1024;
    const chunk = await ws.recv(s, { maxBytes, signal: AbortSignal.timeout(RECV_TIMEOUT_MS) });
    if (chunk.length === 0) throw new StreamCheckError('the connection ended (FIN) in the middle of the exchange');
    options.log.received.push(Buffer.from(chunk));
    reader.feed(chunk);
  }
  return { bytesSent: sent, bytesReceived: reader.bytes - start, ranges: reader.ranges() };
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
