import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultRuntimeDir, endpointPath, ensureRuntimeDir } from './runtime-dir.js';

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

  it('should create the directory with mode 0700', () => {
    const dir = join(base, 'a', 'b');
    ensureRuntimeDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('should refuse a directory others can enter with WSAEACCES', () => {
    const dir = join(base, 'open');
    ensureRuntimeDir(dir);
    chmodSync(dir, 0o755);
    expect(() => ensureRuntimeDir(dir)).toThrow(expect.objectContaining({ code: 'WSAEACCES' }));
  });
});
