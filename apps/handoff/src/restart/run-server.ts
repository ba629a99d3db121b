import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { AF, FROM_PROTOCOL_INFO, IPPROTO, SOCK } from '@sanshare/protocol-info';
import { startWinsock } from '../winsock/start-winsock.js';
import { connectChannel, listenChannel } from '../winsock/protocol-info-channel.js';
import type { AppWinsock } from '../winsock/app-winsock.js';
import { PROCESS_TIMEOUT_MS, QUICK_TIMEOUT_MS, RECV_TIMEOUT_MS } from '../constants.js';
import { RoleContext } from '../roles/role-context.js';
import { describeProtocolInfo } from '../roles/describe-protocol-info.js';
import { MAIN_SCRIPT } from '../orchestrate/spawn-role.js';

/** One client connection the server echoes. */
interface Connection {
  s: number;
  index: number;
  /** Stops the echo loop between two records: whatever it read is echoed before it stops. */
  stop: AbortController;
  loop: Promise<'stopped' | 'eof'>;
}

/**
 * The echo server of `restart` mode. Generation 1 (`--connections N`) listens, accepts N clients and
 * echoes them; on `restart` (stdin) it starts its successor, duplicates every live connection to it
 * over the protocol-info channel, closes its descriptors and exits. The successor (`--successor-of`)
 * takes the connections and echoes on until each client closes, then exits.
 */
export async function runServer(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      connections: { type: 'string' },
      channel: { type: 'string' },
      'runtime-dir': { type: 'string' },
      'successor-of': { type: 'string' },
      'move-started-at': { type: 'string' },
      'trace-first': { type: 'string' },
    },
  });
  const successorOf = values['successor-of'];
  return successorOf === undefined ? runFirst(values) : runSuccessor(values, Number(successorOf));
}

type ServerOptions = { connections?: string | undefined; channel?: string | undefined; 'runtime-dir'?: string | undefined; 'move-started-at'?: string | undefined; 'trace-first'?: string | undefined };

async function runFirst(values: ServerOptions): Promise<number> {
  const ctx = new RoleContext('server', null);
  const { trace } = ctx;
  const expected = Number(values.connections ?? '1');
  const traceFirst = Number(values['trace-first'] ?? '0');
  const channelPath = values.channel ?? '';
  const runtimeDir = values['runtime-dir'];
  const ws = await startWinsock(runtimeDir);
  const connections: Connection[] = [];
  let listener: number | undefined;
  let restartRequested = false;
  ctx.control.onClose(() => {
    // The app is gone: unless a restart is under way, there is no one to serve.
    if (!restartRequested) process.exit(3);
  });
  try {
    listener = await ws.WSASocket(AF.INET, SOCK.STREAM, IPPROTO.TCP);
    await ws.bind(listener, '127.0.0.1', 0);
    await ws.listen(listener, 512);
    const view = ws.view(listener);
    const port = Number((view.local ?? ':0').split(':').pop());
    trace.emit({ kind: 'info', call: 'listen', socket: view, detail: `server (generation 1) echoing on 127.0.0.1:${port}`, data: { port } });
    for (let index = 0; index < expected; index += 1) {
      const s = await ws.accept(listener, AbortSignal.timeout(PROCESS_TIMEOUT_MS));
      connections.push(serve(ws, s, index));
    }
    trace.info(`accepted ${expected} connection(s), echoing`, { accepted: expected });

    await ctx.control.waitFor('restart');
    restartRequested = true;
    const startedAt = Date.now();
    const channelServer = await listenChannel(channelPath);
    // The successor is this server's own child, started like any new version would be; its stdout is
    // ours (the app's pipe), and it lives on after this process exits.
    const successor = spawn(
      process.execPath,
      [MAIN_SCRIPT, 'server', '--successor-of', String(process.pid), '--channel', channelPath, '--connections', String(expected), '--move-started-at', String(startedAt), '--trace-first', String(traceFirst), ...(runtimeDir ? ['--runtime-dir', runtimeDir] : [])],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    successor.unref();
    trace.info(`restart: started successor pid ${successor.pid ?? '?'}`, { successorPid: successor.pid ?? null });
    const channel = await channelServer.accept({ timeoutMs: PROCESS_TIMEOUT_MS });
    if (channel.peerPid !== successor.pid) throw new Error(`the protocol-info channel peer is pid ${channel.peerPid}, not the successor ${successor.pid ?? '?'}`);
    // Until here every connection was served as usual: the pause the clients may see starts now.
    const moveStartedAt = Date.now();
    trace.emit({ kind: 'info', call: 'successor connected', detail: `successor pid ${channel.peerPid} ready after ${moveStartedAt - startedAt} ms; moving the connections`, data: { startupMs: moveStartedAt - startedAt } });

    // Stop every echo loop at a record boundary of its own work (what it read, it echoed), then hand off.
    for (const c of connections) c.stop.abort();
    const outcomes = await Promise.all(connections.map((c) => c.loop));
    // Each socket travels with its protocol info and the message "<index>/<count>" in one hand-off
    // (WSADuplicateSocketWithMessage): the channel only introduced the two processes. Concurrently:
    // each duplication is a message to the successor's provider endpoint.
    const live = connections.filter((c) => outcomes[c.index] !== 'eof');
    let moved = 0;
    await Promise.all(
      live.map(async (c) => {
        const before = ws.view(c.s);
        const info = await ws.WSADuplicateSocketWithMessage(c.s, channel.peerPid, `${c.index}/${live.length}`);
        await ws.closesocket(c.s);
        moved += 1;
        if (c.index < traceFirst) trace.step(5, `WSADuplicateSocketWithMessage(s=${c.s}, ${channel.peerPid}) + closesocket`, before, describeProtocolInfo(info), { connection: c.index });
      }),
    );
    trace.info(`handed ${moved} connection(s) to pid ${channel.peerPid} in ${Date.now() - moveStartedAt} ms; exiting`, { moved, handOffMs: Date.now() - moveStartedAt });
    // Nothing to hand over: closing the channel says so. Otherwise linger until the successor has
    // taken every socket and closes it.
    if (moved > 0) await channel.waitForPeerClose(PROCESS_TIMEOUT_MS);
    await channel.close();
    await channelServer.close();
    await ws.closesocket(listener);
    listener = undefined;
    await ws.WSACleanup();
    return ctx.finish(0, { moved });
  } catch (error) {
    trace.failure(undefined, error, 'server (generation 1) failed');
    for (const c of connections) await ws.closesocket(c.s).catch(() => undefined);
    if (listener !== undefined) await ws.closesocket(listener).catch(() => undefined);
    await ws.WSACleanup().catch(() => undefined);
    return ctx.finish(1);
  }
}

async function runSuccessor(values: ServerOptions, predecessor: number): Promise<number> {
  // No control channel: the successor's stdin is not the app's (it outlives the server that started it).
  const ctx = new RoleContext('successor', null);
  const { trace } = ctx;
  const expected = Number(values.connections ?? '0');
  const traceFirst = Number(values['trace-first'] ?? '0');
  const startedAt = Number(values['move-started-at'] ?? Date.now());
  const ws = await startWinsock(values['runtime-dir']);
  const connections: Connection[] = [];
  try {
    const channel = await connectChannel(values.channel ?? '');
    const pid = await channel.requestPeerPid(QUICK_TIMEOUT_MS);
    if (pid !== predecessor) throw new Error(`the protocol-info channel leads to pid ${pid}, not the predecessor ${predecessor}`);
    trace.info(`successor of pid ${predecessor}: taking its connections`);
    // The sockets arrive with their protocol infos (WSAReceiveDuplicate), each saying "<index>/<count>";
    // the predecessor closing the channel before the first one means it had none left to hand over.
    // Imports run concurrently; each connection's echo loop starts as soon as its import is done.
    const channelClosed = channel.waitForPeerClose(PROCESS_TIMEOUT_MS).then(() => 'closed' as const);
    const imports: Promise<void>[] = [];
    let count: number | undefined;
    for (let taken = 0; count === undefined || taken < count; taken += 1) {
      const stop = new AbortController();
      const receiving = ws.WSAReceiveDuplicate({ timeoutMs: PROCESS_TIMEOUT_MS, signal: stop.signal });
      const next = await (count === undefined ? Promise.race([receiving, channelClosed]) : receiving);
      if (next === 'closed') {
        stop.abort();
        await receiving.catch(() => undefined);
        break;
      }
      if (next.sourcePid !== predecessor) throw new Error(`a socket came from pid ${next.sourcePid}, not the predecessor ${predecessor}`);
      const [index, of] = next.message.split('/').map(Number) as [number, number];
      count ??= of;
      imports.push(
        (async () => {
          const s = await ws.WSASocket(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, next.protocolInfo);
          if (index < traceFirst) trace.step(8, 'WSAReceiveDuplicate + WSASocket(FROM_PROTOCOL_INFO)', ws.view(s), describeProtocolInfo(next.protocolInfo), { connection: index });
          connections.push(serve(ws, s, index));
        })(),
      );
    }
    await Promise.all(imports);
    const sinceRestartMs = Date.now() - startedAt;
    trace.emit({ kind: 'info', call: 'adopted', detail: `took over ${connections.length} connection(s), ${sinceRestartMs} ms after the restart began`, data: { adopted: connections.length, sinceRestartMs } });
    await channel.close();
    const outcomes = await Promise.all(connections.map((c) => c.loop));
    const ended = outcomes.filter((o) => o === 'eof').length;
    await ws.WSACleanup();
    return ctx.finish(ended === connections.length && connections.length === expected ? 0 : 1, { adopted: connections.length, ended });
  } catch (error) {
    trace.failure(undefined, error, 'successor failed');
    for (const c of connections) await ws.closesocket(c.s).catch(() => undefined);
    await ws.WSACleanup().catch(() => undefined);
    return ctx.finish(1);
  }
}

/** Echoes `s` until the client's FIN (then closes gracefully) or until told to stop. */
function serve(ws: AppWinsock, s: number, index: number): Connection {
  const stop = new AbortController();
  const loop = (async (): Promise<'stopped' | 'eof'> => {
    for (;;) {
      if (stop.signal.aborted) return 'stopped';
      let chunk: Uint8Array;
      try {
        chunk = await ws.recv(s, { signal: AbortSignal.any([stop.signal, AbortSignal.timeout(RECV_TIMEOUT_MS)]) });
      } catch (error) {
        if (stop.signal.aborted) return 'stopped';
        throw error;
      }
      if (chunk.length === 0) {
        await ws.shutdown(s, 1);
        await ws.closesocket(s);
        return 'eof';
      }
      let sent = 0;
      while (sent < chunk.length) sent += await ws.send(s, chunk.subarray(sent));
    }
  })();
  return { s, index, stop, loop };
}
