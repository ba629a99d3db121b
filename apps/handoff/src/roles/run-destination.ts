import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FROM_PROTOCOL_INFO } from '@sanshare/protocol-info';
import { RecordReader } from '../stream/records.js';
import { exchangeRecords, sendRecords, type ByteLog } from '../stream/exchange.js';
import { startWinsock } from '../winsock/start-winsock.js';
import { listenChannel, type AppChannel, type AppChannelServer } from '../winsock/protocol-info-channel.js';
import type { AppWinsock } from '../winsock/app-winsock.js';
import { RoleContext, pauseStep } from './role-context.js';
import { describeExchange, describeProtocolInfo, protocolInfoData } from './describe-protocol-info.js';
import { PROCESS_TIMEOUT_MS, RECORDS_PER_PHASE } from '../constants.js';

/**
 * The destination process of the spec's table: steps 3, 7 to 12. Started on its own, it listens on
 * the protocol-info channel (whose switch answers the source's pid request), takes the shared socket,
 * exchanges records, sends a last batch whose echoes it leaves to the source, hands the socket back and
 * closes its descriptor (not the connection). Like a long-running process it then stays until the app
 * ends the run (`quit`), so that it can report what happens to the source after its part.
 */
export async function runDestination(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      channel: { type: 'string' },
      dir: { type: 'string' },
      'runtime-dir': { type: 'string' },
      'pause-before': { type: 'string' },
    },
  });
  const ctx = new RoleContext('destination', pauseStep(values['pause-before']));
  const { trace } = ctx;
  const channelPath = values.channel ?? '';
  const dir = values.dir ?? '';
  const log: ByteLog = { sent: [], received: [] };
  let ws: AppWinsock | undefined;
  let server: AppChannelServer | undefined;
  let channel: AppChannel | undefined;
  let s: number | undefined;
  ctx.control.onClose(() => process.exit(3));
  const stayUntilQuit = (): Promise<void> => ctx.control.waitFor('quit').catch(() => undefined);
  try {
    ws = await startWinsock(values['runtime-dir']);
    trace.info(`WSAStartup: switch loaded provider ${ws.providerDescription}`);
    // Step 3 happens inside the switch: its channel answers the source's pid request on its own, and
    // tells this process when it did (the reply is in the kernel by then).
    let stepThreeHappened = false;
    let stepThreeDone: () => void = () => undefined;
    const stepThree = new Promise<void>((resolve) => (stepThreeDone = resolve));
    server = await listenChannel(channelPath, {
      onPidRequestAnswered: (sourcePid) => {
        trace.step(3, 'answer pid request', undefined, `this process's switch answered source pid ${sourcePid}'s pid request (SO_PEERCRED) with pid ${process.pid}`, { sourcePid });
        stepThreeHappened = true;
        stepThreeDone();
      },
    });
    trace.emit({ kind: 'info', call: 'listen protocol-info channel', detail: `waiting for a source at ${channelPath}`, data: { channel: channelPath } });

    await ctx.begin(3);
    channel = await server.accept({ timeoutMs: PROCESS_TIMEOUT_MS, signal: ctx.peerGone });
    // The table's order: step 3 (the answer) comes before this process waits for step 7, so its trace
    // line is out before this process can be paused (and killed) at a later step.
    if (!stepThreeHappened) await abortable(stepThree, ctx.peerGone);

    await ctx.begin(7);
    const info = await channel.receiveProtocolInfo(PROCESS_TIMEOUT_MS);
    trace.step(7, 'receive WSAPROTOCOL_INFOW', undefined, describeProtocolInfo(info), { protocolInfo: protocolInfoData(info) });

    await ctx.begin(8);
    s = await ws.WSASocket(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, info);
    trace.step(8, 'WSASocket(FROM_PROTOCOL_INFO)', ws.view(s), 'a descriptor for the shared socket');

    await ctx.begin(9);
    const reader = new RecordReader({ expectFirst: { d: 0 } });
    const ex = await exchangeRecords(ws, s, { tag: 'd', first: 0, count: RECORDS_PER_PHASE, minStream: RECORDS_PER_PHASE, log, reader });
    // Then a last batch, sent without reading its echoes: they arrive on the connection after this
    // process let it go, for the source to read (the check 'destination-close-kept-connection').
    const leftBytes = await sendRecords(ws, s, 'd', RECORDS_PER_PHASE, RECORDS_PER_PHASE, log);
    const echoesLeft = { tag: 'd', first: RECORDS_PER_PHASE, count: RECORDS_PER_PHASE };
    trace.step(9, 'send/recv (data exchange)', ws.view(s), `${describeExchange(ex)}; then sent d${echoesLeft.first}..d${echoesLeft.first + echoesLeft.count - 1} (${leftBytes} bytes), their echoes left to the source`, {
      phase: 'destination',
      ...ex,
      bytesSent: ex.bytesSent + leftBytes,
      echoesLeft,
    });
    // Written now: the checks need them even if this process is killed later.
    saveLog(dir, log);

    await ctx.begin(10);
    const back = await ws.WSADuplicateSocket(s, channel.peerPid);
    trace.step(10, `WSADuplicateSocket(s=${s}, ${channel.peerPid})`, ws.view(s), describeProtocolInfo(back), { protocolInfo: protocolInfoData(back) });

    await ctx.begin(11);
    await channel.sendProtocolInfo(back);
    trace.step(11, 'send WSAPROTOCOL_INFOW back to source', undefined, `over the protocol-info channel to pid ${channel.peerPid}`);

    await ctx.begin(12);
    const view = ws.view(s);
    await ws.closesocket(s);
    s = undefined;
    trace.step(12, 'closesocket', view, 'closed this descriptor only: no FIN, no RST, the source holds the socket');

    // Linger until the source, having taken the protocol info (step 13), closes the channel.
    await channel.waitForPeerClose(PROCESS_TIMEOUT_MS);
    await channel.close();
    channel = undefined;
    await server.close();
    server = undefined;
    await ws.WSACleanup();
    ws = undefined;
    trace.info('WSACleanup; staying until the app ends the run');
    await stayUntilQuit();
    return ctx.finish(0);
  } catch (error) {
    trace.failure(ctx.step, error, `destination failed at step ${ctx.step ?? '?'}`);
    if (s !== undefined) await ws?.closesocket(s).catch(() => undefined);
    await channel?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await ws?.WSACleanup().catch(() => undefined);
    saveLog(dir, log);
    await stayUntilQuit();
    return ctx.finish(1);
  }
}

function saveLog(dir: string, log: ByteLog): void {
  if (dir === '') return;
  writeFileSync(join(dir, 'destination-sent.bin'), Buffer.concat(log.sent));
  writeFileSync(join(dir, 'destination-recv.bin'), Buffer.concat(log.received));
}

/** `promise`, or the signal's reason once it aborts (the peer died before doing its part). */
function abortable(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      reject,
    );
  });
}
