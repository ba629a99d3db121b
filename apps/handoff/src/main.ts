#!/usr/bin/env node
/**
 * sanshare-handoff: the sample app. The user runs the commands of `--help`; the app starts its own
 * processes by running this same file with an internal role as the first argument (`peer`, `source`,
 * `destination`, `server`, `clients`, `connector`, `controller`, `worker`). Roles are loaded on demand so
 * that, say, the remote peer (plain TCP) never loads sanshare at all.
 */
import { parseCli, type CliCommand } from './cli/parse-cli.js';
import { USAGE } from './cli/usage.js';
import { isUsageError } from './cli/usage-error.js';
import { isRunDirError } from './orchestrate/run-dir-error.js';
import { createTracePrinter, type TracePrinter } from './trace/trace-printer.js';
import { toTraceError } from './trace/trace-error.js';

const ROLES: Record<string, () => Promise<(argv: readonly string[]) => Promise<number>>> = {
  peer: async () => (await import('./peer/run-peer.js')).runPeer,
  source: async () => (await import('./roles/run-source.js')).runSource,
  destination: async () => (await import('./roles/run-destination.js')).runDestination,
  controller: async () => (await import('./workers/run-controller.js')).runController,
  worker: async () => (await import('./workers/run-worker.js')).runWorker,
  server: async () => (await import('./restart/run-server.js')).runServer,
  clients: async () => (await import('./load/run-clients.js')).runClients,
  connector: async () => (await import('./load/run-connector.js')).runConnector,
};

async function main(argv: readonly string[]): Promise<number> {
  const role = argv[0] !== undefined ? ROLES[argv[0]] : undefined;
  if (role !== undefined) return runRole(argv[0] ?? '', role, argv.slice(1));

  let command: CliCommand;
  try {
    command = parseCli(argv);
  } catch (error) {
    if (!isUsageError(error)) throw error;
    // One line: what is wrong, and where the commands and options are listed.
    process.stderr.write(`sanshare-handoff: ${error.message}; see --help\n`);
    return 2;
  }
  if (command.command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const printer = createTracePrinter(command.json);
  try {
    switch (command.command) {
      case 'handoff':
        return await (await import('./orchestrate/run-handoff.js')).runHandoff(command, printer);
      case 'workers':
        return await (await import('./workers/run-workers.js')).runWorkers(command, printer);
      case 'restart':
        return await (await import('./restart/run-restart.js')).runRestart(command, printer);
    }
  } catch (error) {
    if (!isRunDirError(error)) throw error;
    return reportNotStarted(printer, command.command, command.json, error);
  }
}

/**
 * A run that could not start (its temp dir): one line on stderr saying what failed, why and what to do,
 * and with `--json` the result line every run ends with, as a failure.
 */
function reportNotStarted(printer: TracePrinter, mode: string, json: boolean, error: Error): number {
  process.stderr.write(`sanshare-handoff: ${error.message}\n`);
  if (json) {
    const verdicts = [{ name: 'run-directory', ok: false, detail: error.message }];
    printer.app.emit({
      kind: 'result',
      error: toTraceError(error),
      detail: `${mode} FAILED: ${error.message}`,
      data: { ok: false, exitCode: 1, mode, failedStep: null, reason: error.message, verdicts },
    });
  }
  return 1;
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
    // Not an expected failure (those are reported as trace lines and verdicts): a bug of the app.
    // The first line says so; the stack follows for the report.
    const { code, message } = toTraceError(error);
    process.stderr.write(`sanshare-handoff: unexpected ${code}: ${message.split('\n')[0] ?? ''} (a bug of the app: please report it with the command line you ran)\n`);
    if (error instanceof Error && error.stack !== undefined) process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
