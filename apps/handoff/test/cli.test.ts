import { afterEach, describe, expect, it } from 'vitest';
import { killRunningApps, runApp } from './run-app.js';

describe('sanshare-handoff command line', () => {
  afterEach(killRunningApps);

  it('should print the usage with --help and exit 0', async () => {
    const run = await runApp(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: sanshare-handoff');
    for (const word of ['workers', 'restart', '--json', '--kill-source-at', '--kill-destination-at', '--clients', '--workers', '--connections', '--protocol']) expect(run.stdout).toContain(word);
  });

  it.each([
    [['--bogus'], 'unknown option --bogus; see --help'],
    [['sideways'], "unknown command 'sideways' (expected one of: handoff, workers, restart); see --help"],
    [['workers', '--clients', '0'], '--clients must be between 1 and 10000, got 0; see --help'],
    [['restart', '--protocol', 'quic'], "--protocol must be one of http, ws, tcp, got 'quic'; see --help"],
    [['workers', '--workers', 'three'], "--workers expects a whole number, got 'three'; see --help"],
    [['restart', '--clients', '3'], "--clients is an option of 'workers', not of 'restart'; see --help"],
    [['--kill-destination-at', '18'], '--kill-destination-at must be between 1 and 17, got 18; see --help'],
    [['--kill-source-at'], '--kill-source-at needs a value: --kill-source-at <step>; see --help'],
    [['--kill-source-at', '2', '--kill-destination-at', '2'], '--kill-source-at and --kill-destination-at cannot be combined: kill one process per run; see --help'],
    [['handoff', 'extra'], "unexpected argument 'extra'; see --help"],
  ])('should reject %j with one line that says what is wrong (exit 2)', async (args, message) => {
    const run = await runApp(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`sanshare-handoff: ${message}\n`);
    expect(run.stdout).toBe('');
  });
});
