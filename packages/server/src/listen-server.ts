import type { ListenOptions, Server } from 'node:net';
import { ServerError, firstLine } from './errors.js';

/**
 * `server.listen(options)` (or `listen({ fd })`, a descriptor that listens already) as a promise:
 * resolves on `'listening'`, rejects with `ERR_LISTENER` on `'error'`, and with `ERR_INVALID_ARGUMENT`
 * when `listen` refuses at once (a port out of range, a server that listens already). Either way no
 * listener of its own stays on `server`: a stale `'error'` one would swallow the server's next error.
 */
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
    try {
      server.listen(options);
    } catch (error) {
      server.off('error', onError);
      server.off('listening', onListening);
      reject(new ServerError('ERR_INVALID_ARGUMENT', `${what}: listen refused: ${firstLine(error)}`, { cause: error }));
    }
  });
}
