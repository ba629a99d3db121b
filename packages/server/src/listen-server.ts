import type { ListenOptions, Server } from 'node:net';
import { ServerError, firstLine } from './errors.js';

/** `server.listen(options)` (or `listen({ fd })`, a descriptor that listens already) as a promise: resolves on `'listening'`, rejects with `ERR_LISTENER` on `'error'`. */
export function listenServer(server: Server, options: ListenOptions | { fd: number }, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(new ServerError('ERR_LISTENER', `${what}: listen failed: ${firstLine(error)}`, { cause: error }));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    if ('fd' in options) server.listen(options);
    else server.listen(options);
  });
}
