/**
 * A target facing a source that lies: a raw SEQPACKET client (transport-uds `connect`, the same user,
 * so it passes the credential check) forges `Export`s and sends descriptors of the wrong kind. Each
 * forgery must get a reply `STATUS_INVALID` with the reason, every descriptor it carried must be
 * closed in the target (counted in /proc/<pid>/fd), and the endpoint must keep serving: the same
 * channel then carries a valid export that the target imports, and other sources still hand off.
 */
import { once } from 'node:events';
import { join } from 'node:path';
import type { ProtocolInfo } from '@sanshare/protocol-info';
import { connect, getSocketCookie, SCM_MAX_FD, type UdsConnection } from '@sanshare/transport-uds';
import { afterEach, describe, expect, it } from 'vitest';
import { buildDuplicateInfo } from '../src/build-protocol-info.js';
import { MAX_APP_MESSAGE_BYTES, MAX_EXPORT_MESSAGE_BYTES, MAX_READ_AHEAD_BYTES } from '../src/constants.js';
import {
  decodeExportReply,
  decodeTargetFrame,
  encodeExport,
  encodeSourceFrame,
  ExportStatus,
  type ExportMessage,
  type ExportReplyMessage,
  type TargetFrameMessage,
} from '../src/export-codec.js';
import { startAgent, type Agent } from './helpers/agent-runner.js';
import { exportMaker, forgedSockets } from './helpers/forged-sockets.js';
import { testCatalogEntry } from './helpers/catalog.js';
import { useRuntimeDirAndEchoPeer } from './helpers/runtime-dir-and-peer.js';
import { fdCount } from './helpers/temp-dir.js';
import { waitUntil } from './helpers/wait-until.js';

/** Closes what the test opened itself, even when it failed. */
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const { connectedTcp, unconnectedTcp, listeningTcp, udp, unixSocket } = forgedSockets(cleanups);
const exportFor = exportMaker(0x5000_0000, 7);

/** Sends `frame` with `fds` and returns the next frame the target sends back. */
async function exchange(channel: UdsConnection, frame: Uint8Array, fds: number[]): Promise<TargetFrameMessage> {
  await channel.send(frame, fds, { timeoutMs: 10_000 });
  const answer = await channel.receive({ timeoutMs: 10_000 });
  if (answer === null) throw new Error('the target closed the channel instead of answering');
  return decodeTargetFrame(answer.data);
}

/** Expects a reply STATUS_INVALID for `exportId` whose reason matches `why`. */
function expectInvalid(frame: TargetFrameMessage, exportId: number, why: RegExp): ExportReplyMessage {
  const reply = frame.reply;
  expect(reply, 'a reply, not a notice').toBeDefined();
  expect(reply?.status).toBe(ExportStatus.INVALID);
  expect(reply?.exportId).toBe(exportId);
  expect(reply?.message).toMatch(why);
  return reply as ExportReplyMessage;
}

describe('a target facing forged exports', () => {
  const fx = useRuntimeDirAndEchoPeer();

  async function rawChannel(target: Agent): Promise<UdsConnection> {
    const channel = await connect(join(fx.dir, `${target.pid}.sock`), { maxMessageBytes: MAX_EXPORT_MESSAGE_BYTES + 64, maxFdsPerMessage: SCM_MAX_FD });
    cleanups.push(() => channel.close());
    return channel;
  }

  it('should refuse each with STATUS_INVALID and its reason, close every descriptor, and keep serving', { timeout: 60_000 }, async () => {
    const [b, a] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const channel = await rawChannel(b);
    const tcp = await connectedTcp(fx.peer.port);
    // A first forgery (export id 0) also makes sure B has accepted the channel before counting.
    expectInvalid(await exchange(channel, encodeSourceFrame(exportFor(b.pid, tcp.cookie, { exportId: 0 })), [tcp.fd]), 0, /export id 0/);
    // B's descriptors with the channel accepted: every forgery must leave them exactly so.
    const baseline = fdCount(b.pid);

    const forged: Array<[string, ExportMessage, number[], RegExp]> = [];
    const unix = unixSocket();
    forged.push(['an AF_UNIX socket with its own cookie', exportFor(b.pid, getSocketCookie(unix)), [unix], /Linux domain 1, not 2/]);
    const listening = await listeningTcp();
    forged.push(['a listening TCP socket', exportFor(b.pid, getSocketCookie(listening)), [listening], /listening socket/]);
    const asListener = { addressFamily: 2, socketType: 1, protocol: 6, catalogEntryId: 1001, listening: true };
    forged.push(['a connected TCP socket claimed as a listener', exportFor(b.pid, tcp.cookie, { socket: asListener }), [tcp.fd], /not a listening socket \(SO_ACCEPTCONN is 0\)/]);
    const freshForListener = unconnectedTcp();
    forged.push(['a fresh TCP socket claimed as a listener', exportFor(b.pid, getSocketCookie(freshForListener), { socket: asListener }), [freshForListener], /not a listening socket/]);
    const listeningV6 = await listeningTcp();
    forged.push(['a listener claimed as another socket than it is', exportFor(b.pid, getSocketCookie(listeningV6) + 1n, { socket: asListener }), [listeningV6], /not \d+ as the export names/]);
    const datagram = await udp();
    forged.push(['a UDP socket', exportFor(b.pid, getSocketCookie(datagram)), [datagram], /type 2, not SOCK_STREAM/]);
    const fresh = unconnectedTcp();
    forged.push(['a fresh, unconnected TCP socket', exportFor(b.pid, getSocketCookie(fresh)), [fresh], /not connected/]);
    const second = await connectedTcp(fx.peer.port);
    forged.push(['two descriptors', exportFor(b.pid, tcp.cookie), [tcp.fd, second.fd], /exactly 1 descriptor, this one 2/]);
    forged.push(['no descriptor', exportFor(b.pid, tcp.cookie), [], /exactly 1 descriptor, this one 0/]);
    forged.push(['another socket than it names', exportFor(b.pid, tcp.cookie + 1n), [tcp.fd], /not \d+ as the export names/]);
    forged.push(['address family 99', exportFor(b.pid, tcp.cookie, { socket: { addressFamily: 99, socketType: 1, protocol: 6, catalogEntryId: 1001 } }), [tcp.fd], /address family 99 is not implemented/]);
    forged.push(['UDP claimed over a TCP socket', exportFor(b.pid, tcp.cookie, { socket: { addressFamily: 2, socketType: 2, protocol: 17, catalogEntryId: 1001 } }), [tcp.fd], /socket type 2 is not implemented/]);
    forged.push(['an AF_INET6 claim over an IPv4 socket', exportFor(b.pid, tcp.cookie, { socket: { addressFamily: 23, socketType: 1, protocol: 6, catalogEntryId: 1001 } }), [tcp.fd], /domain 2, not 10/]);
    forged.push(['another target pid', exportFor(b.pid + 1, tcp.cookie), [tcp.fd], /is for process \d+, and reached process/]);
    forged.push(['version 3', exportFor(b.pid, tcp.cookie, { version: 3 }), [tcp.fd], /unsupported protocol version 3/]);

    for (const [what, message, fds, why] of forged) {
      const frame = await exchange(channel, encodeSourceFrame(message), fds);
      expect(() => expectInvalid(frame, message.exportId, why), what).not.toThrow();
    }

    // Malformed frames: the reply says why, and names no export it could not read... or the one it could.
    const malformed: Array<[string, Uint8Array, RegExp]> = [];
    const once_ = encodeExport(exportFor(b.pid, tcp.cookie));
    const repeated = Uint8Array.from([...once_, 0x10, 0x07]); // export_id (field 2, varint) again
    malformed.push(['a repeated field', wrap(repeated), /exportId \(export_id = 2\).*more than once/]);
    malformed.push(['a read-ahead of 1 MiB + 1', encodeSourceFrame(exportFor(b.pid, tcp.cookie, { readAhead: new Uint8Array(MAX_READ_AHEAD_BYTES + 1) })), /readAhead.*exceed the limit of 1048576/]);
    malformed.push(['an app message of 64 KiB + 1', encodeSourceFrame(exportFor(b.pid, tcp.cookie, { appMessage: new Uint8Array(MAX_APP_MESSAGE_BYTES + 1) })), /appMessage.*exceed the limit of 65536/]);
    malformed.push(['a 3-byte nonce', encodeSourceFrame(exportFor(b.pid, tcp.cookie, { nonce: Uint8Array.of(1, 2, 3) })), /nonce.*3 bytes, expected exactly 16/]);
    malformed.push(['an empty frame (no Export)', new Uint8Array(0), /carries no Export/]);
    malformed.push(['the Export twice in one frame', Uint8Array.from([...encodeSourceFrame(exportFor(b.pid, tcp.cookie)), ...encodeSourceFrame(exportFor(b.pid, tcp.cookie))]), /more than once/]);
    for (const [what, bytes, why] of malformed) {
      const frame = await exchange(channel, bytes, [tcp.fd]);
      expect(frame.reply?.status, what).toBe(ExportStatus.INVALID);
      expect(frame.reply?.message, what).toMatch(why);
    }

    // A version-1 source (a bare Export) gets a version-1 reply (a bare ExportReply) that says why.
    await channel.send(encodeExport({ ...exportFor(b.pid, tcp.cookie), version: 1 }), [tcp.fd]);
    const v1 = await channel.receive({ timeoutMs: 10_000 });
    const v1Reply = decodeExportReply(v1?.data ?? new Uint8Array(0));
    expect(v1Reply.status).toBe(ExportStatus.INVALID);
    expect(v1Reply.message).toMatch(/version 1 frame .* this target speaks version 2/);

    // Nothing leaked in the target: every descriptor of every forgery was closed.
    await waitUntil(() => fdCount(b.pid) === baseline);
    expect(fdCount(b.pid)).toBe(baseline);

    // The channel still serves: a valid export of a real connection is held and imported, and the
    // claim comes back on the same channel.
    const valid = exportFor(b.pid, tcp.cookie);
    const ok = await exchange(channel, encodeSourceFrame(valid), [tcp.fd]);
    expect(ok.reply).toMatchObject({ status: ExportStatus.OK, exportId: valid.exportId });
    const info: ProtocolInfo = buildDuplicateInfo(testCatalogEntry(), valid.socket, {
      exportId: valid.exportId,
      sourcePid: process.pid,
      targetPid: b.pid,
      socketCookie: tcp.cookie.toString(),
      nonce: valid.nonce,
      expiresAtMs: ok.reply?.expiresAtMs ?? 0,
    });
    const imported = await b.call<number>('import', { info });
    const notice = await channel.receive({ timeoutMs: 10_000 });
    expect(decodeTargetFrame(notice?.data ?? new Uint8Array(0)).notice).toEqual({ claimedExportIds: [valid.exportId], lapsedExportIds: [] });
    await b.call('send', { s: imported, data: new TextEncoder().encode('still serving') });
    expect(Buffer.from(await b.call<Uint8Array>('recvExactly', { s: imported, bytes: 13 })).toString()).toBe('still serving');

    // And other sources still hand off to it.
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    await b.call('import', { info: await a.call<ProtocolInfo>('duplicate', { s, pid: b.pid }) });
  });
});

/** A SourceFrame around raw Export bytes. */
function wrap(exportBytes: Uint8Array): Uint8Array {
  const length: number[] = [];
  let n = exportBytes.length;
  do {
    length.push(n >= 0x80 ? (n & 0x7f) | 0x80 : n);
    n >>>= 7;
  } while (n > 0);
  return Uint8Array.from([0x0a, ...length, ...exportBytes]);
}
