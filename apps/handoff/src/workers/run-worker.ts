import { parseArgs } from 'node:util';
import { FROM_PROTOCOL_INFO } from '@sanshare/protocol-info';
import { RecordReader } from '../stream/records.js';
import { startWinsock } from '../winsock/start-winsock.js';
import { listenChannel, type AppChannel } from '../winsock/protocol-info-channel.js';
import { PROCESS_TIMEOUT_MS, RECV_TIMEOUT_MS } from '../constants.js';
import { RoleContext } from '../roles/role-context.js';
import { describeProtocolInfo } from '../roles/describe-protocol-info.js';

/**
 * A worker of the "typical scenario": it takes each connection the controller hands it (steps 7-8),
 * reads the client's request and echoes it (9), hands the connection back (10-11) and closes its
 * descriptor (12). It serves connections concurrently, and exits when the controller closes the channel.
 */
export async function runWorker(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      channel: { type: 'string' },
      'runtime-dir': { type: 'string' },
      records: { type: 'string' },
      'trace-first': { type: 'string' },
      index: { type: 'string' },
    },
  });
  const ctx = new RoleContext('worker', null);
  const { trace } = ctx;
  const records = Number(values.records ?? '8');
  const traceFirst = Number(values['trace-first'] ?? '0');
  ctx.control.onClose(() => process.exit(3));
  const ws = await startWinsock(values['runtime-dir']);
  const server = await listenChannel(values.channel ?? '');
  trace.emit({ kind: 'info', call: 'listen protocol-info channel', detail: `worker ${values.index ?? '?'} waiting for the controller at ${values.channel ?? ''}`, data: { channel: values.channel ?? '' } });
  let channel: AppChannel | undefined;
  let served = 0;
  let failed = 0;
  let bytes = 0;
  try {
    channel = await server.accept({ timeoutMs: PROCESS_TIMEOUT_MS });
    trace.step(3, 'answer pid request', undefined, `controller pid ${channel.peerPid} connected`);
    const inFlight = new Set<Promise<void>>();
    const controllerPid = channel.peerPid;
    const ch = channel;
    for (let index = 0; ; index += 1) {
      let info;
      try {
        info = await ch.receiveProtocolInfo();
      } catch {
        // The controller closed the channel: no more connections are coming.
        break;
      }
      const loud = index < traceFirst;
      const job = (async () => {
        let s: number | undefined;
        try {
          s = await ws.WSASocket(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, info);
          if (loud) trace.step(8, 'WSASocket(FROM_PROTOCOL_INFO)', ws.view(s), describeProtocolInfo(info), { connection: index });
          const reader = new RecordReader();
          const got: Buffer[] = [];
          while ((reader.range('c')?.count ?? 0) < records) {
            const chunk = await ws.recv(s, { maxBytes: records * 12 - reader.bytes, signal: AbortSignal.timeout(RECV_TIMEOUT_MS) });
            if (chunk.length === 0) throw new Error('the client closed before sending its request');
            reader.feed(chunk);
            got.push(Buffer.from(chunk));
          }
          const reply = Buffer.concat(got);
          let sent = 0;
          while (sent < reply.length) sent += await ws.send(s, reply.subarray(sent));
          bytes += reply.length;
          if (loud) trace.step(9, 'recv request + send echo', ws.view(s), `${reply.length} bytes each way`, { connection: index });
          const back = await ws.WSADuplicateSocket(s, controllerPid);
          await ch.sendProtocolInfo(back);
          if (loud) trace.step(11, `WSADuplicateSocket(s=${s}, ${controllerPid}) + send back`, undefined, describeProtocolInfo(back), { connection: index });
          await ws.closesocket(s);
          if (loud) trace.step(12, `closesocket(s=${s})`, undefined, 'this descriptor only', { connection: index });
          s = undefined;
          served += 1;
        } catch (error) {
          failed += 1;
          trace.failure(undefined, error, `worker failed to serve connection #${index}`);
          if (s !== undefined) await ws.closesocket(s).catch(() => undefined);
        }
      })();
      inFlight.add(job);
      void job.finally(() => inFlight.delete(job));
    }
    await Promise.all(inFlight);
  } catch (error) {
    failed += 1;
    trace.failure(ctx.step, error, 'worker failed');
  }
  await channel?.close().catch(() => undefined);
  await server.close().catch(() => undefined);
  await ws.WSACleanup().catch(() => undefined);
  return ctx.finish(failed === 0 ? 0 : 1, { served, failed, bytes });
}
