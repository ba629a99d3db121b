/**
 * `createRestarter()` in a process that says it is a successor but was not started as one (the
 * control socket's path and pid missing): it rejects with ERR_INVALID_ARGUMENT, and leaves nothing
 * behind: its switch and control socket are closed (no provider endpoint or control socket stays in
 * the runtime directory).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENV } from '../src/constants.js';
import { createRestarter, isServerError } from '../src/index.js';

describe('createRestarter() that fails to join', () => {
  let dir: string;
  const saved: Record<string, string | undefined> = {};

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srv-createfail-'));
    for (const key of [ENV.role, ENV.control, ENV.controlPid]) saved[key] = process.env[key];
  });

  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('should reject with ERR_INVALID_ARGUMENT and leave no socket in the runtime directory', async () => {
    process.env[ENV.role] = 'successor';
    delete process.env[ENV.control];
    delete process.env[ENV.controlPid];
    const run = join(dir, 'run');
    await expect(createRestarter({ runtimeDir: run, progressLine: false })).rejects.toSatisfy((error: unknown) => isServerError(error, 'ERR_INVALID_ARGUMENT'));
    expect(readdirSync(run)).toEqual([]);
  });
});
