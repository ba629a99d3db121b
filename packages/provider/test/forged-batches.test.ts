/**
 * A target facing forged `ExportBatch`es from a raw SEQPACKET client (transport-uds `connect`, the same
 * user, so it passes the credential check): a descriptor count other than the export count, descriptors
 * of the wrong kinds, repeated fields and members, too many exports, an empty batch. A whole-message
 * fault fails every export of it; a bad export fails alone; every descriptor not stored is closed
 * (counted in /proc/<pid>/fd); and the channel keeps serving batches the target stores and imports.
 */
import { once } from 'node:events';
import { join } from 'node:path';
import { connect, getSocketCookie, SCM_MAX_FD, type UdsConnection } from '@sanshare/transport-uds';
import { afterEach, describe, expect, it } from 'vitest';
import { buildDuplicateInfo } from '../src/build-protocol-info.js';
import { MAX_EXPORT_MESSAGE_BYTES, MAX_READ_AHEAD_BYTES } from '../src/constants.js';
import { decodeTargetFrame, encodeExport, encodeSourceBatch, encodeSourceFrame, ExportStatus, type ExportMessage, type TargetFrameMessage } from '../src/export-codec.js';
import { startAgent, type Agent } from './helpers/agent-runner.js';
import { exportMaker, forgedSockets } from './helpers/forged-sockets.js';
import { testCatalogEntry } from './helpers/catalog.js';
import { useRuntimeDirAndEchoPeer } from './helpers/runtime-dir-and-peer.js';
import { fdCount } from './helpers/temp-dir.js';
import { waitUntil } from './helpers/wait-until.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const { connectedTcp, listeningTcp, udp, unixSocket } = forgedSockets(cleanups);
const exportFor = exportMaker(0x6000_0000, 9);

const batchOf = (exports: ExportMessage[]): Uint8Array => encodeSourceBatch(exports.map(encodeExport));

async function exchange(channel: UdsConnection, frame: Uint8Array, fds: number[]): Promise<TargetFrameMessage> {
  await channel.send(frame, fds, { timeoutMs: 10_000 });
  const answer = await channel.receive({ timeoutMs: 10_000 });
  if (answer === null) throw new Error('the target closed the channel instead of answering');
  return decodeTargetFrame(answer.data);
}

/** The statuses and messages of a batch reply, checked against its exports' ids. */
function batchAnswer(frame: TargetFrameMessage, exports: ExportMessage[]): Array<[number, string]> {
  expect(frame.batchReply, 'a batch reply').toBeDefined();
  expect(frame.batchReply?.map((r) => r.exportId)).toEqual(exports.map((m) => m.exportId));
  return (frame.batchReply ?? []).map((r) => [r.status, r.message]);
}

describe('a target facing forged batches', () => {
  const fx = useRuntimeDirAndEchoPeer();

  async function rawChannel(target: Agent): Promise<UdsConnection> {
    const channel = await connect(join(fx.dir, `${target.pid}.sock`), { maxMessageBytes: MAX_EXPORT_MESSAGE_BYTES + 64, maxFdsPerMessage: SCM_MAX_FD });
    cleanups.push(() => channel.close());
    return channel;
  }

  it('should refuse the whole message or the bad export alone, close every descriptor it does not keep, and keep serving', { timeout: 60_000 }, async () => {
    const b = await startAgent({ runtimeDir: fx.dir });
    const channel = await rawChannel(b);
    const tcp = await connectedTcp(fx.peer.port);
    const good = (): ExportMessage => exportFor(b.pid, tcp.cookie);
    // A first forgery makes sure B has accepted the channel before counting.
    expect((await exchange(channel, batchOf([]), [])).reply).toMatchObject({ exportId: 0, status: ExportStatus.INVALID, message: expect.stringMatching(/1 to 253 exports, this one none/) });
    const baseline = fdCount(b.pid);
    let kept = 0;

    // A descriptor count other than the export count: every export of the message is refused.
    const two = [good(), good()];
    for (const fds of [[tcp.fd], [tcp.fd, tcp.fd, tcp.fd], []]) {
      const answer = batchAnswer(await exchange(channel, batchOf(two), fds), two);
      expect(answer).toEqual(two.map(() => [ExportStatus.INVALID, `an ExportBatch carries exactly 1 descriptor per export, in order: this one has 2 exports and ${fds.length} descriptors`]));
    }

    // Wrong kinds, claims and ids: each bad export fails alone, the good ones are kept.
    const unix = unixSocket();
    const datagram = await udp();
    const listening = await listeningTcp();
    const first = good();
    const mixed: Array<[ExportMessage, number, number, RegExp | '']> = [
      [first, tcp.fd, ExportStatus.OK, ''],
      [exportFor(b.pid, getSocketCookie(unix)), unix, ExportStatus.INVALID, /Linux domain 1, not 2/],
      [exportFor(b.pid, getSocketCookie(datagram)), datagram, ExportStatus.INVALID, /type 2, not SOCK_STREAM/],
      [exportFor(b.pid, getSocketCookie(listening)), listening, ExportStatus.INVALID, /listening socket/],
      [exportFor(b.pid, tcp.cookie + 1n), tcp.fd, ExportStatus.INVALID, /not \d+ as the export names/],
      [exportFor(b.pid + 1, tcp.cookie), tcp.fd, ExportStatus.INVALID, /is for process \d+, and reached process/],
      [{ ...good(), exportId: first.exportId }, tcp.fd, ExportStatus.ID_IN_USE, /is pending/],
      [exportFor(b.pid, tcp.cookie, { socket: { addressFamily: 99, socketType: 1, protocol: 6, catalogEntryId: 0 } }), tcp.fd, ExportStatus.INVALID, /address family 99/],
      [good(), tcp.fd, ExportStatus.OK, ''],
    ];
    const answer = batchAnswer(
      await exchange(
        channel,
        batchOf(mixed.map(([m]) => m)),
        mixed.map(([, fd]) => fd),
      ),
      mixed.map(([m]) => m),
    );
    mixed.forEach(([, , status, why], at) => {
      expect(answer[at]?.[0], `export ${at}`).toBe(status);
      if (why !== '') expect(answer[at]?.[1], `export ${at}`).toMatch(why);
    });
    kept += 2;

    // Malformed messages: one reply (export id 0), every descriptor closed.
    const one = encodeExport(good());
    const malformed: Array<[string, Uint8Array, number[], RegExp]> = [
      ['the batch member twice', Uint8Array.from([...batchOf([good()]), ...batchOf([good()])]), [tcp.fd, tcp.fd], /more than once/],
      ['an export and a batch', Uint8Array.from([...encodeSourceFrame(good()), ...batchOf([good()])]), [tcp.fd, tcp.fd], /more than one member/],
      ['a field repeated inside an export', encodeSourceBatch([Uint8Array.from([...one, 0x10, 0x07])]), [tcp.fd], /exports\[0\]\.exportId \(export_id = 2\).*more than once/],
      ['254 exports', encodeSourceBatch(new Array<Uint8Array>(254).fill(one)), new Array<number>(SCM_MAX_FD).fill(tcp.fd), /more than 253 exports/],
      ['a read-ahead of 1 MiB + 1', batchOf([exportFor(b.pid, tcp.cookie, { readAhead: new Uint8Array(MAX_READ_AHEAD_BYTES + 1) })]), [tcp.fd], /readAhead.*exceed the limit of 1048576/],
    ];
    for (const [what, bytes, fds, why] of malformed) {
      const frame = await exchange(channel, bytes, fds);
      expect(frame.reply?.status, what).toBe(ExportStatus.INVALID);
      expect(frame.reply?.message, what).toMatch(why);
    }

    // Nothing leaked: only the descriptors of the exports it stored are still open in the target.
    await waitUntil(() => fdCount(b.pid) === baseline + kept);
    expect(fdCount(b.pid)).toBe(baseline + kept);

    // The channel still serves: a valid batch is stored, imported, and its claims come back on it.
    const valid = [good(), good()];
    const ok = await exchange(channel, batchOf(valid), [tcp.fd, tcp.fd]);
    expect(batchAnswer(ok, valid)).toEqual(valid.map(() => [ExportStatus.OK, '']));
    const info = buildDuplicateInfo(testCatalogEntry(), valid[1]?.socket as ExportMessage['socket'], {
      exportId: valid[1]?.exportId as number,
      sourcePid: process.pid,
      targetPid: b.pid,
      socketCookie: tcp.cookie.toString(),
      nonce: valid[1]?.nonce as Uint8Array,
      expiresAtMs: ok.batchReply?.[1]?.expiresAtMs ?? 0,
    });
    const imported = await b.call<number>('import', { info });
    const notice = await channel.receive({ timeoutMs: 10_000 });
    expect(decodeTargetFrame(notice?.data ?? new Uint8Array(0)).notice).toEqual({ claimedExportIds: [valid[1]?.exportId], lapsedExportIds: [] });
    await b.call('send', { s: imported, data: new TextEncoder().encode('still serving') });
    expect(Buffer.from(await b.call<Uint8Array>('recvExactly', { s: imported, bytes: 13 })).toString()).toBe('still serving');
  });
});
