import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RECORD_SIZE, encodeRecords } from '../stream/records.js';
import { createTraceWriter } from '../trace/trace-writer.js';
import { countOwnDescriptors, openDescriptors, descriptorsOpenedSince } from '../util/open-descriptors.js';
import { controlChannel } from '../util/control-channel.js';

/** What the peer saw of one connection (reported in its `exit` event and per connection). */
export interface PeerConnectionReport {
  index: number;
  remote: string;
  local: string;
  bytesIn: number;
  bytesOut: number;
  recordsStreamed: number;
  recordsEchoed: number;
  /** The other side shut down its sending half gracefully (a FIN arrived). */
  fin: boolean;
  /** The connection was reset (an RST arrived, `ECONNRESET`). */
  reset: boolean;
  error: string | null;
  /** Still open when the peer was told to quit. */
  open: boolean;
}

/** Records per burst and bursts per second: a visible but small stream (about 40 KB/s). */
const BURST_RECORDS = 8;
const BURST_INTERVAL_MS = 2;
/** A bound on one connection's stream, so that a stuck run cannot fill a disk or memory. */
const MAX_STREAMED_RECORDS = 2_000_000;

/**
 * The remote TCP peer: listens on 127.0.0.1 (port 0), and on every connection it accepts streams
 * records `S0..`, echoes every whole record it receives, and, when the other side shuts down its
 * sending half (FIN), stops streaming, finishes its echoes and shuts down its own half.
 * It keeps every byte it sent and received in `<dir>/peer-<index>-{sent,recv}.bin`, and quits when
 * told (`quit` on stdin, or stdin closing), reporting every connection.
 */
export async function runPeer(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...argv], strict: true, options: { dir: { type: 'string' } } });
  const dir = values.dir;
  if (dir === undefined) throw new Error('peer: --dir is required');
  const baseline = openDescriptors();
  const trace = createTraceWriter('peer');
  const reports: PeerConnectionReport[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    const report: PeerConnectionReport = {
      index: reports.length,
      remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`,
      local: `${socket.localAddress ?? '?'}:${socket.localPort ?? 0}`,
      bytesIn: 0,
      bytesOut: 0,
      recordsStreamed: 0,
      recordsEchoed: 0,
      fin: false,
      reset: false,
      error: null,
      open: true,
    };
    reports.push(report);
    trace.emit({ kind: 'info', call: 'accept', detail: `accepted connection #${report.index}`, socket: { local: report.local, remote: report.remote }, data: { index: report.index } });
    serve(socket, report, dir, () => {
      sockets.delete(socket);
      trace.emit({
        kind: 'info',
        call: 'close',
        detail: `connection #${report.index} ended: ${report.reset ? 'RESET' : report.fin ? 'FIN received' : 'closed'}; ${report.bytesIn} bytes in, ${report.bytesOut} out`,
        socket: { local: report.local, remote: report.remote },
        data: { ...report },
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  trace.emit({ kind: 'info', call: 'listen', detail: `remote TCP peer listening on 127.0.0.1:${port}`, data: { port } });

  // `quit`, or the app going away (stdin closing), ends the peer.
  const control = controlChannel();
  await control.waitFor('quit').catch(() => undefined);
  control.close();
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  // Let 'close' handlers of destroyed sockets run before counting descriptors.
  await new Promise((resolve) => setImmediate(resolve));
  const now = openDescriptors();
  const leaked = descriptorsOpenedSince(baseline, now);
  const descriptors = { atStart: countOwnDescriptors(baseline), atEnd: countOwnDescriptors(now) };
  trace.emit({
    kind: 'exit',
    detail: `peer quits: ${reports.length} connection(s) accepted, ${leaked.length} descriptor(s) left open (${descriptors.atStart} at its start, ${descriptors.atEnd} now)`,
    data: { connections: reports, leakedDescriptors: leaked, descriptors },
  });
  return 0;
}

function serve(socket: net.Socket, report: PeerConnectionReport, dir: string, onClosed: () => void): void {
  const sent: Buffer[] = [];
  const received: Buffer[] = [];
  let partial = Buffer.alloc(0);
  let streaming = true;
  let next = 0;
  const write = (bytes: Buffer): boolean => {
    sent.push(bytes);
    report.bytesOut += bytes.length;
    return socket.write(bytes);
  };
  const pump = (): void => {
    if (!streaming || socket.destroyed) return;
    if (next >= MAX_STREAMED_RECORDS) return;
    const ok = write(encodeRecords('S', next, BURST_RECORDS));
    next += BURST_RECORDS;
    report.recordsStreamed = next;
    if (ok) timer = setTimeout(pump, BURST_INTERVAL_MS);
    else socket.once('drain', () => (timer = setTimeout(pump, BURST_INTERVAL_MS)));
  };
  let timer: NodeJS.Timeout | undefined = setTimeout(pump, 0);

  socket.on('data', (chunk: Buffer) => {
    received.push(chunk);
    report.bytesIn += chunk.length;
    // Echo whole records only, so the stream back stays a sequence of whole records.
    const data = partial.length > 0 ? Buffer.concat([partial, chunk]) : chunk;
    const whole = data.length - (data.length % RECORD_SIZE);
    if (whole > 0) {
      write(Buffer.from(data.subarray(0, whole)));
      report.recordsEchoed += whole / RECORD_SIZE;
    }
    partial = Buffer.from(data.subarray(whole));
  });
  socket.on('end', () => {
    // FIN: the other side is done sending. Stop the stream; end() flushes what is queued, then FINs.
    report.fin = true;
    streaming = false;
    if (timer) clearTimeout(timer);
    socket.end();
  });
  socket.on('error', (error: NodeJS.ErrnoException) => {
    report.error = error.code ?? error.message;
    if (error.code === 'ECONNRESET' || error.code === 'EPIPE') report.reset = true;
  });
  socket.on('close', () => {
    streaming = false;
    if (timer) clearTimeout(timer);
    report.open = false;
    writeFileSync(join(dir, `peer-${report.index}-sent.bin`), Buffer.concat(sent));
    writeFileSync(join(dir, `peer-${report.index}-recv.bin`), Buffer.concat(received));
    onClosed();
  });
}
