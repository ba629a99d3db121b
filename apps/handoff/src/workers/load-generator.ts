import net from 'node:net';
import { encodeRecords, RECORD_SIZE } from '../stream/records.js';

/** What one client of the load generator saw. */
export interface ClientResult {
  index: number;
  /** Bytes sent and received back identical, in order. */
  verifiedBytes: number;
  /** The connection ended with a FIN from the server after the full reply (no reset, no error). */
  graceful: boolean;
  error: string | null;
}

/**
 * The load generator of `workers` mode: `clients` plain TCP clients on loopback, at most
 * `concurrency` at a time. Each sends `records` records, expects them back whole, then the server's
 * FIN; it then closes its own side. Bounded by `deadline` (ms since epoch): clients not finished by
 * then are destroyed and counted as failed.
 */
export async function generateLoad(options: { port: number; clients: number; concurrency: number; records: number; deadline: number }): Promise<ClientResult[]> {
  const results: ClientResult[] = [];
  let next = 0;
  const runOne = async (): Promise<void> => {
    while (next < options.clients) {
      const index = next;
      next += 1;
      results.push(await oneClient(index, options.port, options.records, options.deadline));
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.clients) }, runOne));
  return results.sort((a, b) => a.index - b.index);
}

function oneClient(index: number, port: number, records: number, deadline: number): Promise<ClientResult> {
  // Numbers unique to this client, so a reply delivered to the wrong client is caught.
  const request = encodeRecords('c', index * 1_000, records);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | null = null;
    let gotEnd = false;
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const timer = setTimeout(() => {
      error = 'timed out';
      socket.destroy();
    }, Math.max(1, deadline - Date.now()));
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      gotEnd = true;
      socket.end();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const reply = Buffer.concat(chunks);
      const same = reply.equals(request);
      resolve({
        index,
        verifiedBytes: same ? reply.length : 0,
        graceful: gotEnd && error === null,
        error: error ?? (same ? null : `reply of ${reply.length} bytes differs from the ${request.length}-byte request (${RECORD_SIZE}-byte records)`),
      });
    });
  });
}
