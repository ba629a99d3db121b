import { parseArgs } from 'node:util';
import { serveWorker } from '@sanshare/server';
import { DESCRIPTOR_MARGIN, DRAIN_TIMEOUT_MS } from '../constants.js';
import { createAppServer } from '../load/app-server.js';
import { isProtocol } from '../load/protocol.js';
import { RoleContext } from '../roles/role-context.js';
import { ensureDescriptors } from '../util/descriptor-limit.js';

/**
 * A worker of `workers` mode, started by the controller's pool: it serves the server of `--protocol`
 * (the same as `restart`'s) on the connections the pool hands it, each arriving as a normal
 * `'connection'`, and those other workers move to it. It stops on SIGTERM (the pool closing) or when
 * the controller goes away. Its stdin is the controller's: it never reads it.
 */
export async function runWorker(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...argv], strict: true, options: { protocol: { type: 'string' }, connections: { type: 'string' } } });
  const ctx = new RoleContext('worker', null);
  const { trace } = ctx;
  const protocol = values.protocol;
  if (!isProtocol(protocol)) throw new Error(`--protocol must be http, ws or tcp, got ${String(protocol)}`);
  const connections = Number(values.connections ?? '0');
  ensureDescriptors(connections + DESCRIPTOR_MARGIN, `a worker that may hold all ${connections} connections`);
  const stopped = new Promise<string>((resolve) => process.once('SIGTERM', () => resolve('SIGTERM (the pool closes)')));
  const app = createAppServer(protocol);
  const worker = await serveWorker(app.server, { adapters: app.attachables.map((a) => a.target), drainTimeoutMs: DRAIN_TIMEOUT_MS });
  trace.info(`worker serving ${protocol} connections handed to it by the pool`);
  const why = await Promise.race([stopped, worker.disconnected.then(() => 'the controller went away')]);
  const served = app.served();
  await worker.close();
  const left = await app.close();
  trace.info(`stopping: ${why}; served ${served} connection(s), ${left} still open`, { served, leftOpen: left });
  return ctx.finish(0, { served, leftOpen: left });
}
