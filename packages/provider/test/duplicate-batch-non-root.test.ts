/**
 * A batch of 1,200 sockets between two processes running as a non-root user (uid/gid 65534). Root is
 * exempt from the kernel's limit on descriptors in flight (`ETOOMANYREFS` once a user's in-flight
 * descriptors exceed its RLIMIT_NOFILE); a non-root user is not, so this runs the batch as one, with
 * a runtime directory it owns, once as is and once with its descriptors in flight pushed past the
 * source's RLIMIT_NOFILE by another process of the same user (helpers/in-flight-hog.ts). Only a root test runner can start processes as another user: anyone
 * else skips it, and the reason is printed.
 */
import { spawn } from 'node:child_process';
import { chownSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { DuplicateDelivery, ProtocolInfo } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { startAgent } from './helpers/agent-runner.js';
import { fromJson } from './helpers/wire-json.js';
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

  it.skipIf(!isRoot)("should fail a batch cleanly while the user's descriptors in flight are past its limit (ETOOMANYREFS), then move it", { timeout: 180_000 }, async () => {
    const count = 1000;
    const nofile = 1500;
    chownSync(fx.dir, NOBODY, NOBODY);
    const as = { uid: NOBODY, gid: NOBODY, env: { ...process.env, HOME: fx.dir } };
    // Another process of the same user holds more descriptors in flight than the source's RLIMIT_NOFILE.
    const hogScript = fileURLToPath(new URL('./helpers/in-flight-hog.ts', import.meta.url));
    const hog = spawn('/bin/sh', ['-c', `ulimit -n ${nofile} && exec "$0" "$@"`, process.execPath, '--import', 'tsx', hogScript], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['pipe', 'pipe', 'inherit'],
      ...as,
    });
    const hogExited = new Promise((resolve) => hog.once('exit', resolve));
    try {
      const [line] = await Promise.race([
        (async () => {
          for await (const l of createInterface({ input: hog.stdout })) return [l];
          return [''];
        })(),
        hogExited.then(() => ['']),
      ]);
      const { inFlight } = fromJson(line ?? '') as { inFlight: number };
      expect(inFlight).toBeGreaterThanOrEqual(nofile);
      const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }, { ...as, nofile }), startAgent({ runtimeDir: fx.dir }, as)]);
      const ss = await a.call<number[]>('connectMany', { address: '127.0.0.1', port: fx.peer.port, count });
      await a.call('sendEach', { ss, prefix: 'inflight-', suffix: '|' });
      await a.call('recvEach', { ss, lengths: ss.map(() => 1) });
      // The kernel refuses every sendmsg with descriptors: nothing reaches the target, which stays
      // silent; every item fails and every socket is the source's, its bytes intact.
      const refused = await a.call<BatchResult[]>('duplicateBatch', { items: ss.map((s) => ({ s })), pid: b.pid, timeoutMs: 500 });
      expect(refused.map((r) => r.error?.code)).toEqual(ss.map(() => 'WSAEINVAL'));
      expect(refused[0]?.error?.message).toMatch(/of silence/);
      const firstBytes = await a.call<string[]>('recvEach', { ss: ss.slice(0, 10), lengths: ss.slice(0, 10).map((_s, i) => `inflight-${i}|`.length - 1) });
      expect(firstBytes).toEqual(ss.slice(0, 10).map((_s, i) => `inflight-${i}|`.slice(1)));
      // Once the other process lets go, the same batch goes through.
      hog.stdin?.end();
      await hogExited;
      const moved = await a.call<BatchResult[]>('duplicateBatch', { items: ss.map((s) => ({ s })), pid: b.pid });
      expect(moved.filter((r) => r.error !== undefined)).toEqual([]);
      const ds = await b.call<number[]>('importMany', { infos: moved.map((r) => r.protocolInfo) });
      const expected = ss.map((_s, i) => (i < 10 ? '' : `inflight-${i}|`.slice(1)));
      const got = await b.call<string[]>('recvEach', { ss: ds, lengths: expected.map((e) => e.length) });
      expect(got).toEqual(expected);
    } finally {
      hog.kill('SIGKILL');
    }
  });
});

