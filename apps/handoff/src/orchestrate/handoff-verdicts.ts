import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TraceEvent } from '../trace/trace-event.js';
import type { PeerConnectionReport } from '../peer/run-peer.js';
import type { Verdict } from './verdict.js';
import { RECORDS_PER_PHASE } from '../constants.js';

/** What the hand-off's checks look at. */
export interface HandoffEvidence {
  /** Every event of the run (all processes), in arrival order. */
  events: readonly TraceEvent[];
  /** The run's temp dir, holding each process's byte logs. */
  dir: string;
  /** The peer's report of each connection it accepted (from its `exit` event). */
  connections: readonly PeerConnectionReport[] | undefined;
}

/**
 * The hand-off's verdicts, each a fact a reader can check in the trace:
 * all 17 steps ran; the peer accepted exactly one connection; steps 1, 8 and 14 saw the same kernel
 * socket; every byte arrived once and in order in both directions; the records the destination sent
 * before its close (step 12) were echoed to the source, and the connection went on; the final close was
 * graceful.
 */
export function handoffVerdicts(evidence: HandoffEvidence): Verdict[] {
  const { events, dir } = evidence;
  const verdicts: Verdict[] = [];
  const steps = events.filter((e) => e.kind === 'step' && e.role !== 'app');
  const stepNumbers = new Set(steps.map((e) => e.step));
  const missing = Array.from({ length: 17 }, (_, i) => i + 1).filter((n) => !stepNumbers.has(n));
  verdicts.push({
    name: 'all-steps',
    ok: missing.length === 0,
    detail: missing.length === 0 ? 'all 17 steps of the table ran' : `steps not reached: ${missing.join(', ')}`,
  });

  const connections = evidence.connections;
  verdicts.push({
    name: 'one-connection',
    ok: connections?.length === 1,
    detail:
      connections === undefined
        ? 'the peer did not report its connections'
        : `the peer accepted ${connections.length} connection(s) for the whole run${connections[0] ? ` (${connections[0].remote} > ${connections[0].local})` : ''}`,
  });

  const stepEvent = (step: number): TraceEvent | undefined => steps.find((e) => e.step === step);
  const identities = [1, 8, 14].map((n) => stepEvent(n)?.socket);
  const cookies = identities.map((v) => v?.cookie);
  const pairs = identities.map((v) => (v ? `${v.local ?? '?'} > ${v.remote ?? '?'}` : undefined));
  const sameCookie = cookies.every((c) => c !== undefined && c === cookies[0]);
  const samePair = pairs.every((p) => p !== undefined && p === pairs[0]);
  verdicts.push({
    name: 'same-socket',
    ok: sameCookie && samePair,
    detail: `SO_COOKIE at steps 1, 8, 14: ${cookies.map((c) => c ?? '?').join(', ')}; addresses: ${pairs[0] ?? '?'}${samePair ? ' each time' : ` / ${pairs.slice(1).map((p) => p ?? '?').join(' / ')}`}`,
  });

  verdicts.push(bytesVerdict(dir, connections?.length === 1));

  const peer = connections?.[0];
  verdicts.push(destinationCloseVerdict(steps, events, peer));

  verdicts.push({
    name: 'graceful-close',
    ok: peer !== undefined && peer.fin && !peer.reset && peer.error === null && stepNumbers.has(17),
    detail:
      peer === undefined
        ? 'no connection reported by the peer'
        : `the peer saw ${peer.fin ? 'a FIN' : 'no FIN'} and ${peer.reset ? `a reset (${peer.error ?? 'RST'})` : 'no RST'}${peer.error && !peer.reset ? ` (error ${peer.error})` : ''}`,
  });
  return verdicts;
}

/**
 * The destination's `closesocket` (step 12) closed its descriptor and nothing else. Checked with the
 * records the destination sent before it: the last batch (`echoesLeft` of step 9) went out without the
 * destination reading its echoes, so the source must have received every one of those echoes on the
 * connection after taking the socket back (its `source-2` ranges, each number once and in order: the
 * record reader refuses gaps and repeats); and the connection went on carrying the source's own records,
 * each echoed, with no reset seen by the peer.
 */
function destinationCloseVerdict(steps: readonly TraceEvent[], events: readonly TraceEvent[], peer: PeerConnectionReport | undefined): Verdict {
  const name = 'destination-close-kept-connection';
  if (!steps.some((e) => e.step === 12)) return { name, ok: false, detail: 'the destination never reached step 12' };
  const left = asRange(steps.find((e) => e.step === 9 && e.role === 'destination')?.data?.echoesLeft);
  const phase2 = events.find((e) => e.kind === 'data' && e.role === 'source' && e.data?.phase === 'source-2')?.data;
  const ranges = (phase2?.ranges ?? {}) as Record<string, { first: number; last: number; count: number } | undefined>;
  if (left === undefined) return { name, ok: false, detail: 'the destination did not report the records whose echoes it left (step 9)' };
  if (phase2 === undefined) return { name, ok: false, detail: 'the source did not exchange records after taking the socket back' };
  const inherited = ranges[left.tag];
  const inheritedOk = inherited !== undefined && inherited.first === left.first && inherited.count === left.count;
  const own = ranges.f;
  const ownOk = own !== undefined && own.first === 0 && own.count === RECORDS_PER_PHASE;
  const reset = peer === undefined || peer.reset;
  const leftNames = `${left.tag}${left.first}..${left.tag}${left.first + left.count - 1}`;
  return {
    name,
    ok: inheritedOk && ownOk && !reset,
    detail:
      `the destination sent ${leftNames} before its closesocket (step 12) without reading their echoes; the source received ` +
      `${inherited === undefined ? 'none of them' : `${left.tag}${inherited.first}..${left.tag}${inherited.last} (${inherited.count} of ${left.count})`} after taking the socket back, ` +
      `then sent f0..f${RECORDS_PER_PHASE - 1} and got ${own === undefined ? 'no echo' : `${own.count} of ${RECORDS_PER_PHASE} echoed`}; ` +
      `the peer saw ${peer === undefined ? 'no connection' : reset ? 'a reset' : 'no reset'}`,
  };
}

function asRange(value: unknown): { tag: string; first: number; count: number } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { tag, first, count } = value as Record<string, unknown>;
  return typeof tag === 'string' && typeof first === 'number' && typeof count === 'number' ? { tag, first, count } : undefined;
}

/**
 * Compares, byte for byte, what the peer sent with what source (before), destination and source
 * (after) received, in that order, and the other way round.
 */
function bytesVerdict(dir: string, oneConnection: boolean): Verdict {
  const read = (name: string): Buffer | undefined => (existsSync(join(dir, name)) ? readFileSync(join(dir, name)) : undefined);
  const peerSent = read('peer-0-sent.bin');
  const peerRecv = read('peer-0-recv.bin');
  const parts = ['source-1', 'destination', 'source-2'];
  const received = parts.map((p) => read(`${p}-recv.bin`));
  const sent = parts.map((p) => read(`${p}-sent.bin`));
  if (!oneConnection || peerSent === undefined || peerRecv === undefined || received.includes(undefined) || sent.includes(undefined)) {
    return { name: 'bytes-in-order', ok: false, detail: 'the byte logs of the run are incomplete (a process did not finish its part)' };
  }
  const down = Buffer.concat(received as Buffer[]);
  const up = Buffer.concat(sent as Buffer[]);
  const downOk = down.equals(peerSent);
  const upOk = up.equals(peerRecv);
  const sizes = (list: (Buffer | undefined)[]): string => list.map((b) => b?.length ?? 0).join(' + ');
  return {
    name: 'bytes-in-order',
    ok: downOk && upOk,
    detail:
      `peer > app: ${peerSent.length} bytes sent, ${sizes(received)} received by source, destination, source: ${downOk ? 'identical' : `DIFFERENT at byte ${firstDifference(down, peerSent)}`}; ` +
      `app > peer: ${sizes(sent)} sent, ${peerRecv.length} received: ${upOk ? 'identical' : `DIFFERENT at byte ${firstDifference(up, peerRecv)}`}`,
  };
}

function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) if (a[i] !== b[i]) return i;
  return n;
}
