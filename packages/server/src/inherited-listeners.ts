/**
 * Listeners passed from a process to the one it starts, by inheritance, as tableflip and systemd's
 * socket activation do: each listening descriptor becomes one of the child's descriptors from 3 up,
 * and an environment variable names them (`SANSHARE_SERVER_LISTEN_FDS=http=3,admin=4`). systemd's
 * own protocol is read too (`LISTEN_PID`, `LISTEN_FDS`, `LISTEN_FDNAMES`), so that a server started
 * by socket activation takes its listeners by name.
 *
 * Inheritance is the first choice where it exists (no round trip); a successor that inherited nothing
 * gets its listeners through the switch instead (listener-transfer.ts). Connections never travel by
 * inheritance: they move through the switch (`socket-mover.ts`).
 */
import type { Server } from 'node:net';
import { ENV } from './constants.js';
import { ServerError } from './errors.js';

/** What a listener name may be: it travels in environment variables and control messages. */
const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** Throws `ERR_INVALID_ARGUMENT` unless `name` is 1 to 64 of `A-Z a-z 0-9 . _ -`. */
export function checkListenerName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new ServerError('ERR_INVALID_ARGUMENT', `listener name ${JSON.stringify(name)} is not valid: use 1 to 64 letters, digits, '.', '_' or '-'`);
  }
}

/** The listening descriptor of a listening `net.Server` (Node internals: `_handle.fd`). */
export function listeningDescriptor(server: Server): number {
  const fd = (server as unknown as { _handle?: { fd?: number } | null })._handle?.fd;
  if (!server.listening || typeof fd !== 'number' || fd < 0) {
    throw new ServerError('ERR_LISTENER', 'the server is not listening on a descriptor of its own (listen on a TCP port or a descriptor first)');
  }
  return fd;
}

/** The `stdio` entries and environment that pass `listeners` (name → descriptor) to a child, from descriptor `firstFd` on. */
export function inheritance(listeners: ReadonlyMap<string, number>, firstFd: number): { stdio: number[]; env: string } {
  const stdio: number[] = [];
  const pairs: string[] = [];
  for (const [name, fd] of listeners) {
    pairs.push(`${name}=${firstFd + stdio.length}`);
    stdio.push(fd);
  }
  return { stdio, env: pairs.join(',') };
}

/**
 * The listeners this process inherited, by name. Reads `SANSHARE_SERVER_LISTEN_FDS`, else systemd's
 * `LISTEN_FDS`/`LISTEN_FDNAMES` when `LISTEN_PID` is this process. Throws `ERR_INVALID_ARGUMENT` for a
 * malformed variable (a supervisor and this package out of step).
 */
export function readInheritedListeners(env: NodeJS.ProcessEnv = process.env): Map<string, number> {
  const out = new Map<string, number>();
  const own = env[ENV.listenFds];
  if (own !== undefined && own !== '') {
    for (const pair of own.split(',')) {
      const at = pair.lastIndexOf('=');
      const name = pair.slice(0, at);
      const fd = Number(pair.slice(at + 1));
      if (at < 1 || !NAME.test(name) || !Number.isInteger(fd) || fd < 3) {
        throw new ServerError('ERR_INVALID_ARGUMENT', `${ENV.listenFds} holds '${pair}', not name=fd (fd >= 3); the process that started this one set it wrong`);
      }
      out.set(name, fd);
    }
    return out;
  }
  // systemd socket activation (sd_listen_fds_with_names(3)): descriptors 3.. in LISTEN_FDNAMES order.
  if (env['LISTEN_PID'] === String(process.pid)) {
    const count = Number(env['LISTEN_FDS'] ?? '0');
    const names = (env['LISTEN_FDNAMES'] ?? '').split(':');
    for (let i = 0; Number.isInteger(count) && i < count; i++) {
      const name = names[i] !== undefined && NAME.test(names[i] as string) ? (names[i] as string) : `fd${3 + i}`;
      out.set(name, 3 + i);
    }
  }
  return out;
}
