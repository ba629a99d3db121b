/**
 * The steady connector (a process of its own): every `intervalMs` it opens a new TCP connection to
 * the server, sends one `GET /probe/<n>` with `Connection: close`, and counts the connect only when
 * a server process answers it (a whole response with an `x-pid`). A connect the kernel refuses is
 * `refused`; one that connects but is reset, closed, or not answered within `timeoutMs` is `unserved`.
 * Commands (bench-protocol.ts): `start`, `report` (the connects started in a window), `stop`.
 */
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { benchNow } from './bench-clock.js';
import type { BenchCommand, ProbeReport } from './bench-protocol.js';

interface Probe {
  readonly startedAt: number;
  outcome: 'pending' | 'served' | 'refused' | 'unserved';
  latencyMs: number;
  pid: number;
  why: string;
}

const say = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(event)}\n`);
const probes: Probe[] = [];
let timer: NodeJS.Timeout | undefined;
let sent = 0;

function probeOnce(port: number, timeoutMs: number): void {
  const probe: Probe = { startedAt: benchNow(), outcome: 'pending', latencyMs: 0, pid: 0, why: '' };
  probes.push(probe);
  const n = sent++;
  let answer = '';
  const socket = connect({ host: '127.0.0.1', port });
  const end = (outcome: Probe['outcome'], why = ''): void => {
    if (probe.outcome !== 'pending') return;
    clearTimeout(deadline);
    probe.outcome = outcome;
    probe.latencyMs = benchNow() - probe.startedAt;
    probe.why = why;
    socket.destroy();
  };
  const deadline = setTimeout(() => end('unserved', `no answer within ${timeoutMs} ms`), timeoutMs);
  socket.setEncoding('latin1');
  socket.on('connect', () => socket.write(`GET /probe/${n} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n`));
  socket.on('data', (chunk: string) => (answer += chunk));
  socket.on('end', () => {
    const pid = /\r\nx-pid: (\d+)\r\n/i.exec(answer);
    const length = /\r\ncontent-length: (\d+)\r\n/i.exec(answer);
    const body = answer.indexOf('\r\n\r\n');
    const whole = answer.startsWith('HTTP/1.1 200') && pid !== null && length !== null && body !== -1 && answer.length - body - 4 === Number(length[1]);
    if (whole) probe.pid = Number(pid[1]);
    end(whole ? 'served' : 'unserved', whole ? '' : `an incomplete answer (${answer.length} bytes)`);
  });
  socket.on('error', (error: NodeJS.ErrnoException) => end(error.code === 'ECONNREFUSED' ? 'refused' : 'unserved', error.code ?? error.message));
  socket.on('close', () => end('unserved', 'closed without an answer'));
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

function report(from: number, to: number): ProbeReport {
  const window = probes.filter((p) => p.startedAt >= from && p.startedAt <= to);
  const latencies = window.filter((p) => p.outcome === 'served').map((p) => p.latencyMs).sort((a, b) => a - b);
  const byPid: Record<string, number> = {};
  for (const p of window) if (p.outcome === 'served') byPid[p.pid] = (byPid[p.pid] ?? 0) + 1;
  const count = (outcome: Probe['outcome']): number => window.filter((p) => p.outcome === outcome).length;
  return {
    attempted: window.length,
    served: count('served'),
    refused: count('refused'),
    unserved: count('unserved'),
    pending: count('pending'),
    worstLatencyMs: latencies.at(-1) ?? 0,
    p50LatencyMs: percentile(latencies, 50),
    p99LatencyMs: percentile(latencies, 99),
    byPid,
    failures: window.filter((p) => p.outcome === 'refused' || p.outcome === 'unserved').slice(0, 5).map((p) => `${p.outcome}: ${p.why}`),
  };
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as BenchCommand;
  switch (command.cmd) {
    case 'start':
      clearInterval(timer);
      timer = setInterval(() => probeOnce(command.port, command.timeoutMs), command.intervalMs);
      say({ id: command.id, ev: 'started' });
      break;
    case 'report':
      say({ id: command.id, ev: 'report', report: report(command.from, command.to) });
      break;
    case 'stop':
      clearInterval(timer);
      say({ id: command.id, ev: 'stopped' });
      process.exit(0);
      break;
    default:
      say({ id: command.id, ev: 'error', message: `unknown command ${command.cmd}` });
  }
});
say({ ev: 'up' });
