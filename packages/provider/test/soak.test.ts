import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkCounters } from '../soak/soak-stream.js';

const SOAK = fileURLToPath(new URL('../soak/soak.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Runs the soak command with `args`; resolves with its exit code and output once it is gone (killed after 120 s). */
async function soak(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SOAK, ...args], { cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, out, err };
}

/** Counters `values` as uint32 big-endian bytes. */
const counters = (...values: number[]): Buffer => Buffer.concat(values.map((v) => Buffer.from([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff])));

describe('the soak command', () => {
  it('should run 50 hand-offs streaming both ways and report no byte lost or repeated, descriptors and RSS', { timeout: 150_000 }, async () => {
    const { code, out, err } = await soak(['--handoffs', '50']);
    expect(err).toBe('');
    expect(code).toBe(0);
    for (const label of ['start', 'middle', 'end']) expect(out).toMatch(new RegExp(`^${label} +hand-offs +\\d+ +descriptors A \\d+ B \\d+ +RSS A [\\d.]+ MiB B [\\d.]+ MiB$`, 'm'));
    expect(out).toMatch(/^result: 50 hand-offs in [\d.]+ s, \d+ hand-offs\/s; down [\d.]+ MiB: lost 0 bytes, repeated 0; up [\d.]+ MiB: lost 0 bytes, repeated 0; descriptors A /m);
    expect(out).toContain('ok: no byte lost or repeated, no descriptor leaked');
  });

  it('should refuse an unknown flag or a bad count, saying what to do', async () => {
    const unknown = await soak(['--handofs', '5']);
    expect(unknown.code).toBe(2);
    expect(unknown.err.split('\n')[0]).toBe('soak: unknown option --handofs; usage: pnpm --filter @sanshare/provider soak [--handoffs N] (N >= 2, default 100000)');
    expect((await soak(['--handoffs'])).err.split('\n')[0]).toMatch(/^soak: option --handoffs needs a value; usage:/);
    expect((await soak(['50'])).err.split('\n')[0]).toMatch(/^soak: unexpected argument 50; usage:/);
    const bad = await soak(['--handoffs', 'many']);
    expect(bad.err.split('\n')[0]).toBe('soak: --handoffs must be an integer of at least 2, got many; usage: pnpm --filter @sanshare/provider soak [--handoffs N] (N >= 2, default 100000)');
  });

  it('should count counters skipped as lost and counters seen again as repeated', () => {
    const state = { next: 0, lostBytes: 0, repeatedBytes: 0 };
    expect([...checkCounters(Buffer.concat([counters(0, 1, 4, 5, 3, 4), Buffer.from([0, 0])]), state)]).toEqual([0, 0]);
    // 2 and 3 skipped (8 bytes lost); back from 6 to 3: 3 counters again (12 bytes repeated).
    expect(state).toEqual({ next: 5, lostBytes: 8, repeatedBytes: 12 });
  });
});
