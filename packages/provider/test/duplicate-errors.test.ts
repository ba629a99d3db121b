import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ProtocolInfo } from '@sanshare/protocol-info';
import { listen } from '@sanshare/transport-uds';
import { describe, expect, it } from 'vitest';
import { EXPORT_CREDIT_WINDOW } from '../src/constants.js';
import { AgentError, expectCode, startAgent, warmUp, type Agent } from './helpers/agent-runner.js';
import { fdCount } from './helpers/temp-dir.js';
import { waitUntil } from './helpers/wait-until.js';
import { useRuntimeDirAndEchoPeer } from './helpers/runtime-dir-and-peer.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => Buffer.from(b).toString();

/** The socket still works in `agent` after a failed duplication: nothing lost, reading resumed. */
async function stillWorks(agent: Agent, s: number, message: string): Promise<void> {
  await agent.call('send', { s, data: text(message) });
  expect(str(await agent.call<Uint8Array>('recvExactly', { s, bytes: message.length }))).toBe(message);
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid as number;
  await new Promise((resolve) => child.once('exit', resolve));
  return pid;
}

describe('WSPDuplicateSocket and WSPSocket errors, produced for real', () => {
  const fx = useRuntimeDirAndEchoPeer();

  it('should fail with WSAENOTSOCK for a descriptor this provider does not hold', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    await expectCode(a.call('duplicate', { s: 4242, pid: b.pid }), 'WSAENOTSOCK');
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    await a.call('close', { s });
    await expectCode(a.call('duplicate', { s, pid: b.pid }), 'WSAENOTSOCK');
  });

  it('should fail with WSAEINVAL for a bad pid, a process not running, one without an endpoint, or an impostor', async () => {
    const [a, other] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: join(fx.dir, 'elsewhere') })]);
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    const fdsBefore = fdCount(a.pid);
    for (const pid of [-1, 0x1_0000_0000, 1.5, 0]) await expectCode(a.call('duplicate', { s, pid }), 'WSAEINVAL');
    await expectCode(a.call('duplicate', { s, pid: await deadPid() }), 'WSAEINVAL');
    // Running, but its provider listens in another runtime directory: nothing at <dir>/<pid>.sock.
    await expectCode(a.call('duplicate', { s, pid: other.pid }), 'WSAEINVAL');
    await expectCode(a.call('duplicate', { s, pid: process.pid }), 'WSAEINVAL');
    // An impostor: this test process listens at <dir>/<other.pid>.sock; SO_PEERCRED says it is not `other`.
    const squatter = await listen(join(fx.dir, `${other.pid}.sock`));
    try {
      const error = await expectCode(a.call('duplicate', { s, pid: other.pid }), 'WSAEINVAL');
      expect(error.message).toMatch(/SO_PEERCRED/);
    } finally {
      await squatter.close();
    }
    await stillWorks(a, s, 'nothing lost');
    expect(fdCount(a.pid)).toBe(fdsBefore);
  });

  it('should make a protocol info single use, valid only in its target, and refuse forged or corrupted ones', async () => {
    const [a, b, c] = (await Promise.all([1, 2, 3].map(() => startAgent({ runtimeDir: fx.dir })))) as [Agent, Agent, Agent];
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    const info = await a.call<ProtocolInfo>('duplicate', { s, pid: b.pid });
    const context = info.exportContext as NonNullable<ProtocolInfo['exportContext']>;
    await expectCode(c.call('import', { info }), 'WSAEINVAL');
    await expectCode(b.call('import', { info: { ...info, exportContext: { ...context, nonce: new Uint8Array(16) } } }), 'WSAEINVAL');
    await expectCode(b.call('import', { info: { ...info, dwProviderReserved: info.dwProviderReserved ^ 1, exportContext: undefined } }), 'WSAEINVAL');
    await expectCode(b.call('import', { info: { ...info, exportContext: { ...context, socketCookie: '1' } } }), 'WSAEINVAL');
    // The native 628-byte form carries only dwProviderReserved: that is enough in the right process.
    const { exportContext: _dropped, ...nativeForm } = info;
    void _dropped;
    const d = await b.call<number>('import', { info: nativeForm });
    await expectCode(b.call('import', { info }), 'WSAEINVAL');
    await stillWorks(b as Agent, d, 'imported once');
  });

  it('should close an import nobody claims when it expires, then refuse it with WSAEINVAL', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir, importTimeoutMs: 1500 })]);
    await warmUp(a, b, fx.peer.port);
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    const fdsBefore = fdCount(b.pid);
    const info = await a.call<ProtocolInfo>('duplicate', { s, pid: b.pid });
    // Sent on an export credit, the descriptor may still be on its way into B when the call returns:
    // wait (bounded, no time measured) for it to land, then for it to be closed at expiry.
    await waitUntil(() => fdCount(b.pid) >= fdsBefore + 1);
    expect(fdCount(b.pid)).toBe(fdsBefore + 1);
    const expiresAt = info.exportContext?.expiresAtMs ?? 0;
    await waitUntil(() => Date.now() > expiresAt && fdCount(b.pid) === fdsBefore);
    await expectCode(b.call('import', { info }), 'WSAEINVAL');
    expect(fdCount(b.pid)).toBe(fdsBefore);
  });

  it("should fail with WSAEMFILE at the target's socket limit and at the source's process descriptor limit", async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }, { nofile: 128 }), startAgent({ runtimeDir: fx.dir, maxSockets: 1 })]);
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    // The target reserves a descriptor for each unclaimed import: one fits, the second does not.
    await a.call('duplicate', { s, pid: b.pid });
    await expectCode(a.call('duplicate', { s, pid: b.pid }), 'WSAEMFILE');
    // No descriptor left in the source process itself (RLIMIT_NOFILE reached).
    const c = await startAgent({ runtimeDir: fx.dir });
    const filled = await a.call<number>('fillFds');
    expect(filled).toBeGreaterThan(0);
    await expectCode(a.call('duplicate', { s, pid: c.pid }), 'WSAEMFILE');
    await a.call('releaseFds');
    const d = await c.call<number>('import', { info: await a.call('duplicate', { s, pid: c.pid }) });
    await stillWorks(c, d, 'after EMFILE');
  });

  it('should fail with WSAEMFILE when the target process is out of descriptors, over a cached channel and a fresh one', async () => {
    // No export credits: every hand-off into B waits for B's reply (see the next test for credits).
    const [a, b, c] = (await Promise.all([
      startAgent({ runtimeDir: fx.dir }),
      startAgent({ runtimeDir: fx.dir, exportCredits: 0 }, { nofile: 128 }),
      startAgent({ runtimeDir: fx.dir }),
    ])) as [Agent, Agent, Agent];
    await warmUp(a, b, fx.peer.port);
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    const u = await c.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    const fdsBefore = fdCount(a.pid);
    expect(await b.call<number>('fillFds')).toBeGreaterThan(0);
    // A has a channel to B: the kernel drops the descriptor at B (MSG_CTRUNC) and B closes the channel.
    await expectCode(a.call('duplicate', { s, pid: b.pid }), 'WSAEMFILE');
    // C has none: B cannot accept one (EMFILE at accept).
    await expectCode(c.call('duplicate', { s: u, pid: b.pid }), 'WSAEMFILE');
    await stillWorks(a, s, 'kept by the source');
    await b.call('releaseFds');
    const d = await b.call<number>('import', { info: await a.call('duplicate', { s, pid: b.pid }) });
    await stillWorks(b, d, 'after the target freed descriptors');
    await b.call('close', { s: d });
    expect(fdCount(a.pid)).toBe(fdsBefore);
  });

  it('should report a target that ran out of descriptors after granting credits within its credits, losing nothing', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir }, { nofile: 128 })]);
    await warmUp(a, b, fx.peer.port);
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    await b.call<number>('fillFds');
    // Sent on credits, A does not wait for B's replies: B's MSG_CTRUNC shows only at the import, for
    // at most the credits A holds; once they are spent or the channel is seen closed, WSAEMFILE.
    // B (default options) keeps A's channel topped up to EXPORT_CREDIT_WINDOW unused credits and
    // never more, so that is the most A can send without a reply: the bound follows the constant.
    const lost: ProtocolInfo[] = [];
    for (;;) {
      const outcome = await a.call<ProtocolInfo>('duplicate', { s, pid: b.pid }).catch((error: unknown) => error);
      if (outcome instanceof AgentError) {
        expect(outcome.code).toBe('WSAEMFILE');
        break;
      }
      lost.push(outcome as ProtocolInfo);
      expect(lost.length).toBeLessThanOrEqual(EXPORT_CREDIT_WINDOW);
    }
    await b.call('releaseFds');
    for (const info of lost) await expectCode(b.call('import', { info }), 'WSAEINVAL');
    // Only exports with nothing read ahead use credits: the socket and its bytes are all still in A.
    await stillWorks(a, s, 'nothing lost');
    const d = await b.call<number>('import', { info: await a.call('duplicate', { s, pid: b.pid }) });
    await stillWorks(b, d, 'after the target freed descriptors');
  });

  it("should fail with WSAENOBUFS at the target's cap on pending imports", async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir, maxPendingExports: 1 })]);
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    const first = await a.call<ProtocolInfo>('duplicate', { s, pid: b.pid });
    await expectCode(a.call('duplicate', { s, pid: b.pid }), 'WSAENOBUFS');
    // Claiming the first makes room again.
    await b.call('import', { info: first });
    await a.call('duplicate', { s, pid: b.pid });
  });

  it("should fail with WSAENETDOWN when the provider's own endpoint is down, and never with WSAEINPROGRESS", async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const s = await a.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    await a.call('unlinkEndpoint');
    await expectCode(a.call('duplicate', { s, pid: b.pid }), 'WSAENETDOWN');
    await stillWorks(a, s, 'the socket itself is fine');
    const t = await b.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    // C duplicated into B before (a channel is open), then B stopped: C cannot hand B a socket any more.
    const c = await startAgent({ runtimeDir: fx.dir });
    const u = await c.call<number>('connect', { address: '127.0.0.1', port: fx.peer.port });
    await b.call('import', { info: await c.call('duplicate', { s: u, pid: b.pid }) });
    await b.call('cleanup');
    await expectCode(c.call('duplicate', { s: u, pid: b.pid }), 'WSAEINVAL');
    await expectCode(b.call('duplicate', { s: t, pid: a.pid }), 'WSAENETDOWN');
    await expectCode(b.call('recv', { s: t }), 'WSAENETDOWN');
  });
});
