import { parseArgs } from 'node:util';
import { CLIENT_CONNECT_CONCURRENCY, CLIENT_PROGRESS_MS, DESCRIPTOR_MARGIN, LOAD_HOST } from '../constants.js';
import { RoleContext } from '../roles/role-context.js';
import { ensureDescriptors } from '../util/descriptor-limit.js';
import { runWithConcurrency } from '../util/run-with-concurrency.js';
import { createLoadConnection } from './create-load-connection.js';
import type { LoadConnection } from './load-connection.js';
import { isProtocol } from './protocol.js';

/** Failures a client process traces one by one (the rest are counted in its summary). */
const TRACED_FAILURES = 5;
/** How long one connection may take to close at the end before it is counted as a failure, in ms. */
const STOP_BOUND_MS = 10_000;

/** What a client process reports at its end (`summary`), summed by the app over every client process. */
export interface ClientSummary {
  connections: number;
  /** Connections that opened and got their first answer. */
  opened: number;
  answers: number;
  /** Failures seen (wrong answers, drops, errors), and the connections that saw one. */
  failures: number;
  failedConnections: number;
  /** New TCP connections opened by connections that already had one. */
  reconnects: number;
  worstAnswerMs: number;
  /** Answers by the pid that wrote them (`0`: a raw echo, which cannot say). */
  byPid: Record<string, number>;
  firstFailures: string[];
}

/**
 * A client process of `restart` and `workers`: it opens `--count` connections of `--protocol` to the
 * server at `--port` (numbered from `--first`), each streaming requests and checking every answer (see
 * `load-connection.ts`). The app steers it with words on stdin:
 *
 * - `await-answers <id> <n> <notPid> <onlyPid>`: says `answered <id>` once every open connection has
 *   had `n` more answers, from processes other than `notPid` and, if not 0, from `onlyPid`;
 * - `count-by-pid <id>`: says how many connections the last answer of came from each pid;
 * - `stop`: stops every connection gracefully and reports its summary.
 */
export async function runClients(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      protocol: { type: 'string' },
      port: { type: 'string' },
      count: { type: 'string' },
      first: { type: 'string' },
      'interval-ms': { type: 'string' },
    },
  });
  const ctx = new RoleContext('clients', null);
  const { trace } = ctx;
  // The app is gone: so is the load.
  ctx.control.onClose(() => process.exit(3));
  const protocol = values.protocol;
  if (!isProtocol(protocol)) throw new Error(`--protocol must be http, ws or tcp, got ${String(protocol)}`);
  const count = Number(values.count ?? '1');
  const first = Number(values.first ?? '0');
  const limit = ensureDescriptors(count + DESCRIPTOR_MARGIN, `a client process with ${count} connections`);
  let traced = 0;
  const target = {
    host: LOAD_HOST,
    port: Number(values.port),
    intervalMs: Number(values['interval-ms'] ?? '1000'),
    onFailure: (connection: LoadConnection, message: string) => {
      if (traced >= TRACED_FAILURES) return;
      traced += 1;
      trace.emit({ kind: 'failure', error: { code: 'ERR_CLIENT_NOTICED', message }, detail: `client connection #${connection.index} noticed`, data: { connection: connection.index } });
    },
  };
  const connections = Array.from({ length: count }, (_, i) => createLoadConnection(protocol, first + i, target));
  const open = new Set<LoadConnection>();
  trace.info(`${count} ${protocol} connections #${first}..#${first + count - 1} to ${LOAD_HOST}:${target.port}, one request every ~${target.intervalMs} ms each (open-file limit ${limit.soft})`, { count, first, limit });

  let openFailures = 0;
  const ticker = setInterval(() => {
    trace.emit({ kind: 'info', call: 'connecting', detail: `${open.size}/${count} connections open and answered`, data: { open: open.size, count } });
  }, CLIENT_PROGRESS_MS);
  await runWithConcurrency(connections, CLIENT_CONNECT_CONCURRENCY, async (c) => {
    try {
      await c.open();
      open.add(c);
    } catch (error) {
      openFailures += 1;
      target.onFailure(c, `could not open: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  clearInterval(ticker);
  trace.emit({ kind: 'info', call: 'streaming', detail: `${open.size}/${count} connections open, streaming`, data: { open: open.size, count, openFailures } });

  let waiting: NodeJS.Timeout | undefined;
  ctx.control.on('await-answers', ([id = '', n = '1', notPid = '0', onlyPid = '0']) => {
    const wanted = Number(n);
    const match = (pid: number): boolean => pid !== Number(notPid) && (Number(onlyPid) === 0 || pid === Number(onlyPid));
    const marks = new Map([...open].map((c) => [c, c.answersFrom(match)]));
    const answered = (): number => [...open].filter((c) => c.answersFrom(match) - (marks.get(c) ?? 0) >= wanted).length;
    let lastSaid = Date.now();
    clearInterval(waiting);
    waiting = setInterval(() => {
      const done = answered();
      if (done === open.size) {
        clearInterval(waiting);
        trace.emit({ kind: 'info', call: 'answered', detail: `every connection had ${wanted} more answer(s)${Number(onlyPid) !== 0 ? ` from pid ${onlyPid}` : ''}${Number(notPid) !== 0 ? `, none counted from pid ${notPid}` : ''}`, data: { id, connections: done } });
      } else if (Date.now() - lastSaid >= CLIENT_PROGRESS_MS) {
        lastSaid = Date.now();
        trace.emit({ kind: 'info', call: 'awaiting answers', detail: `${done}/${open.size} connections had ${wanted} more answer(s) so far`, data: { id, done, of: open.size } });
      }
    }, 50);
  });
  ctx.control.on('count-by-pid', ([id = '']) => {
    const byPid: Record<string, number> = {};
    for (const c of open) byPid[c.lastPid] = (byPid[c.lastPid] ?? 0) + 1;
    trace.emit({ kind: 'info', call: 'by pid', detail: `connections by the pid of their last answer: ${JSON.stringify(byPid)}`, data: { id, byPid } });
  });

  await ctx.control.waitFor('stop');
  clearInterval(waiting);
  let stuck = 0;
  await Promise.all(
    connections.map(async (c) => {
      let bound: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (bound = setTimeout(() => resolve('late'), STOP_BOUND_MS)));
      if ((await Promise.race([c.stop().then(() => 'stopped' as const), late])) === 'late') stuck += 1;
      clearTimeout(bound);
    }),
  );
  const summary = summarize(connections, open.size, openFailures + stuck);
  trace.emit({
    kind: 'info',
    call: 'summary',
    detail: `${summary.opened}/${summary.connections} connections, ${summary.answers} answers checked, ${summary.failures} failure(s), ${summary.reconnects} reconnect(s), slowest answer ${summary.worstAnswerMs} ms${stuck > 0 ? `, ${stuck} did not close within ${STOP_BOUND_MS} ms` : ''}`,
    data: { ...summary },
  });
  return ctx.finish(summary.failures === 0 && summary.opened === count ? 0 : 1, { connections: count });
}

function summarize(connections: readonly LoadConnection[], opened: number, extraFailures: number): ClientSummary {
  const byPid: Record<string, number> = {};
  let answers = 0;
  let failures = extraFailures;
  let failedConnections = 0;
  let reconnects = 0;
  let worst = 0;
  const firstFailures: string[] = [];
  for (const c of connections) {
    answers += c.answers;
    failures += c.failureCount;
    if (c.failureCount > 0) failedConnections += 1;
    reconnects += Math.max(0, c.connects - 1);
    worst = Math.max(worst, c.worstAnswerMs);
    for (const [pid, n] of c.byPid) byPid[pid] = (byPid[pid] ?? 0) + n;
    for (const f of c.failures) if (firstFailures.length < 5) firstFailures.push(`#${c.index}: ${f}`);
  }
  return { connections: connections.length, opened, answers, failures, failedConnections, reconnects, worstAnswerMs: Math.round(worst), byPid, firstFailures };
}
