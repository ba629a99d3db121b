import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);

/** Thrown in the test when an agent's command failed; `code` is the error's code in the agent. */
export class AgentError extends Error {
  constructor(
    readonly code: string | null,
    message: string,
  ) {
    super(`${code ?? 'Error'}: ${message}`);
  }
}

/** A separate OS process running fixtures/server-agent.ts (through tsx, so it runs this package's sources), driven command by command. */
export class ServerAgent {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  #nextId = 1;
  readonly exited: Promise<void>;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const reply = JSON.parse(line) as { id: number; ok: boolean; value?: unknown; code?: string | null; message?: string };
      const waiter = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.value);
      else waiter?.reject(new AgentError(reply.code ?? null, reply.message ?? ''));
    });
    void this.exited.then(() => {
      for (const w of this.#pending.values()) w.reject(new Error('the server agent exited'));
      this.#pending.clear();
    });
  }

  static spawn(): ServerAgent {
    const script = join(import.meta.dirname, '../fixtures/server-agent.ts');
    const child = spawn(process.execPath, ['--import', require.resolve('tsx'), script], { stdio: ['pipe', 'pipe', 'inherit'] });
    return new ServerAgent(child);
  }

  call<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#child.stdin!.write(`${JSON.stringify({ id, op, args })}\n`);
    });
  }

  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }
}

/** What an agent's `status` says. */
export interface AgentStatus {
  pid: number;
  frozen: number;
  /** 'request' events of the http.Server. */
  requests: number;
  connections: number;
  adopted: number;
  adoptFailures: string[];
  errors: string[];
  wsClients: number | null;
  /** Connections whose ws receiver has a fragmented message open. */
  wsFragmented: number;
  wsConnections: Array<{ clientId: string; url: string | undefined; protocol: string; extensions: string; header: string | undefined; moved: boolean }>;
  serverConnections: number;
  serverClosed: boolean;
  /** Bytes of partial lines the line server holds, over its connections. */
  tcpPartialBytes: number;
}

/** What an agent's `move` / `moveFrozen` says. */
export interface MoveReport {
  moved: number;
  refused: string[];
  /** Bytes in the socket's buffer after detach: the read-ahead that travels. */
  readAheadBytes: number;
  /** Of which ws's receiver had taken from the socket without parsing them. */
  receiverBytes: number;
  failures: string[];
}
