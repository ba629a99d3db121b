/**
 * Restart a Node server, or spread it over worker processes, without dropping a connection: the
 * listener and every live HTTP keep-alive, WebSocket and TCP connection move to the successor or to a
 * worker, as kernel sockets (nothing is proxied), each at a safe point with what was read ahead.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createRestarter } from '@sanshare/server';
 *
 * const restarter = await createRestarter({ upgradeSignal: 'SIGHUP' });
 * const server = createServer((req, res) => res.end('hello'));
 * await restarter.listen('http', server, { port: 8080 }); // the previous generation's socket, if any
 * restarter.attach(server); // its keep-alive connections move at each restart
 * await restarter.ready();
 * restarter.exited.then(() => process.exit(0)); // after a restart handed everything over
 * ```
 *
 * @packageDocumentation
 */
export { TESTED_VERSIONS } from './constants.js';
export { ServerError, isServerError, SERVER_ERRORS } from './errors.js';
export type { ServerErrorCode } from './errors.js';
export { createRestarter } from './restart.js';
export type { Restarter, RestarterOptions, RestartReport, TakeoverReport, AttachOptions, SuccessorCommand } from './restart.js';
export type { RestartProgress, RestartPhase } from './restart-progress.js';
export { formatProgressLine } from './restart-progress.js';
export type { ProviderSettings } from './start-switch.js';
export { systemdNotifier, formatNotifyState } from './notifier.js';
export type { ReadinessNotifier, DatagramSender, NotifyState } from './notifier.js';
export { createWorkerPool, serveWorker, isWorker } from './workers.js';
export type { WorkerPool, WorkerPoolOptions, WorkerInfo, WorkerMoveReport, ServeWorkerOptions, PoolWorker } from './workers.js';
export {
  createHttpAdapter,
  prepareServer,
  createWsAdapter,
  createTcpAdapter,
  UNMOVABLE,
  unmovableCode,
  connectionKindOf,
  MAX_STATE_BYTES,
} from './adapters/index.js';
export type {
  ConnectionAdapter,
  FreezeResult,
  HttpAdapter,
  WsAdapter,
  WsAdapterOptions,
  WebSocketLike,
  WebSocketServerLike,
  TcpAdapter,
  TcpAdapterOptions,
  UnmovableCode,
} from './adapters/index.js';
export type { Attachable } from './adapter-for.js';
