#!/usr/bin/env node
/**
 * `sanshare-server`: the package's command line.
 *
 *   sanshare-server supervise [--listen name=[host:]port]... [--runtime-dir dir] -- command [args...]
 *
 * Runs `command` as the first generation of a server and keeps running: SIGHUP starts a successor
 * (the generations hand over live connections through @sanshare/server's restarter), a generation that
 * dies is replaced, SIGTERM/SIGINT/SIGQUIT stop every generation, SIGUSR1/SIGUSR2 are forwarded.
 */
import { ServerError, isServerError } from './errors.js';
import { parseListen, supervise, type SupervisedListener } from './supervisor.js';

const USAGE = 'usage: sanshare-server supervise [--listen name=[host:]port]... [--runtime-dir dir] -- command [args...]';

function parse(argv: readonly string[]): { listeners: SupervisedListener[]; runtimeDir: string | undefined; command: string; args: string[] } {
  if (argv[0] !== 'supervise') throw new ServerError('ERR_INVALID_ARGUMENT', `unknown command ${JSON.stringify(argv[0] ?? '')}; ${USAGE}`);
  const listeners: SupervisedListener[] = [];
  let runtimeDir: string | undefined;
  let i = 1;
  for (; i < argv.length && argv[i] !== '--'; i++) {
    const arg = argv[i] as string;
    const value = argv[i + 1];
    if (arg === '--listen' && value !== undefined) listeners.push(parseListen(value));
    else if (arg === '--runtime-dir' && value !== undefined) runtimeDir = value;
    else throw new ServerError('ERR_INVALID_ARGUMENT', `unknown option ${arg}; ${USAGE}`);
    i++;
  }
  const [command, ...args] = argv.slice(i + 1);
  if (command === undefined) throw new ServerError('ERR_INVALID_ARGUMENT', `no command after --; ${USAGE}`);
  return { listeners, runtimeDir, command, args };
}

try {
  const { listeners, runtimeDir, command, args } = parse(process.argv.slice(2));
  const supervisor = await supervise({ command, args, listeners, ...(runtimeDir === undefined ? {} : { runtimeDir }) });
  for (const [name, port] of supervisor.ports) process.stderr.write(`sanshare-server: listener ${name} on port ${port}\n`);
  process.exitCode = await supervisor.stopped;
} catch (error) {
  process.stderr.write(`sanshare-server: ${isServerError(error) ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
