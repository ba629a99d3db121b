import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { tsxNode } from './spawn-script.js';

/** Thrown in the test when an agent's command failed; `code` is the error code in the agent. */
export class AgentError extends Error {
  constructor(
    readonly code: string | null,
    message: string,
  ) {
    super(`${code ?? 'Error'}: ${message}`);
  }
}

/** A separate OS process running test/fixtures/switch-agent.ts, driven command by command. */
export class Agent {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  #nextId = 1;
  readonly exited: Promise<number | null>;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const reply = JSON.parse(line) as { id: number; ok: boolean; value?: unknown; code?: string | null; message?: string };
      const waiter = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.value);
      else waiter?.reject(new AgentError(reply.code ?? null, reply.message ?? ''));
    });
    void this.exited.then(() => {
      for (const w of this.#pending.values()) w.reject(new Error('the agent exited'));
      this.#pending.clear();
    });
  }

  static spawn(): Agent {
    const child = spawn(...tsxNode(join(import.meta.dirname, '../fixtures/switch-agent.ts')), { stdio: ['pipe', 'pipe', 'inherit'] });
    return new Agent(child);
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
