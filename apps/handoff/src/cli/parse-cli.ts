import { parseArgs } from 'node:util';
import { PROTOCOLS, isProtocol, type Protocol } from '../load/protocol.js';
import { UsageError } from './usage-error.js';

/** Fault injection: kill one process of the hand-off (`SIGKILL`) just before a step of the table. */
export interface KillPlan {
  role: 'source' | 'destination';
  /** The step (1..17) before which it is killed. */
  beforeStep: number;
}

/** The default command: the 17-step hand-off. */
export interface HandoffCommand {
  command: 'handoff';
  json: boolean;
  timeoutMs: number;
  /** `--kill-source-at` or `--kill-destination-at`, or no fault. */
  kill: KillPlan | null;
}

/** A worker pool on `@sanshare/server`, one worker drained while its clients stream. */
export interface WorkersCommand {
  command: 'workers';
  json: boolean;
  timeoutMs: number;
  clients: number;
  workers: number;
  protocol: Protocol;
}

/** A zero-downtime restart on `@sanshare/server`. */
export interface RestartCommand {
  command: 'restart';
  json: boolean;
  timeoutMs: number;
  connections: number;
  protocol: Protocol;
}

export interface HelpCommand {
  command: 'help';
}

/** What the user asked for. */
export type CliCommand = HandoffCommand | WorkersCommand | RestartCommand | HelpCommand;

/**
 * Bounds of the numeric flags. The load is loopback-only: 10,000 connections is what a 2-core machine
 * with an open-file limit of 20,000 runs (each process holds its share, at most one per connection plus
 * a margin: see `DESCRIPTOR_MARGIN`). A drain needs a second worker to move to.
 */
export const LIMITS = {
  timeoutMs: { min: 1_000, max: 600_000, default: 30_000 },
  killAt: { min: 1, max: 17 },
  clients: { min: 1, max: 10_000, default: 40 },
  workers: { min: 2, max: 16, default: 3 },
  connections: { min: 1, max: 10_000, default: 50 },
} as const;

/**
 * The default `--timeout-ms` of `restart` and `workers`: a minute, and 20 ms more per connection (opening
 * them, moving them and closing them all take longer with more), so that 10,000 get 260 s.
 */
export function defaultLoadTimeoutMs(connections: number): number {
  return 60_000 + 20 * connections;
}

/** `--protocol` when it is not given. */
export const DEFAULT_PROTOCOL: Protocol = 'http';

const COMMANDS = ['handoff', 'workers', 'restart'] as const;

/** Every option, with what its value looks like (for the usage errors). */
const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  'timeout-ms': { type: 'string', value: '<ms>' },
  'kill-source-at': { type: 'string', value: '<step>' },
  'kill-destination-at': { type: 'string', value: '<step>' },
  clients: { type: 'string', value: '<n>' },
  workers: { type: 'string', value: '<m>' },
  connections: { type: 'string', value: '<n>' },
  protocol: { type: 'string', value: '<http|ws|tcp>' },
} as const;

type OptionName = keyof typeof OPTIONS;

/**
 * Parses the user-facing command line (`process.argv.slice(2)`).
 *
 * `node:util`'s `parseArgs` reads the tokens; the checks are ours, so that each usage error names the
 * option and the fix in our words (its own text about an unknown option talks of positional arguments).
 *
 * @throws UsageError on an unknown command or option, an option of another command, a missing value,
 * a value given to a flag, or a number that is not an integer within its bounds.
 */
export function parseCli(argv: readonly string[]): CliCommand {
  const { tokens } = parseArgs({ args: [...argv], strict: false, allowPositionals: true, tokens: true, options: OPTIONS });
  const values: Partial<Record<OptionName, string | true>> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    if (!isOption(token.name)) throw new UsageError(`unknown option ${token.rawName}`);
    const option = OPTIONS[token.name];
    if (option.type === 'boolean') {
      if (token.inlineValue === true) throw new UsageError(`${token.rawName} takes no value (remove '=${token.value ?? ''}')`);
      values[token.name] = true;
    } else {
      // `--timeout-ms` followed by nothing, or by another option, has no value.
      if (token.value === undefined || (token.inlineValue === false && /^-[A-Za-z-]/.test(token.value))) throw new UsageError(`${token.rawName} needs a value: ${token.rawName} ${option.value}`);
      values[token.name] = token.value;
    }
  }
  if (values.help === true) return { command: 'help' };
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1] ?? ''}'`);
  const name = positionals[0] ?? 'handoff';
  if (!isCommand(name)) throw new UsageError(`unknown command '${name}' (expected one of: ${COMMANDS.join(', ')})`);

  const json = values.json === true;
  const timeoutMs = integerFlag('--timeout-ms', values['timeout-ms'], LIMITS.timeoutMs);
  const onlyFor = (flag: OptionName, ...commands: string[]): void => {
    if (values[flag] !== undefined && !commands.includes(name)) throw new UsageError(`--${flag} is an option of ${commands.map((c) => `'${c}'`).join(' and ')}, not of '${name}'`);
  };
  onlyFor('kill-source-at', 'handoff');
  onlyFor('kill-destination-at', 'handoff');
  onlyFor('clients', 'workers');
  onlyFor('workers', 'workers');
  onlyFor('connections', 'restart');
  onlyFor('protocol', 'restart', 'workers');

  switch (name) {
    case 'handoff':
      return { command: 'handoff', json, timeoutMs: timeoutMs ?? LIMITS.timeoutMs.default, kill: killPlan(values['kill-source-at'], values['kill-destination-at']) };
    case 'workers': {
      const clients = integerFlag('--clients', values.clients, LIMITS.clients) ?? LIMITS.clients.default;
      return {
        command: 'workers',
        json,
        timeoutMs: timeoutMs ?? defaultLoadTimeoutMs(clients),
        clients,
        workers: integerFlag('--workers', values.workers, LIMITS.workers) ?? LIMITS.workers.default,
        protocol: protocolFlag(values.protocol),
      };
    }
    case 'restart': {
      const connections = integerFlag('--connections', values.connections, LIMITS.connections) ?? LIMITS.connections.default;
      return { command: 'restart', json, timeoutMs: timeoutMs ?? defaultLoadTimeoutMs(connections), connections, protocol: protocolFlag(values.protocol) };
    }
  }
}

/** `--protocol`'s value (the default when absent). */
function protocolFlag(raw: string | true | undefined): Protocol {
  if (raw === undefined) return DEFAULT_PROTOCOL;
  if (!isProtocol(raw)) throw new UsageError(`--protocol must be one of ${PROTOCOLS.join(', ')}, got '${String(raw)}'`);
  return raw;
}

/** One fault per run: the other process must live to report the step its peer died at. */
function killPlan(source: string | true | undefined, destination: string | true | undefined): KillPlan | null {
  if (source !== undefined && destination !== undefined) {
    throw new UsageError('--kill-source-at and --kill-destination-at cannot be combined: kill one process per run');
  }
  const sourceStep = integerFlag('--kill-source-at', source, LIMITS.killAt);
  if (sourceStep !== undefined) return { role: 'source', beforeStep: sourceStep };
  const destinationStep = integerFlag('--kill-destination-at', destination, LIMITS.killAt);
  if (destinationStep !== undefined) return { role: 'destination', beforeStep: destinationStep };
  return null;
}

function isOption(name: string): name is OptionName {
  return Object.hasOwn(OPTIONS, name);
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
