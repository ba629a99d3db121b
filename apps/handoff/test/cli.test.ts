import { afterEach, describe, expect, it } from 'vitest';
import { killRunningApps, runApp } from './run-app.js';

describe('sanshare-handoff command line', () => {
  afterEach(killRunningApps);

  it('should print the usage with --help and exit 0', async () => {
    const run = await runApp(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: sanshare-handoff');
    for (const word of ['workers', 'restart', '--json', '--kill-destination-at', '--clients', '--workers', '--connections']) expect(run.stdout).toContain(word);
  });

  it.each([
    [['--bogus'], 'Unknown option'],
    [['sideways'], "unknown command 'sideways'"],
    [['workers', '--clients', '0'], '--clients must be between 1 and 2000'],
    [['workers', '--workers', 'three'], '--workers expects a whole number'],
    [['restart', '--clients', '3'], "--clients is an option of 'workers'"],
    [['--kill-destination-at', '18'], '--kill-destination-at must be between 1 and 17'],
    [['--kill-destination-at'], "argument missing"],
    [['handoff', 'extra'], "unexpected argument 'extra'"],
  ])('should reject %j with a usage error (exit 2)', async (args, message) => {
    const run = await runApp(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('--help');
    expect(run.stdout).toBe('');
  });
});
