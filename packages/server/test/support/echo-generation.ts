import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineClient } from './line-client.js';
import { ServerProcess, until, type FixtureEvent } from './server-process.js';

/** The restartable line-echo server of the lifecycle tests (its failure switches are in its header). */
export const ECHO_SERVER = fileURLToPath(new URL('../fixtures/echo-server.ts', import.meta.url));

/** Generation 1 of the echo server, serving `clients` line clients. */
export interface EchoGeneration {
  readonly server: ServerProcess;
  readonly ready: FixtureEvent;
  readonly pid: number;
  readonly port: number;
}

/**
 * Starts the echo server's generation 1 (runtime directory `<dir>/run`, `READY_MS` 8,000 unless `env`
 * says otherwise, then `env`) and `count` line clients, and waits until each was answered three times.
 * The process goes into `servers` and the clients into `clients`, for the test's afterEach to end
 * even when this fails midway.
 */
export async function startEchoWithClients(options: {
  readonly dir: string;
  readonly env?: Record<string, string>;
  readonly count: number;
  readonly servers: ServerProcess[];
  readonly clients: LineClient[];
}): Promise<EchoGeneration> {
  const server = new ServerProcess(ECHO_SERVER, { RUNTIME_DIR: join(options.dir, 'run'), READY_MS: '8000', ...options.env });
  options.servers.push(server);
  const ready = await server.waitFor('generation 1 ready', (e) => e.ev === 'ready' && e['generation'] === 1);
  const port = ready['port'] as number;
  const mine: LineClient[] = [];
  for (let i = 0; i < options.count; i++) mine.push(new LineClient(port));
  options.clients.push(...mine);
  await until('every client answered', () => mine.every((c) => c.answered >= 3));
  return { server, ready, pid: ready.pid, port };
}
