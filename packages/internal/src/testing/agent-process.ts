/**
 * A test agent: a separate OS process that reads one JSON command per line on stdin
 * (`{ id, op, args }`) and answers one JSON line per command on stdout (`{ id, ok, value }`, or
 * `{ id, ok: false, code, message }`). The switch's and the server's tests drive their agents
 * through it; each package keeps its own agent script and spawns it its own way.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Thrown in the test when an agent's command failed; `code` is the error's code in the agent. */
export class AgentError extends Error {
  constructor(
    readonly code: string | null,
    message: string,
  ) {
    super(`${code ?? 'Error'}: ${message}`);
  }
}

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  code?: string | null;
  message?: string;
}

/** Commands to one agent process, and its end. */
export class AgentProcess {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  #nextId = 1;
  /** The exit code (null when a signal ended it), once the process is gone. */
  readonly exited: Promise<number | null>;

  /** `child` must have piped stdin and stdout. */
  constructor(child: ChildProcess) {
    this.#child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const reply = JSON.parse(line) as Reply;
      const waiter = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.value);
      else waiter?.reject(new AgentError(reply.code ?? null, reply.message ?? ''));
    });
    void this.exited.then(() => {
      for (const w of this.#pending.values()) w.reject(new Error(`the agent (pid ${String(child.pid)}) exited`));
      this.#pending.clear();
    });
  }

  get pid(): number {
    return this.#child.pid as number;
  }

  call<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#child.stdin!.write(`${JSON.stringify({ id, op, args })}\n`);
    });
  }

  /** The error code a command fails with (the test expects it to fail). */
  async failure(op: string, args: Record<string, unknown> = {}): Promise<string | null> {
    try {
      await this.call(op, args);
    } catch (error) {
      if (error instanceof AgentError) return error.code;
      throw error;
    }
    throw new Error(`${op} was expected to fail but succeeded`);
  }

  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }
}
