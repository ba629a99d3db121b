/**
 * What the benchmark's driver and its client processes (load clients, connect prober) say to each
 * other: one JSON command per line on the child's stdin (with an `id`), one JSON line per reply or
 * event on its stdout (a reply repeats the `id`).
 */

/** A steady connector's account of the connects it started within a time window. */
export interface ProbeReport {
  /** Connects started in the window. */
  readonly attempted: number;
  /** Answered by a server process (a whole HTTP response with an `x-pid`). */
  readonly served: number;
  /** Refused by the kernel (ECONNREFUSED): nobody listened. */
  readonly refused: number;
  /** Connected (or reset) but never answered: reset, closed early, or no answer within the probe's timeout. */
  readonly unserved: number;
  /** Still waiting for their answer when the report was made. */
  readonly pending: number;
  /** From the connect call to the end of the answer, over the answered ones. */
  readonly worstLatencyMs: number;
  readonly p50LatencyMs: number;
  readonly p99LatencyMs: number;
  /** Answers per server pid. */
  readonly byPid: Readonly<Record<string, number>>;
  /** Why some connects failed (at most 5). */
  readonly failures: readonly string[];
}

/** What a load-client process knows about its connections. */
export interface ClientSummary {
  readonly connections: number;
  readonly http: number;
  readonly ws: number;
  /** HTTP requests answered, WebSocket answers received. */
  readonly responses: number;
  readonly wsAnswers: number;
  /** HTTP requests that failed (an error, a wrong answer). */
  readonly failedRequests: number;
  /** WebSocket close (or error) events. */
  readonly wsCloses: number;
  /** New TCP connections opened by clients that already had one. */
  readonly reconnects: number;
  /** Clients that opened more than one TCP connection. */
  readonly clientsReconnected: number;
  /** Clients whose connection ended for good (a WebSocket closed, and this scenario does not reopen it). */
  readonly gone: number;
  /** Answers out of order, missing or twice on one WebSocket connection. */
  readonly orderErrors: number;
  /** For each server pid: how many clients it answered, and the first answer's time (earliest, latest over clients); `gone` of them ended for good afterwards. */
  readonly servedBy: Readonly<Record<string, { readonly clients: number; readonly gone: number; readonly firstAtMin: number; readonly firstAtMax: number }>>;
  /** At most 5 failure messages. */
  readonly failures: readonly string[];
  /** CPU time (user + system) the client processes have used since they started, in ms. */
  readonly cpuMs: number;
}

/** A command to a child process. */
export type BenchCommand =
  | { readonly id: number; readonly cmd: 'open'; readonly port: number; readonly http: number; readonly ws: number; readonly intervalMs: number; readonly reconnect: boolean; readonly name: string }
  | { readonly id: number; readonly cmd: 'status' }
  | { readonly id: number; readonly cmd: 'start'; readonly port: number; readonly intervalMs: number; readonly timeoutMs: number }
  | { readonly id: number; readonly cmd: 'report'; readonly from: number; readonly to: number }
  | { readonly id: number; readonly cmd: 'stop' };
