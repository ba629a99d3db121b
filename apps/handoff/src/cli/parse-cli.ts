import { parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';

/** The default command: the 17-step hand-off. */
export interface HandoffCommand {
  command: 'handoff';
  json: boolean;
  timeoutMs: number;
  /** Kill the destination just before this step (1..17), or never. */
  killDestinationAt: number | null;
}

/** The controller/worker scenario with a bounded load generator. */
export interface WorkersCommand {
  command: 'workers';
  json: boolean;
  timeoutMs: number;
  clients: number;
  workers: number;
}

/** The zero-downtime restart. */
export interface RestartCommand {
  command: 'restart';
  json: boolean;
  timeoutMs: number;
  connections: number;
}

export interface HelpCommand {
  command: 'help';
}

/** What the user asked for. */
export type CliCommand = HandoffCommand | WorkersCommand | RestartCommand | HelpCommand;

/** Bounds of the numeric flags: the load is loopback-only and must stay small enough for a laptop. */
export const LIMITS = {
  timeoutMs: { min: 1_000, max: 600_000, default: 30_000 },
  killDestinationAt: { min: 1, max: 17 },
  clients: { min: 1, max: 2_000, default: 40 },
  workers: { min: 1, max: 16, default: 3 },
  connections: { min: 1, max: 500, default: 50 },
} as const;

const COMMANDS = ['handoff', 'workers', 'restart'] as const;

/**
 * Parses the user-facing command line (`process.argv.slice(2)`).
 *
 * @throws UsageError on an unknown command or flag, a flag of another command, a missing value,
 * or a number that is not an integer within its bounds.
 */
export function parseCli(argv: readonly string[]): CliCommand {
  let parsed: ReturnType<typeof parseRaw>;
  try {
    parsed = parseRaw(argv);
  } catch (error) {
    // node:util reports unknown flags and missing values with its own error; keep its message.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { command: 'help' };
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1] ?? ''}'`);
  const name = positionals[0] ?? 'handoff';
  if (!isCommand(name)) throw new UsageError(`unknown command '${name}' (expected one of: ${COMMANDS.join(', ')})`);

  const json = values.json === true;
  const timeoutMs = integerFlag('--timeout-ms', values['timeout-ms'], LIMITS.timeoutMs) ?? LIMITS.timeoutMs.default;
  const onlyFor = (flag: string, value: unknown, command: string): void => {
    if (value !== undefined && name !== command) throw new UsageError(`${flag} is an option of '${command}', not of '${name}'`);
  };
  onlyFor('--kill-destination-at', values['kill-destination-at'], 'handoff');
  onlyFor('--clients', values.clients, 'workers');
  onlyFor('--workers', values.workers, 'workers');
  onlyFor('--connections', values.connections, 'restart');

  switch (name) {
    case 'handoff':
      return {
        command: 'handoff',
        json,
        timeoutMs,
        killDestinationAt: integerFlag('--kill-destination-at', values['kill-destination-at'], LIMITS.killDestinationAt) ?? null,
      };
    case 'workers':
      return {
        command: 'workers',
        json,
        timeoutMs,
        clients: integerFlag('--clients', values.clients, LIMITS.clients) ?? LIMITS.clients.default,
        workers: integerFlag('--workers', values.workers, LIMITS.workers) ?? LIMITS.workers.default,
      };
    case 'restart':
      return {
        command: 'restart',
        json,
        timeoutMs,
        connections: integerFlag('--connections', values.connections, LIMITS.connections) ?? LIMITS.connections.default,
      };
  }
}

function parseRaw(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      json: { type: 'boolean' },
      'timeout-ms': { type: 'string' },
      'kill-destination-at': { type: 'string' },
      clients: { type: 'string' },
      workers: { type: 'string' },
      connections: { type: 'string' },
    },
  });
}

function isCommand(name: string): name is (typeof COMMANDS)[number] {
  return (COMMANDS as readonly string[]).includes(name);
}

/** Parses a decimal integer flag within `[min, max]`; `undefined` when the flag is absent. */
export function integerFlag(flag: string, raw: unknown, bounds: { min: number; max: number }): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw)) {
    throw new UsageError(`${flag} expects a whole number, got '${String(raw)}'`);
  }
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < bounds.min || value > bounds.max) {
    throw new UsageError(`${flag} must be between ${bounds.min} and ${bounds.max}, got ${raw}`);
  }
  return value;
}
