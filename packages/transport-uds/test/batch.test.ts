import { randomFillSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SCM_MAX_FD } from '../src/constants.js';
import { closeFd, closeQuietly, getSocketCookie, listen, seqpacketPair, socketInfos, type UdsListener } from '../src/index.js';
import { countFds, killAll, spawnFixture, tempDir } from './support/harness.js';

const MIB = 1024 * 1024;

describe('batches between two processes', () => {
  let dir: string;
  let cleanup: () => void;
  let listener: UdsListener | undefined;
  const held: number[] = [];

  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
  });

  afterEach(async () => {
    await killAll();
    for (const fd of held.splice(0)) closeQuietly(fd);
    await listener?.close();
    listener = undefined;
    cleanup();
  });

  it('should carry 253 descriptors and a 4 MiB read-ahead in one message, both ways, in order', async () => {
    const before = countFds();
    const limits = { maxFdsPerMessage: SCM_MAX_FD, maxMessageBytes: 8 * MIB };
    listener = await listen(`${dir}/b.sock`, limits);
    const peer = spawnFixture('batch-echo.mjs', [`${dir}/b.sock`, String(limits.maxFdsPerMessage), String(limits.maxMessageBytes)]);
    const conn = await listener.accept({ timeoutMs: 10_000 });
    await peer.line((v) => v.ready === true);
    const sockets: number[] = [];
    for (let i = 0; i < SCM_MAX_FD; i++) {
      const [a, b] = seqpacketPair();
      closeFd(b);
      sockets.push(a);
    }
    held.push(...sockets);
    const data = randomFillSync(Buffer.alloc(4 * MIB + 12_345));
    await conn.send(data, sockets, { timeoutMs: 30_000 });
    const back = await conn.receive({ timeoutMs: 30_000 });
    expect(back).not.toBeNull();
    held.push(...back!.fds);
    expect(back!.truncated).toBeUndefined();
    expect(Buffer.compare(Buffer.from(back!.data), data)).toBe(0);
    // The very sockets sent, in the order sent: one check per descriptor, one call for the batch.
    expect(socketInfos(back!.fds).map((info) => info?.cookie)).toEqual(sockets.map((fd) => getSocketCookie(fd)));
    expect(await peer.line((v) => v.bytes !== undefined)).toEqual({ bytes: data.length, fds: SCM_MAX_FD, truncated: false });
    await conn.close();
    expect(await peer.line((v) => v.done === true)).toEqual({ done: true });
    expect((await peer.exited).code).toBe(0);
    for (const fd of held.splice(0)) closeFd(fd);
    await listener.close();
    expect(countFds()).toBe(before);
  });
});
