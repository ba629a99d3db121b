import { parseArgs } from 'node:util';
import { AF, FROM_PROTOCOL_INFO, IPPROTO, SOCK, type ProtocolInfo } from '@sanshare/protocol-info';
import { startWinsock } from '../winsock/start-winsock.js';
import { connectChannel, type AppChannel } from '../winsock/protocol-info-channel.js';
import type { AppWinsock } from '../winsock/app-winsock.js';
import { PROCESS_TIMEOUT_MS, QUICK_TIMEOUT_MS, RECV_TIMEOUT_MS } from '../constants.js';
import { RoleContext } from '../roles/role-context.js';
import { describeProtocolInfo } from '../roles/describe-protocol-info.js';

/**
 * The controlling process of the spec's "typical scenario": it accepts client connections, hands
 * each to a worker (round robin) for the data exchange, and when the worker hands it back, closes it
 * gracefully (shutdown, read to EOF, close). It exits once `--clients` connections are closed.
 */
export async function runController(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      workers: { type: 'string' },
      clients: { type: 'string' },
      'runtime-dir': { type: 'string' },
      'trace-first': { type: 'string' },
    },
  });
  const ctx = new RoleContext('controller', null);
  const { trace } = ctx;
  const expected = Number(values.clients ?? '0');
  const traceFirst = Number(values['trace-first'] ?? '0');
  const paths = (values.workers ?? '').split(',').filter((p) => p !== '');
  ctx.control.onClose(() => process.exit(3));
  const ws = await startWinsock(values['runtime-dir']);
  const workers: Array<{ channel: AppChannel; pid: number }> = [];
  let listener: number | undefined;
  let closed = 0;
  let failed = 0;
  let handoffs = 0;
  const pending = new Map<string, { s: number; index: number; worker: number }>();
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const settle = (): void => {
    if (closed + failed >= expected) resolveDone();
  };
  try {
    for (const path of paths) {
      const channel = await connectChannel(path);
      const pid = await channel.requestPeerPid(QUICK_TIMEOUT_MS);
      workers.push({ channel, pid });
      trace.step(4, 'request + receive worker pid', undefined, `worker pid ${pid} at ${path}`);
    }
    listener = await ws.WSASocket(AF.INET, SOCK.STREAM, IPPROTO.TCP);
    await ws.bind(listener, '127.0.0.1', 0);
    await ws.listen(listener, 128);
    const view = ws.view(listener);
    const port = Number((view.local ?? ':0').split(':').pop());
    trace.emit({ kind: 'info', call: 'listen', socket: view, detail: `controller accepting clients on 127.0.0.1:${port}`, data: { port } });

    // Connections coming back from each worker: regain access (14), close the old descriptor (15),
    // shut down gracefully (16) and close (17).
    const returns = workers.map(({ channel, pid }) =>
      (async () => {
        for (;;) {
          let back: ProtocolInfo;
          try {
            back = await channel.receiveProtocolInfo();
          } catch (error) {
            // The channel closed. If the worker went away with connections, they are not coming back:
            // close this process's descriptors (the last ones: the kernel ends those connections).
            for (const [cookie, entry] of pending) {
              if (entry.worker !== pid) continue;
              pending.delete(cookie);
              failed += 1;
              trace.failure(undefined, error, `worker ${pid} went away holding connection #${entry.index}`);
              await ws.closesocket(entry.s).catch(() => undefined);
            }
            settle();
            return;
          }
          void finish(back);
        }
      })(),
    );
    const finish = async (back: ProtocolInfo): Promise<void> => {
      const cookie = back.exportContext?.socketCookie ?? '';
      const entry = pending.get(cookie);
      let s2: number | undefined;
      try {
        s2 = await ws.WSASocket(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, back);
        handoffs += 1;
        const loud = entry !== undefined && entry.index < traceFirst;
        if (loud) trace.step(14, 'WSASocket(FROM_PROTOCOL_INFO)', ws.view(s2), describeProtocolInfo(back), { connection: entry?.index });
        if (entry !== undefined && entry.s !== s2) {
          await ws.closesocket(entry.s);
          if (loud) trace.step(15, `closesocket(s=${entry.s})`, undefined, 'the original descriptor', { connection: entry.index });
        }
        pending.delete(cookie);
        await ws.shutdown(s2, 1);
        await drain(ws, s2);
        await ws.closesocket(s2);
        if (loud) trace.step(17, `shutdown(SD_SEND) + recv to EOF + closesocket(s=${s2})`, undefined, 'closed gracefully', { connection: entry?.index });
        s2 = undefined;
        closed += 1;
      } catch (error) {
        failed += 1;
        trace.failure(undefined, error, `controller failed to close connection #${entry?.index ?? '?'}`);
        if (s2 !== undefined) await ws.closesocket(s2).catch(() => undefined);
      }
      settle();
    };

    for (let index = 0; index < expected; index += 1) {
      const s = await ws.accept(listener, AbortSignal.timeout(PROCESS_TIMEOUT_MS));
      const worker = workers[index % workers.length];
      if (worker === undefined) throw new Error('no worker to hand the connection to');
      const view = ws.view(s);
      try {
        const info = await ws.WSADuplicateSocket(s, worker.pid);
        pending.set(info.exportContext?.socketCookie ?? view.cookie ?? String(s), { s, index, worker: worker.pid });
        await worker.channel.sendProtocolInfo(info);
        handoffs += 1;
        if (index < traceFirst) trace.step(6, `accept + WSADuplicateSocket(s=${s}, ${worker.pid}) + send`, view, describeProtocolInfo(info), { connection: index });
      } catch (error) {
        failed += 1;
        trace.failure(undefined, error, `controller failed to hand connection #${index} to worker ${worker.pid}`);
        await ws.closesocket(s).catch(() => undefined);
        settle();
      }
    }
    await done;
    for (const { channel } of workers) await channel.close().catch(() => undefined);
    await Promise.all(returns);
  } catch (error) {
    failed += 1;
    trace.failure(undefined, error, 'controller failed');
  }
  for (const { s } of pending.values()) await ws.closesocket(s).catch(() => undefined);
  if (listener !== undefined) await ws.closesocket(listener).catch(() => undefined);
  for (const { channel } of workers) await channel.close().catch(() => undefined);
  await ws.WSACleanup().catch(() => undefined);
  return ctx.finish(failed === 0 && closed === expected ? 0 : 1, { closed, failed, handoffs });
}

async function drain(ws: AppWinsock, s: number): Promise<void> {
  for (;;) {
    const chunk = await ws.recv(s, { signal: AbortSignal.timeout(RECV_TIMEOUT_MS) });
    if (chunk.length === 0) return;
  }
}
