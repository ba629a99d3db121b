import { Client } from 'undici';

/**
 * One undici Client (one keep-alive TCP connection, `pipelining` requests in flight on it) sending
 * GETs and POSTs (bodies up to 150 KB) in a loop to the test app, checking each answer against its
 * own request and counting, per server pid, the answers, and the TCP connections it opened.
 */
export class HttpLoadClient {
  readonly client: Client;
  connects = 0;
  readonly failures: string[] = [];
  readonly byPid = new Map<number, number>();
  /** Responses that said `connection: close`. */
  closeHeaders = 0;
  #stopped = false;
  #next = 0;
  #workers: Promise<void>[] = [];

  constructor(
    origin: string,
    readonly pipelining: number,
    readonly index: number,
  ) {
    this.client = new Client(origin, { pipelining, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000 });
    this.client.on('connect', () => this.connects++);
  }

  /** Starts the loop: as many requests in flight as the pipelining depth allows, and a few more queued. */
  run(): void {
    const inFlight = this.pipelining === 1 ? 1 : this.pipelining + 4;
    for (let w = 0; w < inFlight; w++) this.#workers.push(this.#worker());
  }

  served(pid: number): number {
    return this.byPid.get(pid) ?? 0;
  }

  /** Ends the loop and closes the client (again: a no-op). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.all(this.#workers);
    await this.client.close();
  }

  async #worker(): Promise<void> {
    while (!this.#stopped) {
      const id = this.#next++;
      const post = id % 5 === 4;
      const bodyLength = post ? (id * 7919) % 150_000 : 0;
      const path = `/r/${this.index}/${id}?delay=${id % 4}`;
      try {
        const res = await this.client.request({ path, method: post ? 'POST' : 'GET', ...(post ? { body: Buffer.alloc(bodyLength, 0x61) } : {}) });
        const text = await res.body.text();
        const pid = Number(res.headers['x-pid']);
        const expected = `${pid} ${post ? 'POST' : 'GET'} ${path} ${bodyLength}`;
        if (res.statusCode !== 200 || text !== expected) this.failures.push(`request ${id}: ${res.statusCode} "${text}", expected "${expected}"`);
        if (res.headers['connection'] === 'close') this.closeHeaders++;
        this.byPid.set(pid, (this.byPid.get(pid) ?? 0) + 1);
      } catch (error) {
        this.failures.push(`request ${id}: ${(error as Error).message}`);
        // Yield after a failure: a client that spins on failing requests starves the loop.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }
}
