import { parseArgs } from 'node:util';
import { CONNECTOR_LOOPS, CONNECTOR_PAUSE_MS, LOAD_HOST } from '../constants.js';
import { RoleContext } from '../roles/role-context.js';
import { connectOnce, type ConnectAttempt } from './connect-once.js';
import { isProtocol } from './protocol.js';

/** The connector's progress line comes this often, in ms. */
const CONNECTOR_PROGRESS_MS = 5_000;
/** Reasons of unanswered connects it reports. */
const KEPT_REASONS = 5;

/** Counts of connects. */
export interface ConnectCounts {
  attempted: number;
  answered: number;
  refused: number;
  unserved: number;
  /** Answered connects by the pid that answered (`0`: a raw echo). */
  byPid: Record<string, number>;
  worstAnswerMs: number;
}

/** What the connector reports at its end: the whole run, and the connects begun within the window it was given. */
export interface ConnectorSummary {
  all: ConnectCounts;
  window: ConnectCounts & { from: number; to: number };
  reasons: string[];
}

/**
 * The steady connector of `restart`: `--loops` loops, each opening a new connection to the server at
 * `--port`, asking one question of `--protocol` (see `connect-once.ts`) and closing it, again and again
 * until the app says `stop <from> <to>` (ms since the epoch). A connect counts only when a server process
 * answered it. Its summary counts them for the whole run and for those begun in `[from, to]`: the move.
 */
export async function runConnector(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...argv], strict: true, options: { protocol: { type: 'string' }, port: { type: 'string' } } });
  const ctx = new RoleContext('connector', null);
  const { trace } = ctx;
  ctx.control.onClose(() => process.exit(3));
  const protocol = values.protocol;
  if (!isProtocol(protocol)) throw new Error(`--protocol must be http, ws or tcp, got ${String(protocol)}`);
  const port = Number(values.port);
  const attempts: ConnectAttempt[] = [];
  let stopping = false;
  let n = 0;
  let firstSaid = false;
  const loop = async (): Promise<void> => {
    while (!stopping) {
      const attempt = await connectOnce(protocol, LOAD_HOST, port, n++);
      attempts.push(attempt);
      if (!firstSaid && attempt.outcome === 'answered') {
        firstSaid = true;
        trace.emit({ kind: 'info', call: 'connecting', detail: `connecting in ${CONNECTOR_LOOPS} loops; the first connect was answered by ${attempt.pid === 0 ? 'the echo' : `pid ${attempt.pid}`}`, data: { pid: attempt.pid } });
      }
      await new Promise((resolve) => setTimeout(resolve, CONNECTOR_PAUSE_MS));
    }
  };
  const ticker = setInterval(() => {
    const c = count(attempts);
    trace.emit({ kind: 'info', call: 'connects', detail: `${c.answered} connects answered, ${c.refused} refused, ${c.unserved} unserved`, data: { ...c } });
  }, CONNECTOR_PROGRESS_MS);
  const loops = Array.from({ length: CONNECTOR_LOOPS }, loop);
  const [from = '0', to = '0'] = await new Promise<readonly string[]>((resolve) => ctx.control.on('stop', resolve));
  stopping = true;
  clearInterval(ticker);
  await Promise.all(loops);
  const window = { from: Number(from), to: Number(to) };
  const summary: ConnectorSummary = {
    all: count(attempts),
    window: { ...count(attempts.filter((a) => a.startedAt >= window.from && a.startedAt <= window.to)), ...window },
    reasons: attempts.filter((a) => a.outcome !== 'answered').slice(0, KEPT_REASONS).map((a) => `${a.outcome}: ${a.reason ?? '?'}`),
  };
  const { all, window: w } = summary;
  trace.emit({
    kind: 'info',
    call: 'summary',
    detail: `${all.answered}/${all.attempted} connects answered (${all.refused} refused, ${all.unserved} unserved); during the move ${w.answered}/${w.attempted} (${w.refused} refused, ${w.unserved} unserved), slowest ${w.worstAnswerMs} ms`,
    data: { ...summary },
  });
  return ctx.finish(0);
}

function count(attempts: readonly ConnectAttempt[]): ConnectCounts {
  const c: ConnectCounts = { attempted: attempts.length, answered: 0, refused: 0, unserved: 0, byPid: {}, worstAnswerMs: 0 };
  for (const a of attempts) {
    c[a.outcome] += 1;
    if (a.outcome === 'answered') {
      c.byPid[a.pid] = (c.byPid[a.pid] ?? 0) + 1;
      c.worstAnswerMs = Math.max(c.worstAnswerMs, a.endedAt - a.startedAt);
    }
  }
  return c;
}
