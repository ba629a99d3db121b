import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AF, FROM_PROTOCOL_INFO, IPPROTO, SOCK } from '@sanshare/protocol-info';
import { RecordReader } from '../stream/records.js';
import { drainToEof, exchangeRecords, type ByteLog } from '../stream/exchange.js';
import { startWinsock } from '../winsock/start-winsock.js';
import { connectChannel, type AppChannel } from '../winsock/protocol-info-channel.js';
import type { AppWinsock } from '../winsock/app-winsock.js';
import { RoleContext, pauseStep } from './role-context.js';
import { describeExchange, describeProtocolInfo, protocolInfoData } from './describe-protocol-info.js';
import { PROCESS_TIMEOUT_MS, QUICK_TIMEOUT_MS, RECORDS_PER_PHASE } from '../constants.js';

/**
 * The source process of the spec's table: steps 1, 2, 4, 5, 6, then 13 to 17.
 * It connects to the remote peer, exchanges records, hands the connection to the destination found
 * at the protocol-info channel, gets it back, exchanges more records (and reads the echoes of the
 * records the destination sent last), and closes gracefully.
 */
export async function runSource(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      'peer-port': { type: 'string' },
      channel: { type: 'string' },
      dir: { type: 'string' },
      'runtime-dir': { type: 'string' },
      'pause-before': { type: 'string' },
    },
  });
  const ctx = new RoleContext('source', pauseStep(values['pause-before']));
  const { trace } = ctx;
  const port = Number(values['peer-port']);
  const channelPath = values.channel ?? '';
  const dir = values.dir ?? '';
  const phase1: ByteLog = { sent: [], received: [] };
  const phase2: ByteLog = { sent: [], received: [] };
  let ws: AppWinsock | undefined;
  let channel: AppChannel | undefined;
  const open = new Set<number>();
  ctx.control.onClose(() => process.exit(3));
  try {
    ws = await startWinsock(values['runtime-dir']);
    trace.info(`WSAStartup: switch loaded provider ${ws.providerDescription}`, { runtimeDir: values['runtime-dir'] ?? null });

    await ctx.begin(1);
    const s = await ws.WSASocket(AF.INET, SOCK.STREAM, IPPROTO.TCP);
    open.add(s);
    await ws.connect(s, '127.0.0.1', port);
    trace.step(1, `WSASocket(AF_INET, SOCK_STREAM, TCP) + connect(127.0.0.1:${port})`, ws.view(s), 'connected to the remote peer');

    const reader1 = new RecordReader({ expectFirst: { S: 0, s: 0 } });
    const ex1 = await exchangeRecords(ws, s, { tag: 's', first: 0, count: RECORDS_PER_PHASE, minStream: RECORDS_PER_PHASE, log: phase1, reader: reader1 });
    trace.emit({ kind: 'data', call: 'send/recv', socket: ws.view(s), detail: describeExchange(ex1), data: { phase: 'source-1', ...ex1 } });

    await ctx.begin(2);
    channel = await connectChannel(channelPath);
    // The switch has written the request when requestPeerPid returns; the answer is awaited at step 4.
    const answer = channel.requestPeerPid(QUICK_TIMEOUT_MS);
    answer.catch(() => undefined);
    trace.step(2, 'request destination pid', undefined, `over the protocol-info channel at ${channelPath} (its listener is pid ${channel.peerPid}, SO_PEERCRED)`);
    // Step 3 is the destination's, and its switch performs it on its own as soon as the request
    // arrives. Fault injection "before step 3" stops this process here: its request sent, its answer
    // not taken.
    await ctx.pausePoint(3);

    ctx.step = 4; // waiting for the answer is step 4 (receive the process ID): a failure here is reported there
    const destinationPid = await answer;
    // The gate of step 4 comes once the answer is in: "before step 4" is after the destination's step 3.
    await ctx.pausePoint(4);
    trace.step(4, 'receive destination pid', undefined, `destination pid ${destinationPid} (SO_PEERCRED says ${channel.peerPid})`, { destinationPid });

    await ctx.begin(5);
    const info = await ws.WSADuplicateSocket(s, destinationPid);
    trace.step(5, `WSADuplicateSocket(s=${s}, ${destinationPid})`, ws.view(s), describeProtocolInfo(info), { protocolInfo: protocolInfoData(info) });

    await ctx.begin(6);
    await channel.sendProtocolInfo(info);
    trace.step(6, 'send WSAPROTOCOL_INFOW to destination', undefined, `over the protocol-info channel to pid ${destinationPid}`);

    await ctx.begin(13);
    const back = await channel.receiveProtocolInfo(PROCESS_TIMEOUT_MS);
    trace.step(13, 'receive WSAPROTOCOL_INFOW back', undefined, describeProtocolInfo(back), { protocolInfo: protocolInfoData(back) });
    // The channel has done its work: closing it lets the destination go.
    await channel.close();
    channel = undefined;

    await ctx.begin(14);
    const s2 = await ws.WSASocket(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, back);
    open.add(s2);
    trace.step(14, 'WSASocket(FROM_PROTOCOL_INFO)', ws.view(s2), 'access control back with the source');

    await ctx.begin(15);
    if (s2 !== s) {
      const before = ws.view(s);
      await ws.closesocket(s);
      open.delete(s);
      trace.step(15, `closesocket(s=${s})`, before, `closed the original descriptor (the new one is s=${s2}); the connection stays open`);
    } else {
      trace.step(15, 'closesocket skipped', ws.view(s2), 'the provider gave back the same descriptor');
    }

    // The destination sent its last records without waiting for their echoes (see run-destination.ts):
    // they are for this process to read, on the connection the destination has closed its descriptor of.
    const reader2 = new RecordReader({ expectFirst: { d: RECORDS_PER_PHASE, f: 0 } });
    const ex2 = await exchangeRecords(ws, s2, {
      tag: 'f',
      first: 0,
      count: RECORDS_PER_PHASE,
      minStream: RECORDS_PER_PHASE,
      log: phase2,
      reader: reader2,
      echoesOf: { d: RECORDS_PER_PHASE },
    });
    trace.emit({ kind: 'data', call: 'send/recv', socket: ws.view(s2), detail: describeExchange(ex2), data: { phase: 'source-2', ...ex2 } });

    await ctx.begin(16);
    const view = ws.view(s2);
    await ws.shutdown(s2, 1);
    const drained = await drainToEof(ws, s2, phase2, reader2);
    trace.step(16, 'shutdown(SD_SEND) + recv to EOF', view, `sent FIN; read ${drained} more bytes, then the peer's FIN`, {
      phase: 'source-2-drain',
      drainedBytes: drained,
      ranges: reader2.ranges(),
    });

    await ctx.begin(17);
    await ws.closesocket(s2);
    open.delete(s2);
    trace.step(17, `closesocket(s=${s2})`, view, 'last descriptor closed: the connection is over');

    await ws.WSACleanup();
    ws = undefined;
    trace.info('WSACleanup');
    return ctx.finish(0, saveLogs(dir, phase1, phase2));
  } catch (error) {
    trace.failure(ctx.step, error, `source failed at step ${ctx.step ?? '?'}`);
    for (const s of open) await ws?.closesocket(s).catch(() => undefined);
    await channel?.close().catch(() => undefined);
    await ws?.WSACleanup().catch(() => undefined);
    return ctx.finish(1, saveLogs(dir, phase1, phase2));
  }
}

function saveLogs(dir: string, phase1: ByteLog, phase2: ByteLog): Record<string, unknown> {
  if (dir === '') return {};
  writeFileSync(join(dir, 'source-1-sent.bin'), Buffer.concat(phase1.sent));
  writeFileSync(join(dir, 'source-1-recv.bin'), Buffer.concat(phase1.received));
  writeFileSync(join(dir, 'source-2-sent.bin'), Buffer.concat(phase2.sent));
  writeFileSync(join(dir, 'source-2-recv.bin'), Buffer.concat(phase2.received));
  return {};
}
