import { join } from 'node:path';
import type { RestartCommand } from '../cli/parse-cli.js';
import type { TracePrinter } from '../trace/trace-printer.js';
import { TRACE_HEADER } from '../trace/format-trace-line.js';
import type { TraceEvent } from '../trace/trace-event.js';
import { describeTraceError } from '../trace/trace-error.js';
import { openDescriptors } from '../util/open-descriptors.js';
import { RunScope } from '../orchestrate/run-scope.js';
import { finishRun } from '../orchestrate/finish-run.js';
import type { Verdict } from '../orchestrate/verdict.js';
import { StreamingClient } from './streaming-client.js';

/** Connections whose hand-off is traced one by one in text mode (all of them with --json). */
const TRACED_CONNECTIONS = 3;
/** Echoed records each client must see before the restart and again after it. */
const RECORDS_EACH_SIDE = 4;

/**
 * `restart` mode: a server holding `connections` live client connections, each streaming both ways,
 * starts its successor, duplicates every connection to it and exits; the clients must notice nothing.
 */
export async function runRestart(command: RestartCommand, printer: TracePrinter): Promise<number> {
  const baseline = openDescriptors();
  const scope = new RunScope(printer, 'restart');
  const events: TraceEvent[] = [];
  const clients: StreamingClient[] = [];
  let failure: string | undefined;
  const deadline = Date.now() + command.timeoutMs;
  const until = async (what: string, condition: () => boolean): Promise<void> => {
    while (!condition()) {
      if (failure !== undefined) throw new Error(failure);
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  printer.text(`sanshare restart: ${command.connections} live connections move to a new server process (temp dir ${scope.dir})`);
  printer.text(TRACE_HEADER);
  try {
    scope.armTimeout(command.timeoutMs, () => {
      failure = `timed out after ${command.timeoutMs} ms`;
      scope.killAll();
    });
    const traceFirst = String(command.json ? command.connections : TRACED_CONNECTIONS);
    const server = scope.spawn(
      'server',
      ['server', '--connections', String(command.connections), '--channel', join(scope.dir, 'restart.sock'), '--runtime-dir', scope.runtimeDir, '--trace-first', traceFirst],
      (event) => {
        events.push(event);
        // The successor is the server's child, not the app's: remember it so the cleanup reaches it.
        if (typeof event.data?.successorPid === 'number') scope.extraPids.add(event.data.successorPid);
        if (event.kind === 'failure') failure ??= `${event.role} pid ${event.pid}: ${describeTraceError(event.error)}`;
      },
    );
    const listening = await server.waitForEvent((e) => e.kind === 'info' && e.call === 'listen');
    const port = Number(listening.data?.port);
    for (let i = 0; i < command.connections; i += 1) clients.push(new StreamingClient(i, port));
    await until('every client streams', () => clients.every((c) => c.echoed >= RECORDS_EACH_SIDE || c.error !== null));
    printer.app.info(`${clients.length} clients streaming; asking the server to restart`);
    server.control('restart');
    const adopted = await server.waitForEvent((e) => e.call === 'adopted');
    const marks = clients.map((c) => c.echoed);
    await until('every client streams through the successor', () => clients.every((c, i) => c.echoed >= (marks[i] ?? 0) + RECORDS_EACH_SIDE || c.error !== null));
    for (const c of clients) c.stopSending();
    await until('every echo is back', () => clients.every((c) => c.echoed === c.sentRecords || c.error !== null));
    await Promise.all(clients.map((c) => c.end()));
    await server.exited;
    printer.app.info(`clients done; the successor took over ${String(adopted.data?.adopted)} connection(s)`);
  } catch (error) {
    failure ??= error instanceof Error ? error.message : String(error);
  }
  for (const c of clients) c.destroy();

  const adoptedEvent = events.find((e) => e.call === 'adopted');
  const moved = typeof adoptedEvent?.data?.adopted === 'number' ? adoptedEvent.data.adopted : 0;
  // The move: from the moment the successor was ready (the old server stops serving) until it served
  // every connection; startup: from the restart request until the successor was ready.
  const connectedEvent = events.find((e) => e.call === 'successor connected');
  const moveMs = adoptedEvent && connectedEvent ? adoptedEvent.at - connectedEvent.at : null;
  const startupMs = typeof connectedEvent?.data?.startupMs === 'number' ? connectedEvent.data.startupMs : null;
  const bad = clients.filter((c) => c.error !== null || !c.gotEnd || c.echoed !== c.sentRecords);
  const bytes = clients.reduce((sum, c) => sum + (c.error === null ? c.echoed * 12 : 0), 0);
  const firstBad = bad[0];
  const verdicts: Verdict[] = [
    {
      name: 'connections-moved',
      ok: moved === command.connections,
      detail: `${moved} of ${command.connections} connections moved to the successor${moveMs !== null ? ` in ${moveMs} ms` : ''}${startupMs !== null ? ` (its startup took ${startupMs} ms, while the old server kept serving)` : ''}`,
    },
    {
      name: 'clients-noticed-nothing',
      ok: clients.length === command.connections && bad.length === 0,
      detail:
        bad.length === 0
          ? `every client kept its one connection: no reset, no early FIN, every echoed byte in order (${bytes} bytes)`
          : `${bad.length} client(s) noticed: client #${firstBad?.index ?? '?'}: ${firstBad?.error ?? `${firstBad?.echoed ?? 0} of ${firstBad?.sentRecords ?? 0} records echoed${firstBad?.gotEnd ? '' : ', no FIN'}`}`,
    },
  ];
  const data = { connections: command.connections, moved, moveMs, startupMs, bytesVerified: bytes };
  return finishRun({ scope, printer, events, baseline, verdicts, failure, mode: 'restart', data });
}
