import { chmodSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listen, type RejectedPeer, type UdsListener } from '../src/index.js';
import { killAll, spawnFixture, tempDir } from './support/harness.js';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

// Running a peer as another uid needs root (process.setuid); the suite runs as root here and in CI.
// Elsewhere the suite says so, in its name and on the console, rather than skipping in silence.
const SKIP_REASON = 'skipped: needs root to switch uid';
if (!asRoot) console.log(`peer credentials (SO_PEERCRED) tests ${SKIP_REASON} (run the tests as root to include them)`);

describe.skipIf(!asRoot)(`peer credentials (SO_PEERCRED)${asRoot ? '' : ` [${SKIP_REASON}]`}`, () => {
  let dir: string;
  let cleanup: () => void;
  let listener: UdsListener | undefined;

  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
  });

  afterEach(async () => {
    await killAll();
    await listener?.close();
    listener = undefined;
    cleanup();
  });

  /** Opens the 0700 directory and 0600 socket to everyone, so that the file system lets `nobody` reach the listener. */
  function openUp(path: string): void {
    chmodSync(dir, 0o711);
    chmodSync(path, 0o666);
  }

  it('should keep other users out by file mode alone', async () => {
    const path = join(dir, 'private.sock');
    listener = await listen(path);
    const child = spawnFixture('connect-as.mjs', [path, String(NOBODY), String(NOBODY)]);
    const result = await child.line((v) => v.done === true);
    expect(result.connectError).toBe('UDS_PERMISSION_DENIED');
  });

  it('should reject a peer of another uid by default, reporting its kernel pid and uid', async () => {
    const path = join(dir, 'same.sock');
    listener = await listen(path);
    openUp(path);
    const rejected = once(listener, 'rejected') as Promise<[RejectedPeer]>;
    const child = spawnFixture('connect-as.mjs', [path, String(NOBODY), String(NOBODY)]);
    const [info] = await rejected;
    expect(info.peer).toEqual({ pid: child.process.pid, uid: NOBODY, gid: NOBODY });
    expect(info.reason).toMatchObject({ name: 'UdsError', code: 'UDS_PEER_REJECTED' });
    const result = await child.line((v) => v.done === true);
    // The rejected peer sees its connection end: cleanly, or as a reset when its first message
    // was still unread when the listener closed it.
    expect([null, JSON.stringify({ error: 'UDS_PEER_DIED' })]).toContain(result.reply === null ? null : JSON.stringify(result.reply));
    await expect(listener.accept({ timeoutMs: 50 })).rejects.toMatchObject({ code: 'UDS_TIMEOUT' });
  });

  it('should accept a listed uid, and the pid seen equals the sender real pid', async () => {
    const path = join(dir, 'listed.sock');
    listener = await listen(path, { allowUids: [NOBODY] });
    openUp(path);
    const child = spawnFixture('connect-as.mjs', [path, String(NOBODY), String(NOBODY)]);
    const conn = await listener.accept({ timeoutMs: 10_000 });
    expect(conn.peer).toEqual({ pid: child.process.pid, uid: NOBODY, gid: NOBODY });
    const claimed = JSON.parse(new TextDecoder().decode((await conn.receive({ timeoutMs: 10_000 }))!.data)) as { pid: number; uid: number };
    expect(claimed).toEqual({ pid: conn.peer.pid, uid: NOBODY });
    await conn.send(new TextEncoder().encode('welcome'));
    const result = await child.line((v) => v.done === true);
    expect(result.reply).toBe('welcome');
    // The child, connecting to a listener of root, sees uid 0 as its peer.
    const connected = await child.line((v) => v.connected === true);
    expect(connected.peer).toMatchObject({ pid: process.pid, uid: 0 });
    await conn.close();
  });
});
