import { CONNECTIONS_PER_CLIENT_PROCESS, LOAD_ANSWERS_PER_SECOND, LOAD_MIN_INTERVAL_MS } from '../constants.js';
import type { RunScope } from '../orchestrate/run-scope.js';
import type { RoleProcess } from '../orchestrate/spawn-role.js';
import type { TraceEvent } from '../trace/trace-event.js';
import type { ClientSummary } from './run-clients.js';
import type { Protocol } from './protocol.js';

/** The client processes of a run, as the app steers them. */
export interface ClientFleet {
  readonly processes: readonly RoleProcess[];
  /** Pause of each connection between an answer and its next request, in ms. */
  readonly intervalMs: number;
  /** Resolves once every client process has opened its connections and streams. */
  streaming(): Promise<void>;
  /** Resolves once every open connection had `n` more answers, none counted from `notPid`, and only from `onlyPid` unless it is 0. */
  awaitAnswers(n: number, notPid: number, onlyPid: number): Promise<void>;
  /** How many connections the last answer of came from each pid. */
  countByPid(): Promise<Record<string, number>>;
  /** Stops every connection gracefully; resolves with the summaries of every client process, summed. */
  stop(): Promise<ClientSummary>;
}

/**
 * Starts the client processes for `connections` connections to `port`: at most
 * `CONNECTIONS_PER_CLIENT_PROCESS` each, and at least two processes (clients and servers never share a
 * process, and the load is spread). Each connection asks for an answer every `intervalMs`, so that all
 * of them together ask for `LOAD_ANSWERS_PER_SECOND`.
 */
export function startClientFleet(scope: RunScope, options: { protocol: Protocol; port: number; connections: number; onEvent: (event: TraceEvent) => void }): ClientFleet {
  const { connections } = options;
  const count = Math.max(Math.min(2, connections), Math.ceil(connections / CONNECTIONS_PER_CLIENT_PROCESS));
  const intervalMs = Math.max(LOAD_MIN_INTERVAL_MS, Math.round((connections / LOAD_ANSWERS_PER_SECOND) * 1000));
  const processes: RoleProcess[] = [];
  for (let i = 0, first = 0; i < count; i += 1) {
    const share = Math.floor(connections / count) + (i < connections % count ? 1 : 0);
    processes.push(
      scope.spawn(`clients ${i}`, ['clients', '--protocol', options.protocol, '--port', String(options.port), '--count', String(share), '--first', String(first), '--interval-ms', String(intervalMs)], options.onEvent),
    );
    first += share;
  }
  let nextId = 1;
  /** Sends `word <id> ...args` to every process; resolves with each one's answer (`call`, same id). */
  const ask = async (word: string, args: readonly (string | number)[], call: string): Promise<TraceEvent[]> => {
    const id = String(nextId++);
    for (const p of processes) p.control([word, id, ...args].join(' '));
    return Promise.all(processes.map((p) => p.waitForEvent((e) => e.kind === 'info' && e.call === call && e.data?.id === id)));
  };
  return {
    processes,
    intervalMs,
    async streaming() {
      await Promise.all(processes.map((p) => p.waitForEvent((e) => e.call === 'streaming')));
    },
    async awaitAnswers(n, notPid, onlyPid) {
      await ask('await-answers', [n, notPid, onlyPid], 'answered');
    },
    async countByPid() {
      const total: Record<string, number> = {};
      for (const event of await ask('count-by-pid', [], 'by pid')) {
        for (const [pid, n] of Object.entries((event.data?.byPid ?? {}) as Record<string, number>)) total[pid] = (total[pid] ?? 0) + n;
      }
      return total;
    },
    async stop() {
      for (const p of processes) p.control('stop');
      const summaries = await Promise.all(processes.map(async (p) => (await p.waitForEvent((e) => e.call === 'summary')).data as unknown as ClientSummary));
      return sumSummaries(summaries);
    },
  };
}

function sumSummaries(summaries: readonly ClientSummary[]): ClientSummary {
  const total: ClientSummary = { connections: 0, opened: 0, answers: 0, failures: 0, failedConnections: 0, reconnects: 0, worstAnswerMs: 0, byPid: {}, firstFailures: [] };
  for (const s of summaries) {
    total.connections += s.connections;
    total.opened += s.opened;
    total.answers += s.answers;
    total.failures += s.failures;
    total.failedConnections += s.failedConnections;
    total.reconnects += s.reconnects;
    total.worstAnswerMs = Math.max(total.worstAnswerMs, s.worstAnswerMs);
    for (const [pid, n] of Object.entries(s.byPid)) total.byPid[pid] = (total.byPid[pid] ?? 0) + n;
    total.firstFailures.push(...s.firstFailures.slice(0, 5 - total.firstFailures.length));
  }
  return total;
}
