/**
 * A batch of 1,200 sockets between two processes running as a non-root user (uid/gid 65534). Root is
 * exempt from the kernel's limit on descriptors in flight (`ETOOMANYREFS` once a user's in-flight
 * descriptors exceed its RLIMIT_NOFILE); a non-root user is not, so this runs the batch as one, with
 * a runtime directory it owns. Only a root test runner can start processes as another user: anyone
 * else skips it, and the reason is printed.
 */
import { chownSync, readFileSync } from 'node:fs';
import type { DuplicateDelivery, ProtocolInfo } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { startAgent } from './helpers/agent-runner.js';
import { useRuntimeDirAndEchoPeer } from './helpers/runtime-dir-and-peer.js';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
if (!isRoot) console.log(`skipped: the non-root batch test starts processes as uid ${NOBODY}, which only root can do (this runner is uid ${String(process.getuid?.())})`);

type BatchResult = { protocolInfo: ProtocolInfo; error?: undefined } | { protocolInfo?: undefined; error: { code: string; message: string } };

/** The real uid of a live process (`/proc/<pid>/status`, line `Uid:`). */
function uidOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'));
  return Number(line?.split(/\s+/)[1]);
}

describe('WSPDuplicateSocketBatch as a non-root user', () => {
  const fx = useRuntimeDirAndEchoPeer();

  it.skipIf(!isRoot)('should move 1,200 sockets between two processes of uid 65534, each with its bytes', { timeout: 180_000 }, async () => {
    const count = 1200;
    chownSync(fx.dir, NOBODY, NOBODY);
    const as = { uid: NOBODY, gid: NOBODY, env: { ...process.env, HOME: fx.dir } };
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }, as), startAgent({ runtimeDir: fx.dir }, as)]);
    expect([uidOf(a.pid), uidOf(b.pid)]).toEqual([NOBODY, NOBODY]);
    const ss = await a.call<number[]>('connectMany', { address: '127.0.0.1', port: fx.peer.port, count });
    await a.call('sendEach', { ss, prefix: 'nobody-', suffix: '|' });
    await a.call('recvEach', { ss, lengths: ss.map(() => 1) });
    const results = await a.call<BatchResult[]>('duplicateBatch', { items: ss.map((s, i) => ({ s, message: new TextEncoder().encode(String(i)) })), pid: b.pid });
    expect(results.filter((r) => r.error !== undefined)).toEqual([]);
    const deliveries: DuplicateDelivery[] = [];
    while (deliveries.length < count) deliveries.push(...(await b.call<DuplicateDelivery[]>('receiveDuplicates', { timeoutMs: 30_000 })));
    const indexOf = deliveries.map((d) => Number(Buffer.from(d.message).toString()));
    const ds = await b.call<number[]>('importMany', { infos: deliveries.map((d) => d.protocolInfo) });
    const expected = indexOf.map((i) => `nobody-${i}|`.slice(1));
    expect(await b.call<string[]>('recvEach', { ss: ds, lengths: expected.map((e) => e.length) })).toEqual(expected);
  });
});
