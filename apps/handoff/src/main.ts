#!/usr/bin/env node
/**
 * sanshare-handoff: the sample app. The user runs the commands of `--help`; the app starts its own
 * processes by running this same file with an internal role as the first argument (`peer`, `source`,
 * `destination`, `controller`, `worker`, `server`). Roles are loaded on demand so that, say, the
 * remote peer (plain TCP) never loads sanshare at all.
 */
import { parseCli, type CliCommand } from './cli/parse-cli.js';
import { USAGE } from './cli/usage.js';
import { isUsageError } from './cli/usage-error.js';
import { createTracePrinter } from './trace/trace-printer.js';
import { toTraceError } from './trace/trace-writer.js';

const ROLES: Record<string, () => Promise<(argv: readonly string[]) => Promise<number>>> = {
  peer: async () => (await import('./peer/run-peer.js')).runPeer,
  source: async () => (await import('./roles/run-source.js')).runSource,
  destination: async () => (await import('./roles/run-destination.js')).runDestination,
  controller: async () => (await import('./workers/run-controller.js')).runController,
  worker: async () => (await import('./workers/run-worker.js')).runWorker,
  server: async () => (await import('./restart/run-server.js')).runServer,
};

async function main(argv: readonly string[]): Promise<number> {
  const role = argv[0] !== undefined ? ROLES[argv[0]] : undefined;
  if (role !== undefined) return runRole(argv[0] ?? '', role, argv.slice(1));

  let command: CliCommand;
  try {
    command = parseCli(argv);
  } catch (error) {
    if (!isUsageError(error)) throw error;
    process.stderr.write(`sanshare-handoff: ${error.message}\nTry 'sanshare-handoff --help' for the commands and options.\n`);
    return 2;
  }
  if (command.command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const printer = createTracePrinter(command.json);
  switch (command.command) {
    case 'handoff':
      return (await import('./orchestrate/run-handoff.js')).runHandoff(command, printer);
    case 'workers':
      return (await import('./workers/run-workers.js')).runWorkers(command, printer);
    case 'restart':
      return (await import('./restart/run-restart.js')).runRestart(command, printer);
  }
}

/** Runs an internal role; anything it throws becomes a `failure` line and exit code 1, never a stack dump. */
async function runRole(name: string, load: () => Promise<(argv: readonly string[]) => Promise<number>>, argv: readonly string[]): Promise<number> {
  try {
    return await (await load())(argv);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ kind: 'failure', role: name, pid: process.pid, at: Date.now(), error: toTraceError(error), detail: `${name} failed` })}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`sanshare-handoff: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
