import { join } from 'node:path';
import type { WorkersCommand } from '../cli/parse-cli.js';
import type { TracePrinter } from '../trace/trace-printer.js';
import { TRACE_HEADER } from '../trace/format-trace-line.js';
import type { TraceEvent } from '../trace/trace-event.js';
import { openDescriptors } from '../util/open-descriptors.js';
import { RunScope } from '../orchestrate/run-scope.js';
import type { RoleProcess } from '../orchestrate/spawn-role.js';
import type { Verdict } from '../orchestrate/verdict.js';
import { generateLoad, type ClientResult } from './load-generator.js';
import { finishRun } from '../orchestrate/finish-run.js';

/** Records per request (12 bytes each). */
const REQUEST_RECORDS = 16;
/** Connections whose steps are traced one by one in text mode (all of them with --json). */
const TRACED_CONNECTIONS = 3;
/** Clients connected at once. */
const CONCURRENCY = 16;

/**
 * `workers` mode: a controller process accepts the load generator's clients and hands each to one of
 * the worker processes for the data exchange; the worker hands it back for graceful closure.
 */
export async function runWorkers(command: WorkersCommand, printer: TracePrinter): Promise<number> {
  const baseline = openDescriptors();
  const scope = new RunScope(printer, 'workers');
  const events: TraceEvent[] = [];
  const onEvent = (event: TraceEvent): void => {
    events.push(event);
  };
  const traceFirst = String(command.json ? command.clients : TRACED_CONNECTIONS);
  // In text mode each worker shows its first connection; the controller its first few.
  const workerTraceFirst = command.json ? traceFirst : '1';
  printer.text(`sanshare workers: ${command.clients} client connections, ${command.workers} worker processes (temp dir ${scope.dir})`);
  printer.text(TRACE_HEADER);
  let results: ClientResult[] = [];
  let failure: string | undefined;
  let elapsedMs = 0;
  const processes: RoleProcess[] = [];
  try {
    scope.armTimeout(command.timeoutMs, () => {
      failure = `timed out after ${command.timeoutMs} ms`;
      scope.killAll();
    });
    const paths: string[] = [];
    for (let i = 0; i < command.workers; i += 1) {
      const path = join(scope.dir, `worker-${i}.sock`);
      paths.push(path);
      processes.push(scope.spawn(`worker ${i}`, ['worker', '--index', String(i), '--channel', path, '--runtime-dir', scope.runtimeDir, '--records', String(REQUEST_RECORDS), '--trace-first', workerTraceFirst], onEvent));
    }
    for (const worker of processes) await worker.waitForEvent((e) => e.call === 'listen protocol-info channel');
    const controller = scope.spawn('controller', ['controller', '--workers', paths.join(','), '--clients', String(command.clients), '--runtime-dir', scope.runtimeDir, '--trace-first', traceFirst], onEvent);
    processes.push(controller);
    const listening = await controller.waitForEvent((e) => e.kind === 'info' && e.call === 'listen');
    const started = Date.now();
    results = await generateLoad({ port: Number(listening.data?.port), clients: command.clients, concurrency: CONCURRENCY, records: REQUEST_RECORDS, deadline: started + command.timeoutMs });
    elapsedMs = Date.now() - started;
    await Promise.all(processes.map((p) => p.exited));
  } catch (error) {
    failure ??= error instanceof Error ? error.message : String(error);
  }

  const good = results.filter((r) => r.graceful && r.error === null && r.verifiedBytes > 0);
  const bytes = results.reduce((sum, r) => sum + r.verifiedBytes, 0);
  const controllerExit = events.find((e) => e.role === 'controller' && e.kind === 'exit');
  const handoffs = typeof controllerExit?.data?.handoffs === 'number' ? controllerExit.data.handoffs : 0;
  const perSecond = elapsedMs > 0 ? Math.round((handoffs / elapsedMs) * 1000) : 0;
  const firstBad = results.find((r) => !(r.graceful && r.error === null && r.verifiedBytes > 0));
  const verdicts: Verdict[] = [
    {
      name: 'every-client-served',
      ok: good.length === command.clients,
      detail: `${good.length} of ${command.clients} clients got their whole request back, then a FIN${firstBad ? `; client #${firstBad.index}: ${firstBad.error ?? 'no graceful close'}` : ''}`,
    },
    {
      name: 'handoffs',
      ok: handoffs === 2 * command.clients,
      detail: `${handoffs} hand-offs (controller > worker > controller) in ${elapsedMs} ms: ${perSecond} hand-offs/s`,
    },
    { name: 'bytes-verified', ok: bytes === command.clients * REQUEST_RECORDS * 12, detail: `${bytes} bytes echoed back identical, in order` },
  ];
  const data = { clients: command.clients, workers: command.workers, handoffs, elapsedMs, handoffsPerSecond: perSecond, bytesVerified: bytes };
  return finishRun({ scope, printer, events, baseline, verdicts, failure, mode: 'workers', data });
}
