import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWsaError } from '@sanshare/protocol-info';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultRuntimeDir, endpointPath, ensureRuntimeDir } from './runtime-dir.js';

/** The first line of the WsaError `run` throws, after checking its code. */
function firstLine(code: string, run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isWsaError(error) && error.code === code) return error.message.split('\n')[0] ?? '';
    throw error;
  }
  throw new Error(`expected ${code}`);
}

describe('runtime-dir', () => {
  let base: string;
  beforeEach(() => { base = mkdtempSync(join(tmpdir(), 'provider-rd-')); });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('should prefer XDG_RUNTIME_DIR and fall back to a per-uid temp dir', () => {
    expect(defaultRuntimeDir({ XDG_RUNTIME_DIR: '/run/user/7' })).toBe('/run/user/7/sanshare');
    expect(defaultRuntimeDir({})).toBe(join(tmpdir(), `sanshare-${process.getuid?.() ?? 0}`));
  });

  it('should name the endpoint after the pid', () => {
    expect(endpointPath('/r', 1234)).toBe('/r/1234.sock');
  });

  it('should create the directory with mode 0700, whatever the umask', () => {
    const dir = join(base, 'a', 'b');
    const umask = process.umask(0o077);
    try {
      ensureRuntimeDir(dir);
    } finally {
      process.umask(umask);
    }
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(() => ensureRuntimeDir(dir)).not.toThrow();
  });

  it('should refuse a directory others can enter, naming it, its mode and the fix', () => {
    const dir = join(base, 'open');
    ensureRuntimeDir(dir);
    chmodSync(dir, 0o777);
    expect(firstLine('WSAEACCES', () => ensureRuntimeDir(dir))).toBe(
      `WSAEACCES: the runtime directory ${dir} has mode 0777, not 0700 (only its owner may use it); chmod 700 it, remove it, or set XDG_RUNTIME_DIR or the runtimeDir option to a directory of your own`,
    );
  });

  it('should refuse a symbolic link planted at the path, even to a private directory of ours, and never follow it', () => {
    const target = join(base, 'elsewhere');
    mkdirSync(target, { mode: 0o700 });
    const dir = join(base, 'planted');
    symlinkSync(target, dir);
    expect(firstLine('WSAEACCES', () => ensureRuntimeDir(dir))).toMatch(new RegExp(`^WSAEACCES: the runtime directory ${dir} is a symbolic link .*; remove it, or set XDG_RUNTIME_DIR or the runtimeDir option`));
    // A link to a directory that does not exist yet is not followed to create it either.
    const dangling = join(base, 'dangling');
    symlinkSync(join(base, 'not-yet'), dangling);
    expect(() => ensureRuntimeDir(dangling)).toThrow(/symbolic link/);
    expect(() => statSync(join(base, 'not-yet'))).toThrow();
  });

  it('should refuse a file that is not a directory', () => {
    const dir = join(base, 'file');
    writeFileSync(dir, '');
    expect(firstLine('WSAEACCES', () => ensureRuntimeDir(dir))).toContain(`${dir} is not a directory; remove it`);
  });

  it('should refuse a directory owned by another uid (as root; skipped otherwise)', (context) => {
    if (process.getuid?.() !== 0) {
      console.log('skipped: only root can make a directory owned by another uid');
      context.skip();
    }
    const dir = join(base, 'theirs');
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, 65534, 65534);
    expect(firstLine('WSAEACCES', () => ensureRuntimeDir(dir))).toBe(
      `WSAEACCES: the runtime directory ${dir} is owned by uid 65534, not by this process's uid 0; remove it, or set XDG_RUNTIME_DIR or the runtimeDir option to a directory of your own`,
    );
  });
});
