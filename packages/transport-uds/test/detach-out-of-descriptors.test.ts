/**
 * detachNetSocket in a process at its open-file limit: the duplicate it must make cannot be made, so
 * it throws, typed; and the socket is left as it was, the bytes it had read ahead still in it and
 * reading on (the caller keeps serving it), instead of stopped with those bytes dropped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, spawnFixture } from './support/harness.js';

describe('detachNetSocket out of descriptors', () => {
  afterEach(async () => {
    await killAll();
  });

  it('should throw UDS_SYSTEM (EMFILE) and leave the socket reading, its read-ahead kept', async () => {
    const child = spawnFixture('run-with-limit.mjs', ['64', 'detach-emfile.mjs']);
    const done = await child.line((v) => v.done === true || v.exited === true);
    expect(done).toMatchObject({ done: true, failure: { name: 'UdsError', code: 'UDS_SYSTEM', errno: 24 }, readAhead: 6, destroyed: false });
    expect(done.text).toBe('beforeafter');
  });
});
