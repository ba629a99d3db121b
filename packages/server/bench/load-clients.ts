/**
 * A process of load clients: `open` makes `http` keep-alive clients (one undici Client each, one TCP
 * connection, pipelining 1) and `ws` clients (one ws WebSocket each), every one served once before
 * the next batch opens; then each client sends one request or one numbered message every
 * `intervalMs` (a random phase each, never two in flight on an HTTP client, at most 10 unanswered on
 * a WebSocket). A client records the first answer it gets from each server pid, the TCP connections
 * it opens, failed requests, WebSocket closes and answers out of order. With `reconnect`, a closed
 * WebSocket opens again after RECONNECT_DELAY_MS (what a client library does), numbering afresh.
 * Commands (bench-protocol.ts): `open`, `status`, `stop`.
 */
import { createInterface } from 'node:readline';
import { Client } from 'undici';
import { WebSocket } from 'ws';
import { benchNow, cpuMs } from './bench-clock.js';
import type { BenchCommand, ClientSummary } from './bench-protocol.js';

/** Clients opened at once. */
const OPEN_CONCURRENCY = 100;
/** A WebSocket client's pause before it opens again after a close. */
const RECONNECT_DELAY_MS = 250;
/** Unanswered messages a WebSocket client lets pile up before it skips a turn. */
const MAX_UNANSWERED = 10;
const MAX_KEPT_FAILURES = 5;

const say = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(event)}\n`);
const failures: string[] = [];
function fail(message: string): void {
  if (failures.length < MAX_KEPT_FAILURES) failures.push(message);
}

/** What every client records. */
abstract class LoadClient {
  /** TCP connections opened. */
  connects = 0;
  readonly firstAnswer = new Map<number, number>();
  timer: NodeJS.Timeout | undefined;
  stopped = false;

  answeredBy(pid: number): void {
    if (!this.firstAnswer.has(pid)) this.firstAnswer.set(pid, benchNow());
  }

  /** The connection ended for good (nothing reopens it). */
  get gone(): boolean {
    return false;
  }

  /** Sends one request or message now (if the client may). */
  abstract tick(): void;
  /** Opens the connection and resolves after the first answer (rejects if it failed). */
  abstract open(): Promise<void>;
  abstract close(): void;

  start(intervalMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = setInterval(() => this.tick(), intervalMs);
      this.tick();
    }, Math.random() * intervalMs);
  }
}

class HttpLoadClient extends LoadClient {
  readonly client: Client;
  responses = 0;
  failed = 0;
  #busy = false;
  #next = 0;

  constructor(
    origin: string,
    readonly name: string,
  ) {
    super();
    this.client = new Client(origin, { pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 });
    this.client.on('connect', () => this.connects++);
  }

  override tick(): void {
    if (!this.#busy && !this.stopped) void this.#request();
  }

  override async open(): Promise<void> {
    await this.#request();
    if (this.responses === 0) throw new Error(`${this.name}: the first request failed`);
  }

  override close(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.timer);
    void this.client.destroy().catch(() => undefined);
  }

  async #request(): Promise<void> {
    this.#busy = true;
    const path = `/c/${this.name}/${this.#next++}`;
    try {
      const res = await this.client.request({ path, method: 'GET' });
      const text = await res.body.text();
      const pid = Number(res.headers['x-pid']);
      if (res.statusCode !== 200 || text !== `${pid} ${path}`) {
        this.failed++;
        fail(`${this.name}: ${res.statusCode} "${text.slice(0, 80)}" for ${path}`);
      } else {
        this.responses++;
        this.answeredBy(pid);
      }
    } catch (error) {
      if (!this.stopped) {
        this.failed++;
        fail(`${this.name}: ${path}: ${(error as Error).message}`);
      }
    } finally {
      this.#busy = false;
    }
  }
}

class WsLoadClient extends LoadClient {
  ws: WebSocket | undefined;
  answers = 0;
  closes = 0;
  orderErrors = 0;
  #sent = 0;
  #serverNext = 0;
  #echoNext = 0;
  #firstAnswer: (() => void) | undefined;

  constructor(
    readonly url: string,
    readonly name: string,
    readonly reconnect: boolean,
  ) {
    super();
  }

  override get gone(): boolean {
    return !this.reconnect && this.closes > 0;
  }

  override open(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#firstAnswer = resolve;
      this.#connect(reject);
    });
  }

  override tick(): void {
    const ws = this.ws;
    if (this.stopped || ws === undefined || ws.readyState !== WebSocket.OPEN || this.#sent - this.#echoNext >= MAX_UNANSWERED) return;
    const message = Buffer.alloc(8);
    message.writeUInt32BE(this.#sent++, 0);
    ws.send(message);
  }

  override close(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.timer);
    this.ws?.terminate();
  }

  #connect(reject?: (error: Error) => void): void {
    const ws = new WebSocket(this.url, { perMessageDeflate: false, headers: { 'x-client-id': this.name } });
    this.ws = ws;
    ws.on('upgrade', () => this.connects++);
    ws.on('open', () => {
      this.#sent = this.#serverNext = this.#echoNext = 0;
      this.tick();
    });
    ws.on('message', (data: Buffer) => this.#onAnswer(data));
    ws.on('error', (error) => {
      if (!this.stopped) fail(`${this.name}: ${error.message}`);
      reject?.(error);
    });
    ws.on('close', (code) => {
      if (this.stopped) return;
      this.closes++;
      fail(`${this.name}: closed (${code})`);
      if (this.reconnect) setTimeout(() => !this.stopped && this.#connect(), RECONNECT_DELAY_MS);
    });
  }

  #onAnswer(data: Buffer): void {
    if (data.length !== 12) {
      this.orderErrors++;
      return;
    }
    const serverSeq = data.readUInt32BE(0);
    const echo = data.readUInt32BE(4);
    const pid = data.readUInt32BE(8);
    if (serverSeq !== this.#serverNext || echo !== this.#echoNext) {
      this.orderErrors++;
      fail(`${this.name}: got server message ${serverSeq} echoing ${echo}, expected ${this.#serverNext} echoing ${this.#echoNext}`);
    }
    this.#serverNext = serverSeq + 1;
    this.#echoNext = echo + 1;
    this.answers++;
    this.answeredBy(pid);
    const first = this.#firstAnswer;
    this.#firstAnswer = undefined;
    first?.();
  }
}

const clients: LoadClient[] = [];

async function openAll(command: Extract<BenchCommand, { cmd: 'open' }>): Promise<number> {
  const made: LoadClient[] = [];
  for (let i = 0; i < command.http; i++) made.push(new HttpLoadClient(`http://127.0.0.1:${command.port}`, `${command.name}h${i}`));
  for (let i = 0; i < command.ws; i++) made.push(new WsLoadClient(`ws://127.0.0.1:${command.port}/ws/${command.name}w${i}`, `${command.name}w${i}`, command.reconnect));
  let failed = 0;
  let next = 0;
  let lastReport = performance.now();
  const worker = async (): Promise<void> => {
    while (next < made.length) {
      const client = made[next++] as LoadClient;
      try {
        await client.open();
        clients.push(client);
        client.start(command.intervalMs);
      } catch (error) {
        failed++;
        fail(`open: ${(error as Error).message}`);
        client.close();
      }
      if (performance.now() - lastReport >= 1_000) {
        lastReport = performance.now();
        say({ ev: 'opening', open: clients.length, of: made.length });
      }
    }
  };
  await Promise.all(Array.from({ length: OPEN_CONCURRENCY }, worker));
  return failed;
}

function summary(): ClientSummary {
  const servedBy: Record<string, { clients: number; gone: number; firstAtMin: number; firstAtMax: number }> = {};
  let gone = 0;
  let responses = 0;
  let wsAnswers = 0;
  let failedRequests = 0;
  let wsCloses = 0;
  let reconnects = 0;
  let clientsReconnected = 0;
  let orderErrors = 0;
  let http = 0;
  for (const c of clients) {
    for (const [pid, at] of c.firstAnswer) {
      const s = (servedBy[pid] ??= { clients: 0, gone: 0, firstAtMin: Infinity, firstAtMax: 0 });
      s.clients++;
      if (c.gone) s.gone++;
      s.firstAtMin = Math.min(s.firstAtMin, at);
      s.firstAtMax = Math.max(s.firstAtMax, at);
    }
    if (c.gone) gone++;
    if (c.connects > 1) {
      reconnects += c.connects - 1;
      clientsReconnected++;
    }
    if (c instanceof HttpLoadClient) {
      http++;
      responses += c.responses;
      failedRequests += c.failed;
    } else if (c instanceof WsLoadClient) {
      wsAnswers += c.answers;
      wsCloses += c.closes;
      orderErrors += c.orderErrors;
    }
  }
  return { connections: clients.length, http, ws: clients.length - http, responses, wsAnswers, failedRequests, wsCloses, reconnects, clientsReconnected, gone, orderErrors, servedBy, failures, cpuMs: cpuMs() };
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as BenchCommand;
  switch (command.cmd) {
    case 'open':
      void openAll(command).then((failed) => say({ id: command.id, ev: 'opened', open: clients.length, failed, failures }));
      break;
    case 'status':
      say({ id: command.id, ev: 'status', summary: summary() });
      break;
    case 'stop': {
      for (const c of clients) {
        c.stopped = true;
        clearTimeout(c.timer);
        clearInterval(c.timer);
      }
      const final = summary();
      for (const c of clients) c.close();
      say({ id: command.id, ev: 'stopped', summary: final });
      process.exit(0);
      break;
    }
    default:
      say({ id: command.id, ev: 'error', message: `unknown command ${command.cmd}` });
  }
});
say({ ev: 'up' });
