import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killRunningApps, resultOf, runApp, type RunAppOptions } from './run-app.js';

/** `nobody`: root writes anywhere, so the unwritable dir is tried by another user. */
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

describe('sanshare-handoff without a usable temp dir', () => {
  let parent: string;
  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'handoff-run-dir-test-'));
    // Reachable by the user the app runs as (mkdtemp makes it 0700).
    await chmod(parent, 0o755);
  });
  afterEach(async () => {
    killRunningApps();
    await rm(parent, { recursive: true, force: true });
  });

  /** The app run with TMPDIR at `dir` (as `nobody` when the test runs as root, so that permissions apply). */
  const runIn = (dir: string, args: readonly string[]): ReturnType<typeof runApp> => {
    const options: RunAppOptions = { env: { ...process.env, TMPDIR: dir } };
    if (asRoot) Object.assign(options, { uid: NOBODY, gid: NOBODY });
    return runApp(args, options);
  };
  /** A directory nobody may create anything in (read and search only). */
  const unwritable = async (): Promise<string> => {
    await chmod(parent, 0o555);
    return parent;
  };

  it.each([
    ['handoff', ['--json']],
    ['workers', ['workers', '--clients', '2', '--json']],
    ['restart', ['restart', '--connections', '2', '--json']],
  ])('should say in one line what failed, why and what to do, and still write the result line (%s --json)', async (mode, args) => {
    const dir = await unwritable();
    const run = await runIn(dir, args);
    expect(run.code, run.stderr).toBe(1);
    // One line on stderr, no stack.
    expect(run.stderr).toBe(`sanshare-handoff: cannot create the run's temp dir in ${dir} (TMPDIR): permission denied (EACCES); set TMPDIR to a directory you can write to\n`);
    // One line on stdout: the result, a failure.
    expect(run.events).toHaveLength(1);
    expect(resultOf(run)?.data).toMatchObject({ ok: false, exitCode: 1, mode, reason: expect.stringContaining('permission denied (EACCES)') });
    expect(resultOf(run)?.data?.verdicts).toEqual([expect.objectContaining({ name: 'run-directory', ok: false })]);
  });

  it('should print only the error line in text mode, here for a TMPDIR that does not exist', async () => {
    const missing = join(parent, 'missing');
    const run = await runIn(missing, []);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toBe(`sanshare-handoff: cannot create the run's temp dir in ${missing} (TMPDIR): it does not exist (ENOENT); set TMPDIR to a directory you can write to\n`);
    expect(run.stdout).toBe('');
  });
});
