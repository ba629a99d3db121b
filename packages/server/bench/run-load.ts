/**
 * The clients of one scenario, each kind in processes of their own: load-client processes holding
 * the live connections (half HTTP keep-alive, half WebSocket), and the steady connector.
 */
import { fileURLToPath } from 'node:url';
import { BenchProcess, type BenchEvent } from './bench-process.js';
import type { ClientSummary, ProbeReport } from './bench-protocol.js';
import { count, log, ticker } from './bench-log.js';

const LOAD_CLIENTS = fileURLToPath(new URL('./load-clients.ts', import.meta.url));
const PROBER = fileURLToPath(new URL('./connect-prober.ts', import.meta.url));
/** Descriptors a process needs besides its connections (Node, tsx, pipes). */
const SPARE_FILES = 1_024;
/** How often a wait for the clients polls them. */
const POLL_MS = 250;

/** How the load is shaped. */
export interface LoadSettings {
  readonly connections: number;
  readonly clientProcesses: number;
  /** Each client's pause between two requests or messages. */
  readonly intervalMs: number;
  /** The steady connector's pause between two connects. */
  readonly probeIntervalMs: number;
  /** A connect not answered within this is unserved. */
  readonly probeTimeoutMs: number;
  /** The load runs this long, untouched, before a restart is requested (the clients' pace is steady by then). */
  readonly steadyMs: number;
  /** Bound on each wait. */
  readonly timeoutMs: number;
}

/** Lets the load run `steadyMs` untouched. */
export function steady(settings: LoadSettings): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, settings.steadyMs));
}

/** The running clients of a scenario. */
export interface Load {
  /** The merged summary of every client process now. */
  status(): Promise<ClientSummary>;
  /**
   * Resolves once every client has had an answer from server `pid`, or ended for good without one
   * (a WebSocket closed in a scenario that does not reopen them); the merged summary then.
   */
  allServedBy(pid: number, what: string): Promise<ClientSummary>;
  /** The steady connector's account of the connects it started in [from, to]. */
  probes(from: number, to: number): Promise<ProbeReport>;
  /** Stops every client (closing its connection) and the connector; the final merged summary. */
  stop(): Promise<ClientSummary>;
  /** Kills the client and connector processes. */
  kill(): void;
}

/**
 * The connector's report on the connects it started in [from, to], once each of them has ended
 * (answered, refused, or past `probeTimeoutMs`).
 */
export async function settledProbes(prober: BenchProcess, from: number, to: number, settings: Pick<LoadSettings, 'probeTimeoutMs' | 'timeoutMs'>): Promise<ProbeReport> {
  const until = performance.now() + settings.probeTimeoutMs + settings.timeoutMs;
  for (;;) {
    const report = (await prober.request({ cmd: 'report', from, to }, settings.timeoutMs))['report'] as ProbeReport;
    if (report.pending === 0 || performance.now() > until) return report;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Adds summaries of several processes up. */
export function mergeSummaries(parts: readonly ClientSummary[]): ClientSummary {
  const servedBy: Record<string, { clients: number; gone: number; firstAtMin: number; firstAtMax: number }> = {};
  for (const part of parts) {
    for (const [pid, s] of Object.entries(part.servedBy)) {
      const into = (servedBy[pid] ??= { clients: 0, gone: 0, firstAtMin: Infinity, firstAtMax: 0 });
      into.clients += s.clients;
      into.gone += s.gone;
      into.firstAtMin = Math.min(into.firstAtMin, s.firstAtMin);
      into.firstAtMax = Math.max(into.firstAtMax, s.firstAtMax);
    }
  }
  const sum = (key: keyof ClientSummary): number => parts.reduce((n, p) => n + (p[key] as number), 0);
  return {
    connections: sum('connections'),
    http: sum('http'),
    ws: sum('ws'),
    responses: sum('responses'),
    wsAnswers: sum('wsAnswers'),
    failedRequests: sum('failedRequests'),
    wsCloses: sum('wsCloses'),
    reconnects: sum('reconnects'),
    clientsReconnected: sum('clientsReconnected'),
    gone: sum('gone'),
    orderErrors: sum('orderErrors'),
    servedBy,
    failures: parts.flatMap((p) => p.failures).slice(0, 5),
    cpuMs: sum('cpuMs'),
  };
}

/** Starts the connector and the clients against `port` and opens every connection (each answered once). */
export async function startLoad(label: string, port: number, settings: LoadSettings, options: { reconnect: boolean }): Promise<Load> {
  const { connections, clientProcesses, timeoutMs } = settings;
  const prober = new BenchProcess(`${label} connector`, PROBER, { openFiles: SPARE_FILES * 4 });
  const clients = Array.from({ length: clientProcesses }, (_, k) => new BenchProcess(`${label} clients ${k + 1}`, LOAD_CLIENTS, { openFiles: Math.ceil(connections / clientProcesses) + SPARE_FILES }));
  const kill = (): void => {
    prober.kill();
    for (const c of clients) c.kill();
  };
  try {
    const up = (e: BenchEvent): boolean => e.ev === 'up';
    await Promise.all([prober, ...clients].map((p) => p.waitFor('its start', up, timeoutMs)));
    await prober.request({ cmd: 'start', port, intervalMs: settings.probeIntervalMs, timeoutMs: settings.probeTimeoutMs }, timeoutMs);
    log(`${label}: opening ${count(connections)} connections from ${clientProcesses} client processes`);
    const opening = ticker(() => {
      const open = clients.reduce((n, c) => n + Number(c.events.filter((e) => e.ev === 'opening' || e.ev === 'opened').at(-1)?.['open'] ?? 0), 0);
      return `${label}: ${count(open)} of ${count(connections)} connections open`;
    });
    const start = performance.now();
    try {
      const opened = await Promise.all(
        clients.map((c, k) => {
          const share = Math.floor(connections / clientProcesses) + (k < connections % clientProcesses ? 1 : 0);
          const http = Math.floor(share / 2);
          return c.request({ cmd: 'open', port, http, ws: share - http, intervalMs: settings.intervalMs, reconnect: options.reconnect, name: `p${k + 1}` }, timeoutMs);
        }),
      );
      const failed = opened.reduce((n, e) => n + Number(e['failed']), 0);
      if (failed > 0) throw new Error(`${label}: ${failed} of ${connections} connections could not be opened: ${JSON.stringify(opened.flatMap((e) => e['failures'] as string[]).slice(0, 3))}`);
    } finally {
      opening();
    }
    log(`${label}: ${count(connections)} connections open and answered in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  } catch (error) {
    kill();
    throw error;
  }

  const status = async (): Promise<ClientSummary> =>
    mergeSummaries(await Promise.all(clients.map(async (c) => (await c.request({ cmd: 'status' }, timeoutMs))['summary'] as ClientSummary)));

  return {
    status,
    async allServedBy(pid, what) {
      const until = performance.now() + timeoutMs;
      let last = await status();
      const stopTicker = ticker(() => `${label}: ${count(last.servedBy[pid]?.clients ?? 0)} of ${count(last.connections)} clients served by ${what} (pid ${pid})`);
      try {
        // Clients gone for good that `pid` never answered will not be answered.
        const settled = (): number => (last.servedBy[pid]?.clients ?? 0) + last.gone - (last.servedBy[pid]?.gone ?? 0);
        while (settled() < last.connections) {
          if (performance.now() > until) throw new Error(`${label}: timed out after ${timeoutMs} ms: ${last.servedBy[pid]?.clients ?? 0} of ${last.connections} clients served by ${what} (pid ${pid}); failures: ${JSON.stringify(last.failures)}`);
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
          last = await status();
        }
      } finally {
        stopTicker();
      }
      return last;
    },
    probes(from, to) {
      return settledProbes(prober, from, to, settings);
    },
    async stop() {
      const parts = await Promise.all(clients.map(async (c) => (await c.request({ cmd: 'stop' }, timeoutMs))['summary'] as ClientSummary));
      await prober.request({ cmd: 'stop' }, timeoutMs).catch(() => undefined);
      kill();
      return mergeSummaries(parts);
    },
    kill,
  };
}
