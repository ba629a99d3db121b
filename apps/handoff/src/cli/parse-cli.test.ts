import { describe, expect, it } from 'vitest';
import { LIMITS, parseCli } from './parse-cli.js';
import { isUsageError } from './usage-error.js';

describe('parseCli', () => {
  it('should run the hand-off when given nothing', () => {
    expect(parseCli([])).toEqual({ command: 'handoff', json: false, timeoutMs: LIMITS.timeoutMs.default, killDestinationAt: null });
  });

  it('should parse each command with its options', () => {
    expect(parseCli(['--json', '--kill-destination-at', '8'])).toMatchObject({ command: 'handoff', json: true, killDestinationAt: 8 });
    expect(parseCli(['workers', '--clients', '5', '--workers', '2'])).toMatchObject({ command: 'workers', clients: 5, workers: 2 });
    expect(parseCli(['restart', '--connections', '7', '--timeout-ms', '5000'])).toMatchObject({ command: 'restart', connections: 7, timeoutMs: 5000 });
    expect(parseCli(['workers', '-h'])).toEqual({ command: 'help' });
  });

  it.each([
    [['--nope']],
    [['nope']],
    [['workers', '--clients', '-1']],
    [['workers', '--clients', '1.5']],
    [['workers', '--clients', '99999']],
    [['restart', '--workers', '2']],
    [['handoff', '--connections', '2']],
    [['--timeout-ms', '10']],
    [['--kill-destination-at', '0']],
    [['--json=yes']],
  ])('should throw a UsageError for %j', (argv) => {
    let thrown: unknown;
    try {
      parseCli(argv);
    } catch (error) {
      thrown = error;
    }
    expect(isUsageError(thrown)).toBe(true);
  });
});
