import { describe, expect, it } from 'vitest';
import { LIMITS, defaultLoadTimeoutMs, parseCli } from './parse-cli.js';
import { isUsageError } from './usage-error.js';

/** The usage error `parseCli(argv)` throws (fails the test when it throws none, or another error). */
function usageErrorOf(argv: readonly string[]): string {
  let thrown: unknown;
  try {
    parseCli(argv);
  } catch (error) {
    thrown = error;
  }
  expect(isUsageError(thrown), `no UsageError for ${JSON.stringify(argv)}`).toBe(true);
  return (thrown as Error).message;
}

describe('parseCli', () => {
  it('should run the hand-off when given nothing', () => {
    expect(parseCli([])).toEqual({ command: 'handoff', json: false, timeoutMs: LIMITS.timeoutMs.default, kill: null });
  });

  it('should parse each command with its options', () => {
    expect(parseCli(['--json', '--kill-destination-at', '8'])).toMatchObject({ command: 'handoff', json: true, kill: { role: 'destination', beforeStep: 8 } });
    expect(parseCli(['handoff', '--kill-source-at=17'])).toMatchObject({ command: 'handoff', kill: { role: 'source', beforeStep: 17 } });
    expect(parseCli(['workers', '--clients', '5', '--workers', '2'])).toMatchObject({ command: 'workers', clients: 5, workers: 2, protocol: 'http' });
    expect(parseCli(['workers', '--protocol', 'tcp'])).toMatchObject({ command: 'workers', clients: 40, workers: 3, protocol: 'tcp' });
    expect(parseCli(['restart', '--connections', '7', '--timeout-ms', '5000'])).toMatchObject({ command: 'restart', connections: 7, timeoutMs: 5000, protocol: 'http' });
    expect(parseCli(['restart', '--protocol=ws', '--connections', '10000'])).toMatchObject({ command: 'restart', connections: 10_000, protocol: 'ws' });
    expect(parseCli(['workers', '-h'])).toEqual({ command: 'help' });
  });

  it('should give restart and workers a default timeout that grows with the connections', () => {
    expect(parseCli(['restart'])).toMatchObject({ timeoutMs: defaultLoadTimeoutMs(50) });
    expect(parseCli(['restart', '--connections', '10000'])).toMatchObject({ timeoutMs: 260_000 });
    expect(parseCli(['workers', '--clients', '2000'])).toMatchObject({ timeoutMs: 100_000 });
    expect(parseCli(['handoff'])).toMatchObject({ timeoutMs: LIMITS.timeoutMs.default });
  });

  it.each([
    [['--nope'], 'unknown option --nope'],
    [['--nope=3'], 'unknown option --nope'],
    [['-x'], 'unknown option -x'],
    [['nope'], "unknown command 'nope'"],
    [['workers', '--clients', '-1'], "--clients expects a whole number, got '-1'"],
    [['workers', '--clients', '1.5'], '--clients expects a whole number'],
    [['workers', '--clients', '99999'], '--clients must be between 1 and 10000'],
    [['workers', '--workers', '1'], '--workers must be between 2 and 16'],
    [['restart', '--connections', '10001'], '--connections must be between 1 and 10000'],
    [['restart', '--protocol', 'udp'], "--protocol must be one of http, ws, tcp, got 'udp'"],
    [['restart', '--protocol'], '--protocol needs a value: --protocol <http|ws|tcp>'],
    [['handoff', '--protocol', 'ws'], "--protocol is an option of 'restart' and 'workers', not of 'handoff'"],
    [['restart', '--workers', '2'], "--workers is an option of 'workers', not of 'restart'"],
    [['handoff', '--connections', '2'], "--connections is an option of 'restart'"],
    [['workers', '--kill-source-at', '2'], "--kill-source-at is an option of 'handoff'"],
    [['--timeout-ms', '10'], '--timeout-ms must be between 1000 and 600000'],
    [['--timeout-ms'], '--timeout-ms needs a value: --timeout-ms <ms>'],
    [['--timeout-ms', '--json'], '--timeout-ms needs a value'],
    [['--kill-destination-at', '0'], '--kill-destination-at must be between 1 and 17'],
    [['--kill-source-at', '18'], '--kill-source-at must be between 1 and 17'],
    [['--kill-source-at', '3', '--kill-destination-at', '4'], 'cannot be combined'],
    [['--json=yes'], "--json takes no value (remove '=yes')"],
  ])('should throw a UsageError for %j that says %j', (argv, message) => {
    expect(usageErrorOf(argv)).toContain(message);
  });

  it("should never echo node:util's text about positional arguments", () => {
    for (const argv of [['--bogus'], ['--timeout-ms'], ['-z', 'workers']]) expect(usageErrorOf(argv)).not.toMatch(/positional/i);
  });
});
