import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FLAG_MORE, HEADER_BYTES } from '../src/constants.js';
import { connect, listen, type UdsConnection, type UdsErrorCode, type UdsListener } from '../src/index.js';
import { encodeFrameHeader } from '../src/frame-header.js';
import { loadBinding } from '../src/load-binding.js';
import { countFds, killAll, spawnFixture, tempDir } from './support/harness.js';

const native = loadBinding();

function header(fields: { flags?: number; fdCount?: number; messageLength: number; chunkOffset?: number }): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  encodeFrameHeader(out, { flags: 0, fdCount: 0, chunkOffset: 0, ...fields });
  return out;
}

/** Writes one raw record (bytes as given, plus descriptors) the way a broken or hostile peer would. */
function sendRaw(fd: number, bytes: Uint8Array, fds: readonly number[] = []): void {
  const n = native.sendmsg(fd, bytes, new Uint8Array(0), 0, 0, fds.length > 0 ? Int32Array.from(fds) : null, fds.length);
  expect(n).toBe(bytes.length);
}

describe('UdsConnection faults', () => {
  let dir: string;
  let cleanup: () => void;
  let listener: UdsListener;
  let fdsBefore: number;
  const toClose: UdsConnection[] = [];

  beforeEach(async () => {
    ({ dir, cleanup } = tempDir());
    fdsBefore = countFds();
    listener = await listen(`${dir}/f.sock`, { maxFdsPerMessage: 2, maxMessageBytes: 1000 });
  });

  afterEach(async () => {
    await killAll();
    for (const c of toClose.splice(0)) await c.close();
    await listener.close();
    cleanup();
  });

  /** Connects a raw peer, lets it misbehave, and checks the typed failure, the cleanup and that the listener still serves. */
  async function expectFault(code: UdsErrorCode, misbehave: (raw: number) => 'closed' | void): Promise<void> {
    const raw = native.connect(`${dir}/f.sock`);
    const server = await listener.accept({ timeoutMs: 5000 });
    toClose.push(server);
    const closed = once(server, 'close') as Promise<[unknown]>;
    const rawClosed = misbehave(raw) === 'closed';
    await expect(server.receive({ timeoutMs: 5000 })).rejects.toMatchObject({ name: 'UdsError', code });
    const [reason] = await closed;
    expect(reason).toMatchObject({ code });
    expect(server.closed).toBe(true);
    await expect(server.send(new Uint8Array(1))).rejects.toMatchObject({ code });
    if (!rawClosed) native.closeFd(raw);
    // The listener keeps serving other peers.
    const good = await connect(`${dir}/f.sock`);
    const other = await listener.accept({ timeoutMs: 5000 });
    await good.send(new TextEncoder().encode('still here'));
    expect(new TextDecoder().decode((await other.receive())!.data)).toBe('still here');
    await good.close();
    await other.close();
    await server.close();
    await listener.close();
    // Every descriptor that arrived with the bad frames is closed: nothing leaked.
    expect(countFds()).toBe(fdsBefore);
  }

  it('should fail on garbage', async () => {
    await expectFault('UDS_MALFORMED_FRAME', (raw) => sendRaw(raw, new Uint8Array(40).fill(0xab)));
  });

  it('should fail on a truncated header, closing the descriptors that came with it', async () => {
    await expectFault('UDS_MALFORMED_FRAME', (raw) => sendRaw(raw, new Uint8Array([0x53, 0x53, 0x55]), [0, 1]));
  });

  it('should fail on a length prefix beyond the configured maximum', async () => {
    await expectFault('UDS_FRAME_TOO_LARGE', (raw) => {
      const record = new Uint8Array(HEADER_BYTES + 10);
      record.set(header({ flags: FLAG_MORE, messageLength: 0x7fff_ffff }));
      sendRaw(raw, record);
    });
  });

  it('should fail on another wire version', async () => {
    await expectFault('UDS_VERSION_MISMATCH', (raw) => {
      const record = header({ messageLength: 0 });
      record[4] = 9;
      sendRaw(raw, record);
    });
  });

  it('should fail on descriptors with no message', async () => {
    await expectFault('UDS_MALFORMED_FRAME', (raw) => sendRaw(raw, new Uint8Array(0), [0]));
  });

  it('should fail on an empty record', async () => {
    await expectFault('UDS_MALFORMED_FRAME', (raw) => {
      sendRaw(raw, new Uint8Array(0));
      sendRaw(raw, header({ messageLength: 0 }));
    });
  });

  it('should fail on more descriptors than allowed (MSG_CTRUNC) and close those received', async () => {
    await expectFault('UDS_TOO_MANY_FDS', (raw) => sendRaw(raw, header({ fdCount: 5, messageLength: 0 }), [0, 1, 2, 0, 1]));
  });

  it('should fail on more descriptors than allowed even when the header announces fewer', async () => {
    await expectFault('UDS_TOO_MANY_FDS', (raw) => sendRaw(raw, header({ fdCount: 2, messageLength: 0 }), [0, 1, 2, 0, 1]));
  });

  it('should fail when the descriptor count differs from the header', async () => {
    await expectFault('UDS_MALFORMED_FRAME', (raw) => sendRaw(raw, header({ fdCount: 2, messageLength: 0 }), [0]));
  });

  it('should fail on a record longer than the record limit (MSG_TRUNC)', async () => {
    await expectFault('UDS_MALFORMED_FRAME', (raw) => {
      const record = new Uint8Array(70_000);
      record.set(header({ messageLength: 70_000 - HEADER_BYTES }));
      sendRaw(raw, record);
    });
  });

  it('should fail when the peer closes in the middle of a message, closing its descriptors', async () => {
    await expectFault('UDS_PEER_DIED', (raw) => {
      const record = new Uint8Array(HEADER_BYTES + 10);
      record.set(header({ flags: FLAG_MORE, fdCount: 1, messageLength: 20 }));
      sendRaw(raw, record, [2]);
      native.closeFd(raw);
      return 'closed';
    });
  });

  it('should fail when a peer process is killed in the middle of a message', async () => {
    const child = spawnFixture('half-frame.mjs', [`${dir}/f.sock`]);
    const server = await listener.accept({ timeoutMs: 10_000 });
    toClose.push(server);
    await child.line((v) => v.ready === true);
    expect(server.peer.pid).toBe(child.process.pid);
    child.process.kill('SIGKILL');
    await child.exited;
    await expect(server.receive({ timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'UDS_PEER_DIED' });
    await server.close();
    await listener.close();
    expect(countFds()).toBe(fdsBefore);
  });
});

describe('UdsConnection fuzzing', () => {
  it('should turn any sequence of raw records into messages or one typed error, leaking no descriptor', async () => {
    const fc = (await import('fast-check')).default;
    const validRecord = fc
      .record({ data: fc.uint8Array({ maxLength: 64 }), fds: fc.integer({ min: 0, max: 3 }), flags: fc.constantFrom(0, 0, 1, 2, 3) })
      .map(({ data, fds, flags }) => {
        const record = new Uint8Array(HEADER_BYTES + data.length);
        encodeFrameHeader(record, { flags, fdCount: fds, messageLength: data.length + (flags & 1 ? 10 : 0), chunkOffset: flags & 2 ? 5 : 0 });
        record.set(data, HEADER_BYTES);
        return { bytes: record, fds };
      });
    const garbage = fc.record({ bytes: fc.uint8Array({ maxLength: 80 }), fds: fc.integer({ min: 0, max: 3 }) });
    const before = countFds();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(validRecord, garbage), { minLength: 1, maxLength: 8 }), async (records) => {
        const [a, b] = native.socketpair();
        const { fromDescriptor } = await import('../src/index.js');
        const conn = fromDescriptor(a, { maxFdsPerMessage: 2 });
        for (const r of records) {
          const fds = Array.from({ length: r.fds }, () => 0);
          native.sendmsg(b, r.bytes, new Uint8Array(0), 0, 0, fds.length > 0 ? Int32Array.from(fds) : null, fds.length);
        }
        native.closeFd(b);
        for (;;) {
          let message;
          try {
            message = await conn.receive({ timeoutMs: 5000 });
          } catch (error) {
            expect(error).toMatchObject({ name: 'UdsError' });
            expect((error as { code: string }).code).not.toBe('UDS_TIMEOUT');
            break;
          }
          if (message === null) break;
          for (const fd of message.fds) native.closeFd(fd);
        }
        await conn.close();
        expect(countFds()).toBe(before);
      }),
      { numRuns: 150 },
    );
  });
});

describe('UdsConnection out of descriptors', () => {
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

  it('should end the connection by default when a message\'s descriptors did not all fit (MSG_CTRUNC), closing those that did', async () => {
    const path = `${dir}/d.sock`;
    listener = await listen(path);
    const child = spawnFixture('run-with-limit.mjs', ['64', 'emfile-receiver.mjs', path, 'default']);
    const conn = await listener.accept({ timeoutMs: 10_000 });
    await child.line((v) => v.ready === true);
    const batch = [native.socketpair(), native.socketpair(), native.socketpair()];
    try {
      await conn.send(new TextEncoder().encode('first'), batch.map(([a]) => a));
      const done = await child.line((v) => v.done === true || v.exited === true);
      expect(done).toMatchObject({ done: true, code: 'UDS_TOO_MANY_FDS', closed: true, fdsLost: 1 });
      expect(done.firstLine).toMatch(/^receive: this process ran out of descriptors while receiving a message: the kernel dropped 2 of its 3 descriptor\(s\) \(MSG_CTRUNC\).*deliverTruncated: true/);
      await expect(conn.receive({ timeoutMs: 10_000 })).resolves.toBeNull();
    } finally {
      for (const [a, b] of batch) {
        native.closeFd(a);
        native.closeFd(b);
      }
      await conn.close();
    }
  });

  it('should deliver a message whose descriptors did not all fit (MSG_CTRUNC) as truncated, and keep the connection, when asked to', async () => {
    const path = `${dir}/r.sock`;
    listener = await listen(path);
    const child = spawnFixture('run-with-limit.mjs', ['64', 'emfile-receiver.mjs', path, 'deliver']);
    const conn = await listener.accept({ timeoutMs: 10_000 });
    await child.line((v) => v.ready === true);
    const pairs: Array<[number, number]> = [];
    const exchange = async (text: string): Promise<{ sent: string[]; report: Record<string, unknown> }> => {
      const batch = [native.socketpair(), native.socketpair(), native.socketpair()];
      pairs.push(...batch);
      const ends = batch.map(([a]) => a);
      await conn.send(new TextEncoder().encode(text), ends);
      const reply = await conn.receive({ timeoutMs: 30_000 });
      expect(reply).not.toBeNull();
      return { sent: ends.map((fd) => String(native.getSocketCookie(fd))), report: JSON.parse(new TextDecoder().decode(reply!.data)) as Record<string, unknown> };
    };
    try {
      // One slot free: the first descriptor sent arrives, the kernel releases the other two.
      const one = await exchange('first');
      expect(one.report).toEqual({ text: 'first', truncated: true, droppedFds: 2, cookies: one.sent.slice(0, 1) });
      // No slot free: none arrives, the bytes still do.
      const none = await exchange('second');
      expect(none.report).toEqual({ text: 'second', truncated: true, droppedFds: 3, cookies: [] });
      // The receiver freed its table: on the same connection, everything arrives again.
      const all = await exchange('third');
      expect(all.report).toEqual({ text: 'third', truncated: false, droppedFds: 0, cookies: all.sent });
      const done = await child.line((v) => v.done === true || v.exited === true);
      expect(done).toMatchObject({ done: true, closed: false });
      expect(done.fdsAtEnd).toBe(done.fdsAfterRelease);
      expect((await child.exited).code).toBe(0);
    } finally {
      for (const [a, b] of pairs) {
        native.closeFd(a);
        native.closeFd(b);
      }
      await conn.close();
    }
  });
});
