/**
 * One client connection of `restart` and `workers`: it opens one TCP connection to the server, then
 * sends a request, checks its answer, waits, and sends the next, until stopped. It notices a move only
 * if something goes wrong: a wrong or missing answer, a reset, a close. Like a real client it then
 * opens a new connection and goes on, and that is counted (`connects` above 1: a reconnect).
 */
export interface LoadConnection {
  readonly index: number;
  /** Answers received and checked. */
  readonly answers: number;
  /** TCP connections it opened: 1 when the server never dropped it. */
  readonly connects: number;
  /** What went wrong, in order (at most `MAX_KEPT_FAILURES` kept; `failureCount` counts them all). */
  readonly failures: readonly string[];
  readonly failureCount: number;
  /** The pid of the process that wrote the last answer (0 for a raw echo, which cannot say). */
  readonly lastPid: number;
  /** The slowest answer, from its request, in ms. */
  readonly worstAnswerMs: number;
  /** Answers from the processes `pid` matches, in all (pid 0 for a raw echo's answers). */
  answersFrom(match: (pid: number) => boolean): number;
  /** Answers per pid. */
  readonly byPid: ReadonlyMap<number, number>;
  /** Connects, gets its first answer, and starts streaming; rejects when the first exchange fails. */
  open(): Promise<void>;
  /** Stops sending, waits for the answer in flight, closes the connection gracefully. */
  stop(): Promise<void>;
}

/** Where a connection goes, and how it paces its requests. */
export interface LoadTarget {
  host: string;
  port: number;
  /** Pause between an answer and the next request, in ms (each pause is this ±25 %). */
  intervalMs: number;
  /** Called with each failure as it happens (the process traces the first few). */
  onFailure?: (connection: LoadConnection, message: string) => void;
}

/** Failure messages a connection keeps. */
export const MAX_KEPT_FAILURES = 5;

/**
 * The loop every protocol shares: `exchange(seq)` sends request `seq` and resolves with the pid that
 * answered it once the answer checked out (0 when the protocol cannot say), or rejects saying what was
 * wrong. `connect` opens a new TCP connection (at the start, and again after a drop).
 */
export abstract class StreamingConnection implements LoadConnection {
  answers = 0;
  connects = 0;
  failureCount = 0;
  lastPid = 0;
  worstAnswerMs = 0;
  readonly failures: string[] = [];
  readonly byPid = new Map<number, number>();
  protected stopping = false;
  private seq = 0;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    readonly index: number,
    protected readonly target: LoadTarget,
  ) {}

  protected abstract exchange(seq: number): Promise<number>;
  protected abstract closeConnection(): Promise<void>;

  answersFrom(match: (pid: number) => boolean): number {
    let n = 0;
    for (const [pid, count] of this.byPid) if (match(pid)) n += count;
    return n;
  }

  async open(): Promise<void> {
    await this.next();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    await this.closeConnection();
  }

  /** Records a failure (a wrong answer, a drop, an error). */
  protected fail(message: string): void {
    this.failureCount += 1;
    if (this.failures.length < MAX_KEPT_FAILURES) this.failures.push(message);
    this.target.onFailure?.(this, message);
  }

  private async next(): Promise<void> {
    const seq = this.seq;
    this.seq += 1;
    const started = performance.now();
    const pid = await this.exchange(seq);
    this.worstAnswerMs = Math.max(this.worstAnswerMs, performance.now() - started);
    this.answers += 1;
    this.lastPid = pid;
    this.byPid.set(pid, (this.byPid.get(pid) ?? 0) + 1);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const pause = this.target.intervalMs * (0.75 + Math.random() * 0.5);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
      if (this.stopping) return;
      try {
        await this.next();
      } catch (error) {
        this.fail(`request ${this.seq - 1}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
