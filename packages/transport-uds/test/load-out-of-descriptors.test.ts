/**
 * The addon's first use in a process at its open-file limit: loading it needs descriptors, so it
 * fails; the error must say that (UDS_SYSTEM, EMFILE), not that the addon is missing and must be
 * rebuilt (UDS_NATIVE_UNAVAILABLE, "build it with node-gyp rebuild"), which sends the user the wrong
 * way. Once descriptors are free, the next use loads it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, spawnFixture } from './support/harness.js';

describe('loading the addon out of descriptors', () => {
  afterEach(async () => {
    await killAll();
  });

  it('should fail with UDS_SYSTEM (EMFILE), not UDS_NATIVE_UNAVAILABLE, and load at the next use', async () => {
    const child = spawnFixture('run-with-limit.mjs', ['64', 'load-emfile.mjs']);
    const done = await child.line((v) => v.done === true || v.exited === true);
    expect(done).toMatchObject({ done: true, failure: { code: 'UDS_SYSTEM', errno: 24 }, loadedAfter: true });
    const message = (done.failure as { message: string }).message;
    expect(message).toMatch(/EMFILE/);
    expect(message).not.toMatch(/node-gyp rebuild/);
  });
});
