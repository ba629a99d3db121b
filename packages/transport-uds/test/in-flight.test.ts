import { randomInt } from 'node:crypto';
import { chownSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ETOOMANYREFS } from '../src/constants.js';
import { killAll, spawnFixture, tempDir } from './support/harness.js';

const asRoot = process.getuid?.() === 0;

// ETOOMANYREFS exists only for users without CAP_SYS_RESOURCE: root is exempt, so the test runs the
// two processes as an ordinary user, which needs root to switch uid (as here and in CI). Not as
// `nobody` (65534): the kernel counts descriptors in flight per user, over all of that user's
// processes, so another suite running as nobody at the same time (passing descriptors of its own)
// would move this test's count. A uid of its own, with no passwd entry, keeps the count this test's.
const USER = randomInt(200_000, 2_000_000);
const SKIP_REASON = 'skipped: needs root to run the sender and receiver as another (non-root) user';
if (!asRoot) console.log(`descriptors in flight (ETOOMANYREFS) tests ${SKIP_REASON} (run the tests as root to include them)`);

describe.skipIf(!asRoot)(`descriptors in flight (ETOOMANYREFS)${asRoot ? '' : ` [${SKIP_REASON}]`}`, () => {
  let dir: string;
  let cleanup: () => void;

  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    chownSync(dir, USER, USER); // the receiver, as USER, makes its socket file here
  });

  afterEach(async () => {
    await killAll();
    cleanup();
  });

  it('should make a non-root sender wait, not fail, past RLIMIT_NOFILE descriptors in flight, and deliver every one in order', async () => {
    const LIMIT = 64; // the sender's RLIMIT_NOFILE: the most descriptors its user may have in flight
    const TOTAL = 12 * LIMIT; // pushed while the receiver is slow
    const PER_MESSAGE = 8;
    const path = join(dir, 'r.sock');
    const receiver = spawnFixture('inflight-receiver.mjs', [path, String(USER), String(USER), String(TOTAL)]);
    const ready = await receiver.line((v) => v.ready === true || v.exited === true);
    expect(ready).toMatchObject({ ready: true, uid: USER });
    const sender = spawnFixture('run-with-limit.mjs', [
      String(LIMIT), 'inflight-sender.mjs', path, String(USER), String(USER), String(TOTAL), String(PER_MESSAGE),
    ]);
    const refusal = await sender.line((v) => v.refused !== undefined || v.done === true || v.exited === true);
    // A send that could not wait was refused with a clear code, and only past the limit.
    expect(refusal.refused).toMatchObject({ code: 'UDS_TOO_MANY_IN_FLIGHT', errno: ETOOMANYREFS });
    expect((refusal.refused as { firstLine: string }).firstLine).toMatch(/^send: timed out after 0 ms: the kernel refused .*ETOOMANYREFS.*RLIMIT_NOFILE.*; wait for the receivers/);
    expect(refusal.sentBefore).toBeGreaterThanOrEqual(LIMIT);
    // Behind a refused message, a send waits too, and its deadline says why; an abort stays an abort.
    expect(await sender.line((v) => v.behind !== undefined || v.exited === true)).toEqual({ behind: 'UDS_TOO_MANY_IN_FLIGHT', aborted: 'UDS_ABORTED' });
    await sender.line((v) => v.blocked === true);
    // The sender now waits on the refused message (sent again, without a deadline) while nothing is
    // read; the receiver starts reading only now.
    process.kill(ready.pid as number, 'SIGUSR1');
    const received = await receiver.line((v) => v.done === true || v.exited === true);
    expect(received).toEqual({ done: true, received: TOTAL, messages: TOTAL / PER_MESSAGE, mismatches: 0 });
    const sent = await sender.line((v) => v.done === true || v.exited === true);
    expect(sent).toEqual({ done: true, sent: TOTAL, reply: 'done' });
    expect((await sender.exited).code).toBe(0);
    expect((await receiver.exited).code).toBe(0);
  });
});
